package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/sqlite"
	"github.com/statgate/statgate/internal/testdb"
)

// server is a `statgate serve` process.
type server struct {
	cmd    *exec.Cmd
	url    string
	stderr *logBuffer
	exited chan error
}

// logBuffer collects a process's stderr; the test may read it while the
// process still writes (a failing test's cleanup does).
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe starts `statgate serve` on a free loopback port and returns
// once it prints the URL it serves on.
func startServe(t *testing.T, bin string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	stderr := &logBuffer{}
	cmd.Stderr = stderr
	sv := launch(t, cmd, func() string { return stderr.String() })
	sv.stderr = stderr
	return sv
}

// launch starts a serve command whose stderr is already set, waits for
// the URL it prints and kills it at cleanup if it still runs. logs reads
// its log when it never says where it listens.
func launch(t *testing.T, cmd *exec.Cmd, logs func() string) *server {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	sv := &server{cmd: cmd, exited: make(chan error, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), "statgate serving on "); ok {
			sv.url, _, _ = strings.Cut(rest, " ")
			break
		}
	}
	go func() {
		_, _ = io.Copy(io.Discard, stdout)
		sv.exited <- cmd.Wait()
	}()
	if sv.url == "" {
		cmd.Process.Kill()
		t.Fatalf("serve never said where it listens:\n%s", tail(logs()))
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	})
	return sv
}

func (sv *server) call(t *testing.T, method, path, token string, body any, into any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, sv.url+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if into != nil {
		if err := json.NewDecoder(res.Body).Decode(into); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return res.StatusCode
}

type backfillState struct {
	State    string         `json:"state"`
	Tasks    map[string]int `json:"tasks_by_state"`
	Progress *struct {
		Finished map[string]int `json:"runs_finished"`
	} `json:"progress"`
}

func (b backfillState) finished() int {
	n := 0
	if b.Progress != nil {
		for _, v := range b.Progress.Finished {
			n += v
		}
	}
	return n
}

// TestServeDrainsOnSIGTERMAndResumesBackfill runs the real service over the
// season, asks it over HTTP to recompute the whole season, and sends
// SIGTERM in the middle: the process stops taking work, lets its running
// tasks finish and exits 0, leaving the backfill unfinished. A restarted
// service resumes and completes it. Every partition's rows then match the
// version it claims, with the content of an uninterrupted run.
func TestServeDrainsOnSIGTERMAndResumesBackfill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the season through a real service twice")
	}
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "serve.db")
	// The season was loaded three days ago: the completeness deadline of
	// the dates whose box scores never arrived has passed.
	loaded := func() time.Time { return time.Now().Add(-72 * time.Hour) }
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: db, Catalog: nba.Catalog, Now: loaded})
	if err != nil {
		t.Fatal(err)
	}
	testdb.LoadRaw(t, s, testdb.SeasonRows(t), pipeline.MustDate("2022-10-18"), pipeline.MustDate("2023-06-12"))
	s.Close()

	const token = "ops"
	args := []string{"--db", db, "--auth-token", token, "--lease-ttl", "2s", "--shutdown-grace", "20s"}
	first := startServe(t, bin, args...)
	// The service computes the season by itself; wait until it has.
	waitUntil(t, "the service computes the season", func() bool {
		var parts struct {
			Tasks []struct{ State string } `json:"tasks"`
		}
		first.call(t, "GET", "/api/partitions", "", nil, &parts)
		done := 0
		for _, task := range parts.Tasks {
			if task.State == pipeline.Published || task.State == engine.Partial {
				done++
			}
		}
		return done == 1190
	})
	want, _ := analyticsState(t, db)

	var accepted struct {
		ID int64 `json:"backfill_id"`
	}
	req := map[string]any{"start_date": "2022-10-18", "end_date": "2023-06-12", "mode": "all"}
	if code := first.call(t, "POST", "/process-date-range", token, req, &accepted); code != http.StatusAccepted || accepted.ID == 0 {
		t.Fatalf("POST /process-date-range = %d (%+v), want 202 with an id", code, accepted)
	}
	path := fmt.Sprintf("/api/backfills/%d", accepted.ID)
	waitUntil(t, "the backfill is under way", func() bool {
		var b backfillState
		first.call(t, "GET", path, "", nil, &b)
		return b.finished() >= 100
	})
	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-first.exited:
		if err != nil {
			t.Fatalf("serve after SIGTERM: %v, want exit 0\n%s", err, tail(first.stderr.String()))
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not exit after SIGTERM\n%s", tail(first.stderr.String()))
	}
	if log := first.stderr.String(); !strings.Contains(log, "stopped cleanly") {
		t.Errorf("serve log does not say it stopped cleanly:\n%s", tail(log))
	}
	s, err = sqlite.Open(context.Background(), sqlite.Config{Path: db, Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	mid, err := s.Backfill(context.Background(), accepted.ID)
	s.Close()
	if err != nil || mid.State != pipeline.BackfillRunning {
		t.Fatalf("backfill after SIGTERM = %+v, %v; want still running, to be resumed", mid, err)
	}

	second := startServe(t, bin, args...)
	var done backfillState
	waitUntil(t, "the resumed backfill completes", func() bool {
		second.call(t, "GET", path, "", nil, &done)
		return done.State == pipeline.BackfillDone
	})
	if done.Tasks[pipeline.Published]+done.Tasks[pipeline.UpToDate] != 1190 {
		t.Errorf("resumed backfill ended with tasks %v, want all 1190 published or up to date", done.Tasks)
	}
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-second.exited; err != nil {
		t.Errorf("second serve after SIGTERM: %v", err)
	}
	got, _ := analyticsState(t, db)
	for k, h := range want {
		if got[k] != h {
			t.Errorf("%s: hash %.12s after the interrupted backfill, want %.12s", k, got[k], h)
		}
	}
	checkRowsMatchVersions(t, db)
}

// checkRowsMatchVersions reads every analytics partition and checks that
// its rows are exactly the version it claims: no partial partition.
func checkRowsMatchVersions(t *testing.T, db string) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, sqlite.Config{Path: db, Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range nba.Processors() {
		parts, err := s.ReadRange(ctx, p.Output(), pipeline.MustDate("2022-10-01"), pipeline.MustDate("2023-07-01"))
		if err != nil {
			t.Fatal(err)
		}
		for _, pr := range parts {
			if h := p.Output().ContentHash(pr.Rows); h != pr.Version.ContentHash || len(pr.Rows) != pr.Version.RowCount {
				t.Errorf("%s %s: %d rows hashing %.12s, but version %d says %d rows, %.12s",
					p.Name(), pr.Version.Date, len(pr.Rows), h, pr.Version.Version, pr.Version.RowCount, pr.Version.ContentHash)
			}
		}
	}
}

// waitUntil polls cond until it holds, failing after a generous deadline
// (a hang guard, not a timing goal).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return strings.Join(lines, "\n")
}
