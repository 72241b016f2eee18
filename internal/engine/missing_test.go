package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

// withoutGame drops one game's rows.
func withoutGame(t *pipeline.Table, rows []pipeline.Row, game string) []pipeline.Row {
	gi := t.MustCol("game_id")
	var out []pipeline.Row
	for _, r := range rows {
		if r[gi] != game {
			out = append(out, r)
		}
	}
	return out
}

// TestMissingGameArrivesLate: one game of 2023-02-03 has no box score or
// gamebook. Before the deadline the date waits, naming the game; after it,
// the date publishes partial without it; when the game arrives, the date
// and the upcoming contexts whose window holds it recompute.
func TestMissingGameArrivesLate(t *testing.T) {
	const game = "20230203_PHX_BOS"
	season := testdb.SeasonRows(t)
	from, to := feb3.AddDays(-1), feb3.AddDays(2)
	// The schedule is published days ahead; the box scores the night of.
	clk := &syncClock{t: time.Date(2023, 1, 20, 0, 0, 0, 0, time.UTC)}
	s := testdb.SQLite(t, testdb.Clock(clk.Now))
	ctx := context.Background()
	loadRows(t, s, nba.Schedule, testdb.OnDates(nba.ScheduleTable, season[nba.Schedule], from, to))
	clk.Set(time.Date(2023, 2, 4, 5, 0, 0, 0, time.UTC))
	for _, tb := range []*pipeline.Table{nba.GamebookTable, nba.TeamBoxTable} {
		loadRows(t, s, tb.Name, withoutGame(tb, testdb.OnDates(tb, season[tb.Name], from, to), game))
	}
	clk.Set(time.Date(2023, 2, 4, 6, 0, 0, 0, time.UTC))
	e := newEngine(t, s, clk.Now)
	scope := engine.Scope{From: from, To: to}

	rep, err := e.Run(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	st, why := decision(rep, nba.TeamOffense, feb3)
	if st != pipeline.Waiting || !strings.Contains(why, "missing 1 of 8 games ("+game+")") {
		t.Fatalf("team offense before the deadline: %s (%s), want waiting for %s", st, why, game)
	}
	if st, _ := decision(rep, nba.TeamOffense, feb3.AddDays(-1)); st != pipeline.Published {
		t.Errorf("team offense of the complete day before: %s, want published", st)
	}

	clk.Set(time.Date(2023, 2, 5, 12, 0, 1, 0, time.UTC)) // 36 hours after the end of Feb 3
	rep, err = e.Run(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{nba.TeamOffense, nba.TeamDefense, nba.PlayerGame} {
		v, err := s.CurrentVersion(ctx, p, feb3)
		if err != nil || !v.Partial {
			t.Errorf("%s 2023-02-03 after the deadline: %+v, %v; want a partial version", p, v, err)
		}
	}
	if v, _ := s.CurrentVersion(ctx, nba.TeamOffense, feb3); v.RowCount != 14 {
		t.Errorf("partial team offense rows = %d, want 14 (7 complete games)", v.RowCount)
	}
	events, err := s.Events(ctx, time.Time{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	warned := map[string]bool{}
	for _, ev := range events {
		if ev.Check == "incomplete_input" && ev.Severity == pipeline.Warning && ev.Subject == game && ev.Date == feb3 && ev.Version == 1 {
			warned[ev.Table] = true
		}
	}
	for _, p := range []string{nba.TeamOffense, nba.TeamDefense, nba.PlayerGame} {
		if !warned[p] {
			t.Errorf("no incomplete_input warning naming %s for %s 2023-02-03 (events %+v)", game, p, events)
		}
	}
	before := map[string]int{}
	for _, p := range []string{nba.TeamOffense, nba.PlayerGame, nba.UpcomingTeam} {
		for d := feb3; d <= to; d++ {
			v, _ := s.CurrentVersion(ctx, p, d)
			before[p+d.String()] = v.Version
		}
	}

	// The game arrives.
	for _, tb := range []*pipeline.Table{nba.GamebookTable, nba.TeamBoxTable} {
		loadRows(t, s, tb.Name, testdb.OnDates(tb, season[tb.Name], from, to))
	}
	if _, err := e.Run(ctx, scope); err != nil {
		t.Fatal(err)
	}
	team, _ := s.CurrentVersion(ctx, nba.TeamOffense, feb3)
	if team.Partial || team.RowCount != 16 || team.Version != before[nba.TeamOffense+feb3.String()]+1 {
		t.Errorf("team offense after the game arrived: version %d, %d rows, partial %t; want the next version, 16 rows, complete",
			team.Version, team.RowCount, team.Partial)
	}
	if v, _ := s.CurrentVersion(ctx, nba.PlayerGame, feb3); v.Version != before[nba.PlayerGame+feb3.String()]+1 {
		t.Errorf("player summary %s version %d after the game arrived, want %d (recomputed with the game's players)", feb3, v.Version, before[nba.PlayerGame+feb3.String()]+1)
	}
	// The upcoming contexts whose window holds the date recompute: a new
	// version where their content changes, else the same version, now
	// recorded as computed from the new team offense.
	for _, d := range []pipeline.Date{feb3.AddDays(1), feb3.AddDays(2)} {
		v, _ := s.CurrentVersion(ctx, nba.UpcomingTeam, d)
		if got := inputVersion(v, nba.TeamOffense, feb3); got != team.Version {
			t.Errorf("%s %s (version %d) read team offense %s version %d after the game arrived, want %d (recomputed)",
				nba.UpcomingTeam, d, v.Version, feb3, got, team.Version)
		}
	}
	if v, _ := s.CurrentVersion(ctx, nba.UpcomingTeam, feb3); v.Version != before[nba.UpcomingTeam+feb3.String()] {
		t.Errorf("upcoming team context of 2023-02-03 itself was recomputed (version %d); its window ends the day before", v.Version)
	}
}

// TestNotFinalWaitsQuietly: triggered before tip-off, a date waits without
// attempts however often the engine wakes.
func TestNotFinalWaitsQuietly(t *testing.T) {
	season := testdb.SeasonRows(t)
	s := testdb.SQLite(t)
	ctx := context.Background()
	sched := testdb.OnDates(nba.ScheduleTable, season[nba.Schedule], feb3, feb3)
	st, hs, as := nba.ScheduleTable.MustCol("game_status"), nba.ScheduleTable.MustCol("home_score"), nba.ScheduleTable.MustCol("away_score")
	for i, r := range sched {
		r = append(pipeline.Row(nil), r...)
		r[st], r[hs], r[as] = int64(1), nil, nil
		sched[i] = r
	}
	loadRows(t, s, nba.Schedule, sched)
	// 2023-02-03 18:00 UTC, moving with the real clock so the wait ends.
	offset := time.Date(2023, 2, 3, 18, 0, 0, 0, time.UTC).Sub(time.Now())
	now := func() time.Time { return time.Now().Add(offset) }
	e := newEngine(t, s, now, func(c *engine.Config) { c.Recheck = 2 * time.Millisecond })
	rep, err := e.Run(ctx, engine.Scope{From: feb3, To: feb3, WaitFor: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	state, why := decision(rep, nba.TeamOffense, feb3)
	if state != pipeline.Waiting || !strings.Contains(why, "8 of 8 games not final") {
		t.Errorf("team offense before tip-off: %s (%s), want waiting for 8 games to be final", state, why)
	}
	runs, err := s.Runs(ctx, pipeline.RunFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	// The upcoming contexts are for games not yet played: they publish.
	// Everything that needs final box scores must not have been attempted.
	attempts := 0
	for _, r := range runs {
		if r.Task.Processor != nba.UpcomingTeam && r.Task.Processor != nba.UpcomingPlayer {
			attempts++
		}
	}
	if attempts != 0 {
		t.Errorf("attempts of box-score tasks while waiting for tip-off = %d, want 0", attempts)
	}
	if st, _ := decision(rep, nba.UpcomingTeam, feb3); st != pipeline.Published {
		t.Errorf("upcoming team context before tip-off: %s, want published", st)
	}
}
