package engine_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
	"github.com/statgate/statgate/internal/testdb"
)

// loadedStore returns a fresh SQLite store holding the real season's raw
// tables; the benchmark timer is stopped meanwhile.
func loadedStore(b *testing.B, season map[string][]pipeline.Row) pipeline.Store {
	b.StopTimer()
	defer b.StartTimer()
	s := testdb.SQLite(b)
	testdb.LoadRaw(b, s, season, seasonStart, seasonEnd)
	return s
}

// BenchmarkSeasonBackfill runs all five processors over the whole real
// season (1,190 tasks) through the engine on embedded SQLite, 2 workers.
// It also reports the wake latency: from team offense's publication for a
// date to the start of that date's player summary.
func BenchmarkSeasonBackfill(b *testing.B) {
	season := testdb.SeasonRows(b)
	var lat []time.Duration
	for b.Loop() {
		s := loadedStore(b, season)
		var mu sync.Mutex
		published := map[pipeline.Date]time.Time{}
		e := newEngine(b, s, time.Now, func(c *engine.Config) {
			c.Events = func(ev engine.Event) {
				mu.Lock()
				defer mu.Unlock()
				switch {
				case ev.Task.Processor == nba.TeamOffense && ev.State == pipeline.Published:
					published[ev.Task.Date] = time.Now()
				case ev.Task.Processor == nba.PlayerGame && ev.State == pipeline.Running:
					if at, ok := published[ev.Task.Date]; ok {
						lat = append(lat, time.Since(at))
					}
				}
			}
		})
		rep, err := e.Run(context.Background(), engine.Scope{From: seasonStart, To: seasonEnd, RefreshAll: true, Explicit: true})
		if err != nil || rep.Count(pipeline.Published) != 1190 {
			b.Fatalf("season backfill: %d published, %v", rep.Count(pipeline.Published), err)
		}
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "wake-p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "wake-p99-ms")
	}
}

// BenchmarkSeasonUngated is the baseline for the engine's overhead: the
// same processors and the same writes (each task through the same publish
// step), but no planner, gates, leases or task records: per date, the
// processors run level by level, two at a time, in an order known to be
// safe for this data.
func BenchmarkSeasonUngated(b *testing.B) {
	season := testdb.SeasonRows(b)
	g, err := dag.Build(nba.Catalog, nba.Processors())
	if err != nil {
		b.Fatal(err)
	}
	levels := [][]string{{nba.TeamOffense, nba.TeamDefense}, {nba.PlayerGame, nba.UpcomingTeam}, {nba.UpcomingPlayer}}
	for b.Loop() {
		s := loadedStore(b, season)
		x := &publish.Executor{Store: s, Catalog: nba.Catalog, BuildRevision: "bench", Cache: publish.NewCache(200_000)}
		for d := seasonStart; d <= seasonEnd; d++ {
			for _, level := range levels {
				if err := runLevel(x, g, level, d, nil); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}

// runLevel runs one level's processors for d in parallel and waits for all.
func runLevel(x *publish.Executor, g *dag.Graph, level []string, d pipeline.Date, missing map[pipeline.Date][]string) error {
	var wg sync.WaitGroup
	errs := make([]error, len(level))
	for i, name := range level {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = x.Execute(context.Background(), g.Processor(name), d, publish.Options{Missing: missing[d]})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// slow makes a processor take at least d per task.
type slow struct {
	pipeline.Processor
	d time.Duration
}

func (s slow) Compute(c pipeline.Compute) ([]pipeline.Row, error) {
	time.Sleep(s.d)
	return s.Processor.Compute(c)
}

// skewed: team defense is slow (40 ms a task), everything else takes 2 ms
// more than it does: the player summary, which needs only team offense,
// should not wait for team defense.
func skewed() []pipeline.Processor {
	var out []pipeline.Processor
	for _, p := range nba.Processors() {
		d := 2 * time.Millisecond
		if p.Name() == nba.TeamDefense {
			d = 40 * time.Millisecond
		}
		out = append(out, slow{p, d})
	}
	return out
}

var makespanFrom, makespanTo = pipeline.MustDate("2023-01-02"), pipeline.MustDate("2023-01-21")

// BenchmarkMakespanDAG: 20 dates with skewed durations, 4 workers, through
// the engine (a task starts as soon as its own inputs are ready).
func BenchmarkMakespanDAG(b *testing.B) {
	season := testdb.SeasonRows(b)
	g, err := dag.Build(nba.Catalog, skewed())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		s := loadedStore(b, season)
		e := newEngine(b, s, time.Now, func(c *engine.Config) { c.Graph, c.Workers = g, 4 })
		if _, err := e.Run(context.Background(), engine.Scope{From: makespanFrom, To: makespanTo}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMakespanLevels: the same work level by level (every processor of
// a level must finish before the next level starts), as the earlier service
// did per trigger, 4 at a time.
func BenchmarkMakespanLevels(b *testing.B) {
	season := testdb.SeasonRows(b)
	g, err := dag.Build(nba.Catalog, skewed())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		s := loadedStore(b, season)
		x := &publish.Executor{Store: s, Catalog: nba.Catalog, BuildRevision: "bench", Cache: publish.NewCache(200_000)}
		for d := makespanFrom; d <= makespanTo; d += 2 { // two dates (4 tasks) side by side per level
			for _, level := range [][]string{{nba.TeamOffense, nba.TeamDefense}, {nba.PlayerGame, nba.UpcomingTeam}, {nba.UpcomingPlayer}} {
				var wg sync.WaitGroup
				for _, dd := range []pipeline.Date{d, d + 1} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if err := runLevel(x, g, level, dd, nil); err != nil {
							b.Error(err)
						}
					}()
				}
				wg.Wait()
			}
		}
	}
}
