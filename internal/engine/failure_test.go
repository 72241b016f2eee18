package engine_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

// flaky wraps a processor whose Compute fails with err until it has failed
// `failures` times (forever when negative).
type flaky struct {
	pipeline.Processor
	err      error
	failures int64
	calls    *atomic.Int64
}

func (f flaky) Compute(c pipeline.Compute) ([]pipeline.Row, error) {
	if n := f.calls.Add(1); f.failures < 0 || n <= f.failures {
		return nil, f.err
	}
	return f.Processor.Compute(c)
}

func withProcessor(t *testing.T, replace pipeline.Processor) func(*engine.Config) {
	return func(c *engine.Config) { c.Graph = testdb.Graph(t, replace) }
}

func processorNamed(name string) pipeline.Processor {
	for _, p := range nba.Processors() {
		if p.Name() == name {
			return p
		}
	}
	return nil
}

// TestCircuitOpens: a processor failing on date after date opens its
// circuit; its remaining tasks wait instead of failing one by one, and the
// tasks downstream of the failed ones are blocked, naming the upstream.
func TestCircuitOpens(t *testing.T) {
	from, to := pipeline.MustDate("2023-01-02"), pipeline.MustDate("2023-01-11")
	s := testdb.SQLite(t)
	testdb.LoadRaw(t, s, testdb.SeasonRows(t), from, to)
	var calls atomic.Int64
	broken := flaky{Processor: processorNamed(nba.TeamDefense), err: errors.New("warehouse unavailable"), failures: -1, calls: &calls}
	now := func() time.Time { return time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC) }
	e := newEngine(t, s, now, withProcessor(t, broken), func(c *engine.Config) {
		c.Workers, c.CircuitThreshold, c.CircuitCooldown = 1, 3, time.Hour
		c.Retry = engine.Retry{Base: time.Millisecond, Factor: 2, Cap: time.Millisecond, MaxAttempts: 1}
	})
	rep, err := e.Run(context.Background(), engine.Scope{From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	failed, open := 0, 0
	for _, d := range rep.Final {
		if d.Task.Processor != nba.TeamDefense {
			continue
		}
		switch {
		case d.State == pipeline.Failed:
			failed++
		case d.State == pipeline.Waiting && strings.Contains(d.Reason, "circuit open"):
			open++
		}
	}
	if failed != 3 || open != 7 || calls.Load() != 3 {
		t.Errorf("team defense: %d failed, %d waiting on the open circuit, %d attempts; want 3, 7, 3", failed, open, calls.Load())
	}
	st, why := decision(rep, nba.UpcomingTeam, from.AddDays(1))
	if st != pipeline.Blocked || !strings.Contains(why, "team_defense_game_summary 2023-01-02 failed") {
		t.Errorf("upcoming team context after a failed team defense: %s (%s), want blocked naming it", st, why)
	}
	if st, _ := decision(rep, nba.PlayerGame, from); st != pipeline.Published {
		t.Errorf("player summary (independent of team defense): %s, want published", st)
	}
	// Another process starting now respects the stored circuit.
	again := newEngine(t, s, now, withProcessor(t, broken), func(c *engine.Config) {
		c.Workers, c.CircuitThreshold, c.CircuitCooldown, c.Owner = 1, 3, time.Hour, "other"
	})
	rep, err = again.Run(context.Background(), engine.Scope{From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	if st, why := decision(rep, nba.TeamDefense, to); st != pipeline.Waiting || !strings.Contains(why, "circuit open") || calls.Load() != 3 {
		t.Errorf("a new process: team defense %s (%s) after %d attempts; want waiting on the stored open circuit, no new attempt", st, why, calls.Load())
	}
}

// TestTransientErrorsRetry: a transient error is retried after a backoff
// and the task then publishes; the attempts are recorded.
func TestTransientErrorsRetry(t *testing.T) {
	d := pipeline.MustDate("2023-01-02")
	s := testdb.SQLite(t)
	testdb.LoadRaw(t, s, testdb.SeasonRows(t), d, d)
	var calls atomic.Int64
	busy := flaky{Processor: processorNamed(nba.TeamOffense), err: errors.New("database is busy"), failures: 2, calls: &calls}
	e := newEngine(t, s, time.Now, withProcessor(t, busy), func(c *engine.Config) {
		c.Retry = engine.Retry{Base: 5 * time.Millisecond, Factor: 2, Cap: 20 * time.Millisecond, MaxAttempts: 5}
	})
	rep, err := e.Run(context.Background(), engine.Scope{From: d, To: d, Processors: []string{nba.TeamOffense}, WaitFor: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if st, why := decision(rep, nba.TeamOffense, d); st != pipeline.Published || calls.Load() != 3 || rep.Runs["retry"] != 2 {
		t.Errorf("team offense after two busy errors: %s (%s), %d calls, runs %v; want published on the third call after 2 retries", st, why, calls.Load(), rep.Runs)
	}
	// A permanent error (invalid data) is not retried.
	calls.Store(0)
	bad := flaky{Processor: processorNamed(nba.TeamDefense), err: pipeline.ErrInvalid, failures: -1, calls: &calls}
	e = newEngine(t, s, time.Now, withProcessor(t, bad))
	rep, err = e.Run(context.Background(), engine.Scope{From: d, To: d, Processors: []string{nba.TeamDefense}})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := decision(rep, nba.TeamDefense, d); st != pipeline.Failed || calls.Load() != 1 {
		t.Errorf("team defense with invalid input: %s after %d calls, want failed after 1", st, calls.Load())
	}
}

func TestBackoffFullJitter(t *testing.T) {
	r := engine.Retry{Base: time.Second, Factor: 2, Cap: 5 * time.Minute, MaxAttempts: 8}
	rnd := rand.New(rand.NewPCG(1, 2))
	for attempt, ceiling := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 12: 5 * time.Minute} {
		var maxSeen time.Duration
		for range 2000 {
			b := r.Backoff(attempt, rnd)
			if b < 0 || b > ceiling {
				t.Fatalf("Backoff(%d) = %v, want within [0, %v]", attempt, b, ceiling)
			}
			maxSeen = max(maxSeen, b)
		}
		if maxSeen < ceiling*9/10 {
			t.Errorf("Backoff(%d) never came near its ceiling %v (max %v): not full jitter", attempt, ceiling, maxSeen)
		}
	}
}
