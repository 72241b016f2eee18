package engine_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
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

// The ungated baseline and the makespan of the DAG against a level-by-level
// schedule are measured by statgate bench (internal/bench), side by side
// with this backfill, its floor and PostgreSQL.
