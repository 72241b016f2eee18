package engine_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/alert"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/ingest"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

// verdictOf is the engine's whole verdict on one task.
func verdictOf(t *testing.T, e *engine.Engine, proc string, d pipeline.Date) engine.Verdict {
	t.Helper()
	ex, err := e.Describe(context.Background(), pipeline.TaskKey{Processor: proc, Date: d})
	if err != nil {
		t.Fatal(err)
	}
	return ex.Verdict
}

// TestLate: on real dates whose box scores have not arrived, the
// player summary of 2023-01-02 becomes late at 12:00 UTC the next day, not
// a minute before; it is alerted once however often the engine plans,
// counted in Stats.Late, and is no longer late once published.
func TestLate(t *testing.T) {
	season := testdb.SeasonRows(t)
	jan2, jan3 := pipeline.MustDate("2023-01-02"), pipeline.MustDate("2023-01-03")
	s := testdb.SQLite(t, scheduledEarly)
	testdb.LoadRaw(t, s, season, jan2, jan3, nba.Schedule)
	clk := &clock{t: time.Date(2023, 1, 3, 11, 59, 0, 0, time.UTC)}
	var alerts notes
	var last engine.Stats
	e := newEngine(t, s, clk.Now, func(c *engine.Config) {
		c.Alerts = &alerts
		c.Observe = func(st engine.Stats) { last = st }
	})
	due := time.Date(2023, 1, 3, 12, 0, 0, 0, time.UTC)

	v := verdictOf(t, e, nba.PlayerGame, jan2)
	if v.Late || !v.Deadline.Equal(due) {
		t.Errorf("at 11:59 the next day: late %t, deadline %s; want not late, due %s", v.Late, v.Deadline, due)
	}
	if v := verdictOf(t, e, nba.TeamOffense, jan2); v.Late || !v.Deadline.IsZero() {
		t.Errorf("team offense (no deadline declared): late %t, deadline %s; want neither", v.Late, v.Deadline)
	}

	clk.Advance(time.Minute)
	v = verdictOf(t, e, nba.PlayerGame, jan2)
	if !v.Late || v.State != pipeline.Waiting {
		t.Errorf("at 12:00 the next day, inputs missing: %s late %t; want waiting and late", v.State, v.Late)
	}
	if v := verdictOf(t, e, nba.PlayerGame, jan3); v.Late {
		t.Errorf("2023-01-03 at 2023-01-03 12:00: late, want not yet (due %s)", v.Deadline)
	}
	for range 3 {
		clk.Advance(2 * time.Hour) // past any deduplication window of the webhook
		if _, err := e.Run(context.Background(), engine.Scope{From: jan2, To: jan3}); err != nil {
			t.Fatal(err)
		}
	}
	if got := last.Late[nba.PlayerGame]; got != 1 {
		t.Errorf("Stats.Late[%s] = %d, want 1", nba.PlayerGame, got)
	}

	// The box scores arrive; publishing ends the lateness.
	testdb.LoadRaw(t, s, season, jan2, jan3, nba.Gamebook, nba.TeamBox)
	if _, err := e.Run(context.Background(), engine.Scope{From: jan2, To: jan3}); err != nil {
		t.Fatal(err)
	}
	if v := verdictOf(t, e, nba.PlayerGame, jan2); v.Late || v.State != pipeline.Published {
		t.Errorf("after publication: %s late %t; want published, not late", v.State, v.Late)
	}
	if got := last.Late[nba.PlayerGame]; got != 0 {
		t.Errorf("Stats.Late[%s] after publication = %d, want 0", nba.PlayerGame, got)
	}
	want := []alert.Alert{{Kind: alert.Late, Key: "late:player_game_summary:2023-01-02",
		Text: "player_game_summary 2023-01-02 is late: due 2023-01-03 12:00 UTC, not published (waiting: " +
			"nbac_gamebook_player_stats missing 11 of 11 games (20230102_ATL_GSW, 20230102_CHI_CLE, 20230102_DAL_HOU, " +
			"20230102_DEN_MIN, 20230102_DET_POR, 20230102_LAL_CHA, 20230102_MIA_LAC, 20230102_NOP_PHI, 20230102_PHX_NYK, " +
			"20230102_SAS_BKN, 20230102_TOR_IND); team_offense_game_summary 2023-01-02 not published)"}}
	if diff := cmp.Diff(want, alerts.kind(alert.Late)); diff != "" {
		t.Errorf("late alerts over four runs (-want +got):\n%s", diff)
	}
}

