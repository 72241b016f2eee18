package engine_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

// These tests replay, on the real season, what operators saw when Phase 2
// delivered in its own order, several engines shared a database and
// processes died (the chaos issue's observations, one test each).

// heldClaims holds the first ClaimTask until released: the engine that
// calls it has planned on a snapshot that the world moves past meanwhile.
type heldClaims struct {
	pipeline.Store
	once    sync.Once
	claimed chan struct{}
	release chan struct{}
}

func newHeldClaims(s pipeline.Store) *heldClaims {
	return &heldClaims{Store: s, claimed: make(chan struct{}), release: make(chan struct{})}
}

func (h *heldClaims) ClaimTask(ctx context.Context, key pipeline.TaskKey, owner string, now, expires time.Time) (pipeline.TaskRecord, int64, error) {
	first := false
	h.once.Do(func() { first = true })
	if first {
		close(h.claimed)
		<-h.release
	}
	return h.Store.ClaimTask(ctx, key, owner, now, expires)
}

// TestOutdatedPlanCannotPublish: one engine plans team offense for a date
// on the schedule alone (long past the deadline, so it would publish the
// date empty and partial); before it claims the task, the box scores
// arrive and a second engine publishes the complete partition. The first
// engine's publication must not replace it: an input absent at planning
// and published since, and an output that moved, are conflicts.
func TestOutdatedPlanCannotPublish(t *testing.T) {
	season := testdb.SeasonRows(t)
	d := pipeline.MustDate("2022-12-11")
	clk := &syncClock{t: time.Now()}
	testdb.Each(t, func(t *testing.T, s pipeline.Store) {
		ctx := context.Background()
		clk.Set(time.Now().Add(-72 * time.Hour)) // the schedule was recorded three days ago
		testdb.LoadRaw(t, s, season, d, d, nba.Schedule)
		clk.Set(time.Now())
		held := newHeldClaims(s)
		a := newEngine(t, held, clk.Now, func(c *engine.Config) { c.Owner = "a" })
		b := newEngine(t, s, clk.Now, func(c *engine.Config) { c.Owner = "b" })
		scope := engine.Scope{From: d, To: d, Processors: []string{nba.TeamOffense}}
		done := make(chan error, 1)
		go func() {
			_, err := a.Run(ctx, scope)
			done <- err
		}()
		<-held.claimed
		testdb.LoadRaw(t, s, season, d, d, nba.Gamebook, nba.TeamBox)
		if _, err := b.Run(ctx, scope); err != nil {
			t.Fatal(err)
		}
		close(held.release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		hist, err := s.History(ctx, nba.TeamOffense, d)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range hist {
			t.Logf("version %d: %d rows, partial %t, %d inputs", v.Version, v.RowCount, v.Partial, len(v.Inputs))
			if v.RowCount != 14 || v.Partial {
				t.Errorf("version %d has %d rows (partial %t), want the 14 rows of the complete date: an outdated plan published", v.Version, v.RowCount, v.Partial)
			}
		}
		if len(hist) != 1 {
			t.Errorf("versions of team offense %s = %d, want 1", d, len(hist))
		}
	}, testdb.Clock(clk.Now))
}

// verdicts maps the report's final decisions by task.
func verdicts(rep engine.Report) map[pipeline.TaskKey]string {
	out := map[pipeline.TaskKey]string{}
	for _, d := range rep.Final {
		out[d.Task] = d.State
	}
	return out
}

// TestStaleInputIsNotRead: team offense for 2023-01-03 was published
// empty and partial before the date's box scores arrived; they arrive and
// the service follows the season. Team offense recomputes (new input data
// always does, whatever the date's age), and the player summary waits for
// it instead of reading the stale empty rows and being rejected.
func TestStaleInputIsNotRead(t *testing.T) {
	if raceEnabled {
		t.Skip("runs the whole season; the race detector makes it take minutes")
	}
	season := testdb.SeasonRows(t)
	d := pipeline.MustDate("2023-01-03")
	clk := &syncClock{t: time.Now().Add(-72 * time.Hour)}
	s := testdb.SQLite(t, testdb.Clock(clk.Now))
	ctx := context.Background()
	loadRows(t, s, nba.Schedule, season[nba.Schedule])
	for _, tb := range []*pipeline.Table{nba.GamebookTable, nba.TeamBoxTable} {
		var rows []pipeline.Row
		for _, r := range season[tb.Name] {
			if r[tb.DateIndex()] != d {
				rows = append(rows, r)
			}
		}
		loadRows(t, s, tb.Name, rows)
	}
	clk.Set(time.Now())
	e := newEngine(t, s, clk.Now)
	if _, err := e.Run(ctx, engine.Scope{From: d, To: d, Processors: []string{nba.TeamOffense}}); err != nil {
		t.Fatal(err)
	}
	if v, err := s.CurrentVersion(ctx, nba.TeamOffense, d); err != nil || !v.Partial || v.RowCount != 0 {
		t.Fatalf("team offense %s before its box scores: %+v, %v; want an empty partial version", d, v, err)
	}
	testdb.LoadRaw(t, s, season, d, d, nba.Gamebook, nba.TeamBox)
	rep, err := e.Run(ctx, engine.Scope{From: seasonStart, To: seasonEnd})
	if err != nil {
		t.Fatal(err)
	}
	for _, dec := range rep.Final {
		switch dec.State {
		case pipeline.Rejected, pipeline.Failed, pipeline.Blocked, pipeline.Stale:
			t.Errorf("%s %s %s: %s", dec.Task.Processor, dec.Task.Date, dec.State, dec.Reason)
		}
	}
	if v, err := s.CurrentVersion(ctx, nba.TeamOffense, d); err != nil || v.Partial || v.RowCount != 6 {
		t.Errorf("team offense %s after its box scores: %d rows, partial %t, %v; want the 6 rows of its 3 games", d, v.RowCount, v.Partial, err)
	}
	if v, err := s.CurrentVersion(ctx, nba.PlayerGame, d); err != nil || v.RowCount == 0 {
		t.Errorf("player summary %s: %+v, %v; want it published", d, v, err)
	}
}

// TestHistoryWaitsForItsBoxScores: history loaded into a running service
// arrives schedule first. The dates are long past, but their schedule was
// recorded just now: the completeness deadline counts from then, so they
// wait for their box scores instead of publishing empty partial partitions,
// and publish complete once the box scores arrive.
func TestHistoryWaitsForItsBoxScores(t *testing.T) {
	season := testdb.SeasonRows(t)
	from, to := pipeline.MustDate("2023-01-09"), pipeline.MustDate("2023-01-15")
	clk := &syncClock{t: time.Now()}
	testdb.Each(t, func(t *testing.T, s pipeline.Store) {
		ctx := context.Background()
		clk.Set(time.Now())
		e := newEngine(t, s, clk.Now)
		scope := engine.Scope{From: from, To: to}
		testdb.LoadRaw(t, s, season, from, to, nba.Schedule)
		clk.Set(time.Now().Add(time.Hour))
		rep, err := e.Run(ctx, scope)
		if err != nil {
			t.Fatal(err)
		}
		// Only the first date's upcoming contexts run: no earlier date is
		// in scope, so their windows hold nothing to wait for.
		for k, st := range verdicts(rep) {
			switch k.Processor {
			case nba.TeamOffense, nba.TeamDefense, nba.PlayerGame:
				if st != pipeline.Waiting {
					t.Errorf("%s %s with only the schedule: %s, want waiting", k.Processor, k.Date, st)
				}
			}
		}
		testdb.LoadRaw(t, s, season, from, to, nba.Gamebook, nba.TeamBox)
		clk.Set(time.Now().Add(2 * time.Hour))
		if rep, err = e.Run(ctx, scope); err != nil {
			t.Fatal(err)
		}
		for _, dec := range rep.Final {
			if dec.State != pipeline.Published || dec.Partial {
				t.Errorf("%s %s after the box scores: %s (partial %t): %s", dec.Task.Processor, dec.Task.Date, dec.State, dec.Partial, dec.Reason)
			}
		}
	}, testdb.Clock(clk.Now))
}

// corrected returns the team box scores of d with one team's turnovers
// raised by one: a scorer's correction that changes possessions.
func corrected(season map[string][]pipeline.Row, d pipeline.Date) []pipeline.Row {
	tb := nba.TeamBoxTable
	rows := testdb.OnDates(tb, season[tb.Name], d, d)
	out := make([]pipeline.Row, len(rows))
	ti := tb.MustCol("turnovers")
	for i, r := range rows {
		out[i] = append(pipeline.Row(nil), r...)
		if i == 0 {
			out[i][ti] = r[ti].(int64) + 1
		}
	}
	return out
}

// TestInterruptedTaskRunsAgain: a process claimed a task and died. Once
// its lease expires the task runs again, whatever its date's age (here
// months older than the newest played date), and the dead process's run
// is recorded as abandoned, not left running.
func TestInterruptedTaskRunsAgain(t *testing.T) {
	season := testdb.SeasonRows(t)
	from, to := pipeline.MustDate("2022-12-01"), pipeline.MustDate("2022-12-05")
	clk := &syncClock{t: time.Now().Add(-72 * time.Hour)}
	testdb.Each(t, func(t *testing.T, s pipeline.Store) {
		ctx := context.Background()
		clk.Set(time.Now().Add(-72 * time.Hour))
		loadRows(t, s, nba.Schedule, season[nba.Schedule]) // the newest played date is 2023-06-12
		testdb.LoadRaw(t, s, season, from, to, nba.Gamebook, nba.TeamBox)
		clk.Set(time.Now())
		e := newEngine(t, s, clk.Now)
		scope := engine.Scope{From: from, To: to}
		if _, err := e.Run(ctx, scope); err != nil {
			t.Fatal(err)
		}
		x := from.AddDays(2)
		loadRows(t, s, nba.TeamBox, corrected(season, x))
		key := pipeline.TaskKey{Processor: nba.TeamOffense, Date: x}
		if _, _, err := s.ClaimTask(ctx, key, "dead", clk.Now(), clk.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if dec, _, err := e.Explain(ctx, key); err != nil || dec.State != pipeline.Running {
			t.Errorf("explain while the dead process's lease holds: %s (%s), %v; want running", dec.State, dec.Reason, err)
		}
		clk.Set(clk.Now().Add(2 * time.Minute))
		// The lease has expired: the task is not shown running any more.
		if dec, _, err := e.Explain(ctx, key); err != nil || dec.State != pipeline.Ready || !strings.Contains(dec.Reason, "lease of dead expired") {
			t.Errorf("explain after the dead process's lease expired: %s (%s), %v; want ready, saying the lease expired", dec.State, dec.Reason, err)
		}
		rep, err := e.Run(ctx, scope)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := s.CurrentVersion(ctx, nba.TeamOffense, x); err != nil || v.Version != 2 {
			t.Errorf("team offense %s after its box score was corrected and its claimant died: version %d, %v; want 2 (runs %v)", x, v.Version, err, rep.Runs)
		}
		runs, err := s.Runs(ctx, pipeline.RunFilter{Task: &key, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range runs {
			if r.FinishedAt == nil || r.State == pipeline.Running {
				t.Errorf("run %d of %s by %s: state %s, finished %v; want every run finished (the dead one abandoned)", r.ID, key.Date, r.Worker, r.State, r.FinishedAt)
			}
			if r.Worker == "dead" && r.State != "abandoned" {
				t.Errorf("the dead process's run: state %s, want abandoned", r.State)
			}
		}
	}, testdb.Clock(clk.Now))
}

// TestForcedRecomputationWritesNothingNew: recomputing a settled range
// (run --force, backfill --mode all) gives the same content; it publishes
// no version, repeats no warning and leaves dependents alone.
func TestForcedRecomputationWritesNothingNew(t *testing.T) {
	season := testdb.SeasonRows(t)
	// 2022-12-19 has two games without box scores: it publishes partial,
	// with an incomplete_input warning.
	from, to := pipeline.MustDate("2022-12-17"), pipeline.MustDate("2022-12-21")
	testdb.Each(t, func(t *testing.T, s pipeline.Store) {
		ctx := context.Background()
		testdb.LoadRaw(t, s, season, from, to)
		e := newEngine(t, s, time.Now)
		scope := engine.Scope{From: from, To: to, Explicit: true} // a backfill: the dates are past their deadline
		if _, err := e.Run(ctx, scope); err != nil {
			t.Fatal(err)
		}
		before, err := s.Events(ctx, time.Time{}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		forced := scope
		forced.Force, forced.RefreshAll = true, true
		rep, err := e.Run(ctx, forced)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Runs[pipeline.Published] != 0 {
			t.Errorf("forced recomputation published %d versions, want none (same content): runs %v", rep.Runs[pipeline.Published], rep.Runs)
		}
		for _, dec := range rep.Final {
			if dec.State == pipeline.Stale || dec.State == pipeline.Ready {
				t.Errorf("%s %s after the forced recomputation: %s", dec.Task.Processor, dec.Task.Date, dec.State)
			}
		}
		for _, p := range nba.Processors() {
			for d := from; d <= to; d++ {
				if v, err := s.CurrentVersion(ctx, p.Name(), d); err != nil || v.Version != 1 {
					t.Errorf("%s %s: version %d, %v; want still 1", p.Name(), d, v.Version, err)
				}
			}
		}
		after, err := s.Events(ctx, time.Time{}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before) {
			t.Errorf("quality events: %d before the forced run, %d after; want no repeated warnings", len(before), len(after))
		}
	})
}

// gated blocks its first computation until released.
type gated struct {
	pipeline.Processor
	once     *sync.Once
	computes chan struct{}
	release  chan struct{}
}

func newGated(p pipeline.Processor) gated {
	return gated{Processor: p, once: &sync.Once{}, computes: make(chan struct{}), release: make(chan struct{})}
}

func (g gated) Compute(c pipeline.Compute) ([]pipeline.Row, error) {
	g.once.Do(func() {
		close(g.computes)
		<-g.release
	})
	return g.Processor.Compute(c)
}

// TestDependentNeverReadsAStaleInput: while the player summary computes
// against team offense version 1, a corrected box score arrives: team
// offense version 1 is stale from then on. The player summary must not
// be published reading it; it waits for team offense's recomputation and
// is published against version 2.
func TestDependentNeverReadsAStaleInput(t *testing.T) {
	season := testdb.SeasonRows(t)
	d := pipeline.MustDate("2022-12-11")
	testdb.Each(t, func(t *testing.T, s pipeline.Store) {
		ctx := context.Background()
		testdb.LoadRaw(t, s, season, d, d)
		clk := func() time.Time { return time.Now().Add(72 * time.Hour) }
		scope := engine.Scope{From: d, To: d, Processors: []string{nba.TeamOffense, nba.PlayerGame}}
		if _, err := newEngine(t, s, clk, func(c *engine.Config) { c.Owner = "b" }).Run(ctx, engine.Scope{From: d, To: d, Processors: []string{nba.TeamOffense}}); err != nil {
			t.Fatal(err)
		}
		player := newGated(processorNamed(nba.PlayerGame))
		done := make(chan error, 1)
		go func() {
			_, err := newEngine(t, s, clk, withProcessor(t, player), func(c *engine.Config) { c.Owner = "a" }).Run(ctx, scope)
			done <- err
		}()
		<-player.computes
		loadRows(t, s, nba.TeamBox, corrected(season, d))
		close(player.release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		team, err := s.History(ctx, nba.TeamOffense, d)
		if err != nil {
			t.Fatal(err)
		}
		box, err := s.History(ctx, nba.TeamBox, d)
		if err != nil || len(box) != 2 {
			t.Fatalf("box score history = %d versions, %v; want 2", len(box), err)
		}
		players, err := s.History(ctx, nba.PlayerGame, d)
		if err != nil {
			t.Fatal(err)
		}
		for _, pv := range players {
			tv := inputVersion(pv, nba.TeamOffense, d)
			if tv < 1 || tv > len(team) {
				t.Fatalf("player summary version %d read team offense version %d of %d", pv.Version, tv, len(team))
			}
			if bv := inputVersion(team[tv-1], nba.TeamBox, d); bv == 1 && pv.CreatedAt.After(box[1].CreatedAt) {
				t.Errorf("player summary version %d, published %v, read team offense version %d, computed from box score version 1, which version 2 replaced at %v",
					pv.Version, pv.CreatedAt.Format(time.RFC3339Nano), tv, box[1].CreatedAt.Format(time.RFC3339Nano))
			}
		}
		if last := players[len(players)-1]; inputVersion(last, nba.TeamOffense, d) != len(team) || len(team) < 2 {
			t.Errorf("the player summary's last version read team offense version %d of %d, want the newest, recomputed on the correction", inputVersion(last, nba.TeamOffense, d), len(team))
		}
	})
}
