package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/sqlite"
)

var (
	binOnce sync.Once
	binDir  string
	binErr  error
)

// TestMain removes the binary the subprocess tests share, and the demo's
// database.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	if demo.dir != "" {
		os.RemoveAll(demo.dir)
	}
	os.Exit(code)
}

// buildBinary builds statgate once for the subprocess tests.
func buildBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "statgate-bin-"); binErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, "statgate"), ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return filepath.Join(binDir, "statgate")
}

func analyticsState(t *testing.T, db string) (hashes map[string]string, triggers int) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, sqlite.Config{Path: db, Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hashes = map[string]string{}
	for _, p := range nba.Processors() {
		vs, err := s.Partitions(ctx, pipeline.PartitionFilter{Table: p.Name()})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			hashes[p.Name()+" "+v.Date.String()] = v.ContentHash
		}
	}
	trig, err := s.Triggers(ctx, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return hashes, len(trig)
}

// TestKilledBackfillResumes SIGKILLs a real statgate process in the middle
// of running the season, then runs a backfill over the season: it completes
// with exactly the content of an uninterrupted run, and every trigger the
// loads recorded is still there.
func TestKilledBackfillResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the season three times")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	clean, killed := filepath.Join(dir, "clean.db"), filepath.Join(dir, "killed.db")
	if out, err := exec.Command(bin, "demo", "--no-serve", "--db", clean).CombinedOutput(); err != nil {
		t.Fatalf("clean demo: %v\n%s", err, out)
	}
	want, wantTriggers := analyticsState(t, clean)

	cmd := exec.Command(bin, "demo", "--no-serve", "--db", killed, "--lease-ttl", "1s")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once the pipeline is well under way.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the demo never got half-way through the season")
		}
		time.Sleep(50 * time.Millisecond)
		if n := countVersions(t, killed); n >= 400 {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	midway, _ := analyticsState(t, killed)
	if len(midway) >= len(want) {
		t.Fatalf("the kill came too late: %d of %d partitions were already published", len(midway), len(want))
	}
	out, err := exec.Command(bin, "backfill", "--from", "2022-10-18", "--to", "2023-06-12", "--db", killed, "--lease-ttl", "1s").CombinedOutput()
	if err != nil {
		t.Fatalf("backfill after the kill: %v\n%s", err, out)
	}
	got, gotTriggers := analyticsState(t, killed)
	if len(got) != len(want) {
		t.Errorf("after resuming: %d analytics partitions, want %d", len(got), len(want))
	}
	for k, h := range want {
		if got[k] != h {
			t.Errorf("%s: hash %.12s after the kill and resume, want %.12s", k, got[k], h)
		}
	}
	if gotTriggers != wantTriggers {
		t.Errorf("triggers after the kill: %d, want %d (none lost)", gotTriggers, wantTriggers)
	}
	t.Logf("killed with %d of %d partitions published; the backfill finished the rest: %s", len(midway), len(want), strings.TrimSpace(string(out)))
}

// countVersions counts analytics partition versions, or 0 while the file
// is not ready.
func countVersions(t *testing.T, db string) int {
	if _, err := os.Stat(db); err != nil {
		return 0
	}
	ctx := context.Background()
	s, err := sqlite.Open(ctx, sqlite.Config{Path: db, Catalog: nba.Catalog})
	if err != nil {
		return 0
	}
	defer s.Close()
	n := 0
	for _, p := range nba.Processors() {
		vs, err := s.Partitions(ctx, pipeline.PartitionFilter{Table: p.Name()})
		if err != nil {
			return 0
		}
		n += len(vs)
	}
	return n
}
