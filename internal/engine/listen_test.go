package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/postgres"
	"github.com/statgate/statgate/internal/testdb"
)

// TestWokenByAnotherProcess: on PostgreSQL, an engine waiting for box
// scores is woken by another process's load through LISTEN/NOTIFY. Its
// clock is frozen and its trigger poll and re-check are an hour, so without
// the notification it would sleep for an hour: the guard below fails the
// test instead of waiting that long.
func TestWokenByAnotherProcess(t *testing.T) {
	url := testdb.PostgresURL(t)
	schema := testdb.NewSchema(t, url)
	open := func() *postgres.Store {
		s, err := postgres.Open(context.Background(), postgres.Config{URL: url, Schema: schema, Catalog: nba.Catalog})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	mine, theirs := open(), open() // two pools, as two processes would have
	season := testdb.SeasonRows(t)
	testdb.LoadRaw(t, mine, season, feb3, feb3, nba.Schedule, nba.Gamebook)
	clk := func() time.Time { return time.Date(2023, 2, 4, 5, 0, 0, 0, time.UTC) }
	e := newEngine(t, mine, clk, func(c *engine.Config) { c.Recheck, c.TriggerPoll = time.Hour, time.Hour })
	done := make(chan engine.Report, 1)
	go func() {
		rep, err := e.Run(context.Background(), engine.Scope{From: feb3, To: feb3,
			Processors: []string{nba.TeamOffense, nba.PlayerGame}, WaitFor: time.Minute})
		if err != nil {
			t.Error(err)
		}
		done <- rep
	}()
	time.Sleep(200 * time.Millisecond) // let it plan and start waiting
	testdb.LoadRaw(t, theirs, season, feb3, feb3, nba.TeamBox)
	select {
	case rep := <-done:
		if st, why := decision(rep, nba.PlayerGame, feb3); st != pipeline.Published {
			t.Errorf("player after the other process's load: %s (%s), want published", st, why)
		}
	case <-time.After(45 * time.Second):
		t.Fatal("the engine was not woken by the other process's publication")
	}
}