// notes records the alerts the engine raises.
type notes struct {
	mu  sync.Mutex
	all []alert.Alert
}

func (n *notes) Notify(a alert.Alert) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.all = append(n.all, a)
}

func (n *notes) kind(kind string) []alert.Alert {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []alert.Alert
	for _, a := range n.all {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	return out
}

// TestLateOverride: the engine's configuration replaces a declared
// deadline, adds one to a table that declares none, or turns one off.
func TestLateOverride(t *testing.T) {
	season := testdb.SeasonRows(t)
	jan2 := pipeline.MustDate("2023-01-02")
	s := testdb.SQLite(t, scheduledEarly)
	testdb.LoadRaw(t, s, season, jan2, jan2, nba.Schedule)
	now := func() time.Time { return time.Date(2023, 1, 3, 7, 0, 0, 0, time.UTC) }
	e := newEngine(t, s, now, func(c *engine.Config) {
		c.PublishDeadlines = map[string]pipeline.PublishDeadline{
			nba.TeamOffense: {Days: 1, At: 6 * time.Hour},
			nba.PlayerGame:  {},
		}
	})
	if v := verdictOf(t, e, nba.TeamOffense, jan2); !v.Late || !v.Deadline.Equal(time.Date(2023, 1, 3, 6, 0, 0, 0, time.UTC)) {
		t.Errorf("team offense due D+1 06:00, at 07:00: late %t, deadline %s; want late, 2023-01-03 06:00", v.Late, v.Deadline)
	}
	if v := verdictOf(t, e, nba.PlayerGame, jan2); v.Late || !v.Deadline.IsZero() {
		t.Errorf("player summary with its deadline turned off: late %t, deadline %s; want neither", v.Late, v.Deadline)
	}
}

// TestPublishedWaitingIsNotLate: a published player summary whose task
// waits again (a new gamebook version lacks a game) is not late past its
// deadline: the partition is there. A waiting task's decision used to
// carry no version, so it read as never published.
func TestPublishedWaitingIsNotLate(t *testing.T) {
	season := testdb.SeasonRows(t)
	jan2 := pipeline.MustDate("2023-01-02")
	s := testdb.SQLite(t, scheduledEarly)
	testdb.LoadRaw(t, s, season, jan2, jan2)
	clk := &clock{t: time.Date(2023, 1, 3, 13, 0, 0, 0, time.UTC)} // past the 12:00 deadline
	e := newEngine(t, s, clk.Now)
	if _, err := e.Run(context.Background(), engine.Scope{From: jan2, To: jan2}); err != nil {
		t.Fatal(err)
	}
	if v := verdictOf(t, e, nba.PlayerGame, jan2); v.State != pipeline.Published || v.Late {
		t.Fatalf("after the run: %s late %t; want published, not late", v.State, v.Late)
	}
	// A new gamebook version without one game's players.
	gb := nba.Catalog.Table(nba.Gamebook)
	gi := gb.Col("game_id")
	var rows []pipeline.Row
	for _, r := range testdb.OnDates(gb, season[nba.Gamebook], jan2, jan2) {
		if r[gi] != "20230102_ATL_GSW" {
			rows = append(rows, r)
		}
	}
	if _, err := ingest.LoadDates(context.Background(), s, gb, []pipeline.Date{jan2}, rows); err != nil {
		t.Fatal(err)
	}
	v := verdictOf(t, e, nba.PlayerGame, jan2)
	if v.State != pipeline.Waiting || v.Version != 1 || v.Late {
		t.Errorf("waiting for the game again: %s v%d late %t (%s); want waiting on v1, not late", v.State, v.Version, v.Late, v.Reason)
	}
}
