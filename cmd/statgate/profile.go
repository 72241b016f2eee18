package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

// startProfile, with --profile DIR, records a CPU profile of the command
// into DIR/cpu.pprof; the returned stop ends it and writes the heap as it
// is then into DIR/heap.pprof and the peak memory into DIR/memory.txt. Read
// them with `go tool pprof -top DIR/cpu.pprof`.
func (c *cli) startProfile() (stop func() error, err error) {
	if c.profileDir == "" {
		return func() error { return nil }, nil
	}
	if err := os.MkdirAll(c.profileDir, 0o755); err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	f, err := os.Create(filepath.Join(c.profileDir, "cpu.pprof"))
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("profile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			return fmt.Errorf("profile: %w", err)
		}
		h, err := os.Create(filepath.Join(c.profileDir, "heap.pprof"))
		if err != nil {
			return fmt.Errorf("profile: %w", err)
		}
		defer h.Close()
		runtime.GC()
		if err := pprof.WriteHeapProfile(h); err != nil {
			return fmt.Errorf("profile: %w", err)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return os.WriteFile(filepath.Join(c.profileDir, "memory.txt"),
			fmt.Appendf(nil, "heap in use at exit: %d bytes\nheap obtained from the system (peak): %d bytes\ntotal allocated: %d bytes\ngc cycles: %d\n",
				ms.HeapInuse, ms.HeapSys, ms.TotalAlloc, ms.NumGC), 0o644)
	}, nil
}
