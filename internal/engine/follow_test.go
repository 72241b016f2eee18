package engine_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/sqlite"
	"github.com/statgate/statgate/internal/testdb"
)

// TestFollowIdlesAndFollowsTheCalendar: a Follow run (the service) plans
// once and then holds still until woken — no busy loop — and a date the
// schedule gains joins its scope and is computed.
func TestFollowIdlesAndFollowsTheCalendar(t *testing.T) {
	season := testdb.SeasonRows(t)
	s := testdb.SQLite(t)
	var rounds atomic.Int64
	var lastTotal atomic.Int64
	e := newEngine(t, s, time.Now, func(c *engine.Config) {
		c.Recheck, c.TriggerPoll = time.Hour, time.Hour
		c.Observe = func(st engine.Stats) {
			n := 0
			for _, v := range st.ByState {
				n += v
			}
			lastTotal.Store(int64(n))
			rounds.Add(1)
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := e.Run(ctx, engine.Scope{Follow: true})
		done <- err
	}()
	waitFor(t, "the first planning round", func() bool { return rounds.Load() >= 1 })
	time.Sleep(200 * time.Millisecond)
	if n := rounds.Load(); n != 1 {
		t.Errorf("planning rounds while idle and never woken = %d, want 1", n)
	}
	if n := lastTotal.Load(); n != 0 {
		t.Errorf("tasks in scope without a calendar = %d, want 0", n)
	}

	feb3 := pipeline.MustDate("2023-02-03")
	testdb.LoadRaw(t, s, season, feb3, feb3)
	e.Notify()
	waitFor(t, "2023-02-03 computed", func() bool {
		v, err := s.CurrentVersion(context.Background(), nba.UpcomingPlayer, feb3)
		return err == nil && v.Version == 1
	})
	if n := lastTotal.Load(); n != 5 {
		t.Errorf("tasks in scope after the schedule gained 2023-02-03 = %d, want 5", n)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestFollowSeesOtherProcessesWithoutTriggers: another process (its own
// store handle on the same file, a build with other formulas) recomputes
// team offense, which records no trigger. The following engine, idle and
// polling triggers, still sees it at its safety-net re-check and
// recomputes the player summary against it.
func TestFollowSeesOtherProcessesWithoutTriggers(t *testing.T) {
	season := testdb.SeasonRows(t)
	s := testdb.SQLite(t)
	feb3 := pipeline.MustDate("2023-02-03")
	testdb.LoadRaw(t, s, season, feb3, feb3)
	e := newEngine(t, s, time.Now, func(c *engine.Config) {
		c.Recheck, c.TriggerPoll = 300*time.Millisecond, 50*time.Millisecond
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := e.Run(ctx, engine.Scope{Follow: true})
		done <- err
	}()
	version := func(table string) int {
		v, _ := s.CurrentVersion(context.Background(), table, feb3)
		return v.Version
	}
	waitFor(t, "the date computed", func() bool { return version(nba.UpcomingPlayer) == 1 && version(nba.PlayerGame) == 1 })

	other, err := sqlite.Open(context.Background(), sqlite.Config{Path: s.Path(), Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := newEngine(t, other, time.Now, withProcessor(t, fastPace{processorNamed(nba.TeamOffense)}),
		func(c *engine.Config) { c.Owner = "other" }).Run(context.Background(),
		engine.Scope{From: feb3, To: feb3, Processors: []string{nba.TeamOffense}, Force: true}); err != nil {
		t.Fatal(err)
	}
	if v := version(nba.TeamOffense); v != 2 {
		t.Fatalf("team offense after the other process = version %d, want 2", v)
	}
	// The follower recomputes team offense with its own formulas (version
	// 3) and the player summary against whatever team offense is current.
	waitFor(t, "the player summary recomputed on the new team offense", func() bool {
		v, _ := s.CurrentVersion(context.Background(), nba.PlayerGame, feb3)
		team := version(nba.TeamOffense)
		return team >= 2 && inputVersion(v, nba.TeamOffense, feb3) == team
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
}
