package engine_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

type delivery struct {
	table string
	date  pipeline.Date
}

// analyticsHashes reads the content hash of every analytics partition.
func analyticsHashes(t *testing.T, s pipeline.Store, from, to pipeline.Date) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range nba.Processors() {
		vs, err := s.Partitions(context.Background(), pipeline.PartitionFilter{Table: p.Name(), From: from, To: to, HasRange: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			out[p.Name()+" "+v.Date.String()] = v.ContentHash
		}
	}
	return out
}

// TestArrivalOrderDoesNotMatter: over a week of real dates, raw partitions
// arrive in random order, some twice, while two engines (random worker
// counts) run concurrently and are woken at random. The final content
// equals a clean sequential run's, and no player partition was ever
// published with a team-offense version other than the current one.
func TestArrivalOrderDoesNotMatter(t *testing.T) {
	season := testdb.SeasonRows(t)
	from, to := pipeline.MustDate("2023-02-01"), pipeline.MustDate("2023-02-07")
	// Every deadline has passed, counted from the dates and from when the
	// schedule was recorded: a date whose data has not all arrived yet
	// publishes partial and must recompute when the rest arrives.
	now := func() time.Time { return time.Date(2023, 2, 10, 0, 0, 0, 0, time.UTC) }
	recorded := testdb.Clock(func() time.Time { return time.Date(2023, 1, 20, 0, 0, 0, 0, time.UTC) })
	clean := testdb.SQLite(t, recorded)
	testdb.LoadRaw(t, clean, season, from, to)
	if _, err := newEngine(t, clean, now).Run(context.Background(), engine.Scope{From: from, To: to}); err != nil {
		t.Fatal(err)
	}
	want := analyticsHashes(t, clean, from, to)
	if len(want) != 35 {
		t.Fatalf("clean run published %d partitions, want 35", len(want))
	}
	trials := 6
	if testing.Short() {
		trials = 2
	}
	for trial := range trials {
		t.Run(fmt.Sprintf("seed%d", trial), func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(uint64(trial), 42))
			s := testdb.SQLite(t, recorded)
			final := randomArrivals(t, s, season, from, to, rnd, now)
			if got := analyticsHashes(t, s, from, to); fmt.Sprint(got) != fmt.Sprint(want) {
				for _, d := range final.Final {
					if d.State != pipeline.Published {
						t.Logf("final: %s %s %s: %s", d.Task.Processor, d.Task.Date, d.State, d.Reason)
					}
				}
				for k, h := range want {
					if got[k] != h {
						t.Errorf("%s: hash %.12s, want %.12s (clean run)", k, got[k], h)
					}
				}
			}
			checkPlayerLineage(t, s, from, to)
		})
	}
}

func randomArrivals(t *testing.T, s pipeline.Store, season map[string][]pipeline.Row, from, to pipeline.Date, rnd *rand.Rand, now func() time.Time) engine.Report {
	var ds []delivery
	for d := from; d <= to; d++ {
		for _, tb := range []string{nba.Schedule, nba.Gamebook, nba.TeamBox} {
			ds = append(ds, delivery{tb, d})
		}
	}
	for range 5 { // duplicates: the same partition announced again
		ds = append(ds, ds[rnd.IntN(len(ds))])
	}
	rnd.Shuffle(len(ds), func(i, j int) { ds[i], ds[j] = ds[j], ds[i] })
	workers := [2]int{1 + rnd.IntN(4), 1 + rnd.IntN(4)}
	engines := [2]*engine.Engine{
		newEngine(t, s, now, func(c *engine.Config) {
			c.Workers, c.Owner, c.Recheck = workers[0], "a", 5*time.Millisecond
			c.Logger = testLogger(t)
		}),
		newEngine(t, s, now, func(c *engine.Config) {
			c.Workers, c.Owner, c.Recheck = workers[1], "b", 5*time.Millisecond
			c.Logger = testLogger(t)
		}),
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, e := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.Run(ctx, engine.Scope{From: from, To: to, WaitFor: time.Hour}); err != nil && ctx.Err() == nil {
				t.Error(err)
			}
		}()
	}
	for _, d := range ds {
		tb := nba.Catalog.Table(d.table)
		loadRows(t, s, d.table, testdb.OnDates(tb, season[d.table], d.date, d.date))
		if rnd.IntN(2) == 0 {
			engines[rnd.IntN(2)].Notify()
		}
		time.Sleep(time.Duration(rnd.IntN(3)) * time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	cancel()
	wg.Wait()
	// Whatever the background engines left, one more run settles it.
	rep, err := engines[0].Run(context.Background(), engine.Scope{From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// checkPlayerLineage: every player version ever published names the team
// offense version that was current when it was published.
func checkPlayerLineage(t *testing.T, s pipeline.Store, from, to pipeline.Date) {
	ctx := context.Background()
	for d := from; d <= to; d++ {
		players, err := s.History(ctx, nba.PlayerGame, d)
		if err != nil {
			t.Fatal(err)
		}
		teams, err := s.History(ctx, nba.TeamOffense, d)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range players {
			v := inputVersion(p, nba.TeamOffense, d)
			if v < 1 || v > len(teams) {
				t.Errorf("player %s v%d read team offense v%d, which does not exist", d, p.Version, v)
				continue
			}
			if teams[v-1].CreatedAt.After(p.CreatedAt) || (v < len(teams) && teams[v].CreatedAt.Before(p.CreatedAt)) {
				t.Errorf("player %s v%d (at %v) read team offense v%d, which was not current then", d, p.Version, p.CreatedAt, v)
			}
		}
	}
}

type tlogWriter struct{ t *testing.T }

func (w tlogWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tlogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
