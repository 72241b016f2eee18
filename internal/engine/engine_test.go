package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
	"github.com/statgate/statgate/internal/testdb"
)

var (
	seasonStart = pipeline.MustDate("2022-10-18")
	seasonEnd   = pipeline.MustDate("2023-06-12")
)

// scheduledEarly makes a test store record every version on the day the
// season's schedule came out: the completeness deadline of every date then
// counts from the end of the date, as when the data arrived on time.
var scheduledEarly = testdb.Clock(func() time.Time { return time.Date(2022, 8, 20, 0, 0, 0, 0, time.UTC) })

// clock is an injected clock tests move by hand.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }

func newEngine(t testing.TB, s pipeline.Store, now func() time.Time, mods ...func(*engine.Config)) *engine.Engine {
	t.Helper()
	g, err := dag.Build(nba.Catalog, nba.Processors())
	if err != nil {
		t.Fatal(err)
	}
	cfg := engine.Config{
		Store: s, Catalog: nba.Catalog, Graph: g, Now: now, Owner: "test",
		Executor: &publish.Executor{Store: s, Catalog: nba.Catalog, BuildRevision: "test", Cache: publish.NewCache(200_000)},
	}
	for _, m := range mods {
		m(&cfg)
	}
	e, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestSeasonBackfill runs the whole real season through the engine: every
// date settles, the 18 games that never arrived make their dates partial
// (the season is long past its deadlines), and nothing is rejected.
func TestSeasonBackfill(t *testing.T) {
	if raceEnabled {
		t.Skip("the whole season under the race detector is covered by cmd/statgate's demo test")
	}
	s := testdb.SQLite(t)
	testdb.LoadRaw(t, s, testdb.SeasonRows(t), seasonStart, seasonEnd)
	e := newEngine(t, s, time.Now)
	rep, err := e.Run(context.Background(), engine.Scope{From: seasonStart, To: seasonEnd, RefreshAll: true, Explicit: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := rep.Count(pipeline.Published); n != 5*238 {
		t.Errorf("published tasks = %d, want %d; runs %v", n, 5*238, rep.Runs)
		for _, d := range rep.Final {
			if d.State != pipeline.Published {
				t.Logf("%s %s %s: %s", d.Task.Processor, d.Task.Date, d.State, d.Reason)
			}
		}
	}
	partial := map[pipeline.Date]bool{}
	for _, d := range rep.Final {
		if d.Partial && d.Task.Processor == nba.TeamOffense {
			partial[d.Task.Date] = true
		}
	}
	t.Logf("runs %v; %d partial dates", rep.Runs, len(partial))
	if len(partial) == 0 {
		t.Error("no partial dates, want the dates of the 18 games without box scores")
	}
	// Nothing changed: a second run writes nothing.
	again, err := e.Run(context.Background(), engine.Scope{From: seasonStart, To: seasonEnd, RefreshAll: true, Explicit: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Runs) != 0 {
		t.Errorf("second backfill ran %v, want nothing", again.Runs)
	}
}
