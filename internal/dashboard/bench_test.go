package dashboard

import (
	"context"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
	"github.com/statgate/statgate/internal/release"
	"github.com/statgate/statgate/internal/testdb"
)

// seasonDashboard runs the whole real season into a SQLite store and
// returns a dashboard over it.
func seasonDashboard(b *testing.B) *Dashboard {
	b.Helper()
	s := testdb.SQLite(b)
	from, to := pipeline.MustDate("2022-10-18"), pipeline.MustDate("2023-06-12")
	testdb.LoadRaw(b, s, testdb.SeasonRows(b), from, to)
	g := graph(b)
	x := &publish.Executor{Store: s, Catalog: nba.Catalog, Cache: publish.NewCache(200_000)}
	e, err := engine.New(engine.Config{Store: s, Catalog: nba.Catalog, Graph: g, Executor: x, Hold: true})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.Run(context.Background(), engine.Scope{From: from, To: to, RefreshAll: true, Explicit: true}); err != nil {
		b.Fatal(err)
	}
	pl := &release.Planner{Store: s, Engine: e, Graph: g, Executor: x, Policy: dag.DefaultPolicy(), Now: time.Now}
	d, err := New(Config{Store: s, Catalog: nba.Catalog, Graph: g, Engine: e, Hub: NewHub(), Planner: pl})
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkSeasonPage is the server's time to answer the page over the
// whole 2022-23 season (238 dates × 5 processors), reading the database
// each time (goal: under 50 ms): GET / (overview, problems, graph health,
// matrix and timeline), the page deep-linked to a task with its panel,
// /ui/season (what each live update fetches), one task's panel, and the
// plan of processor changes (fetched after the page, and again at most
// every few seconds while it updates).
func BenchmarkSeasonPage(b *testing.B) {
	d := seasonDashboard(b)
	for _, path := range []string{"/", "/?task=player_game_summary/2023-02-03", "/ui/season", "/ui/task/upcoming_player_game_context/2023-02-03", "/ui/plan"} {
		b.Run(path, func(b *testing.B) {
			var size int
			for b.Loop() {
				rec := httptest.NewRecorder()
				d.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
				if rec.Code != 200 {
					b.Fatalf("GET %s = %d", path, rec.Code)
				}
				size = rec.Body.Len()
				_, _ = io.Discard.Write(rec.Body.Bytes())
			}
			b.ReportMetric(float64(size)/1024, "KiB")
		})
	}
	m, err := d.Matrix(context.Background())
	if err != nil || len(m.Rows) != 238 {
		b.Fatalf("season matrix = %d rows, %v; want 238", len(m.Rows), err)
	}
}
