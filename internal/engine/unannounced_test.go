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

// TestUnannouncedRowsWait: the schedule of a date is rewritten in the
// table without an announcement. The tasks reading it wait — no attempt
// counted, nothing failed, no circuit — and run once it is announced.
func TestUnannouncedRowsWait(t *testing.T) {
	season := testdb.SeasonRows(t)
	s := testdb.SQLite(t)
	ctx := context.Background()
	feb3 := pipeline.MustDate("2023-02-03")
	testdb.LoadRaw(t, s, season, feb3, feb3)
	// The schedule is rewritten directly: one game's status text changes.
	rows := testdb.OnDates(nba.ScheduleTable, season[nba.Schedule], feb3, feb3)
	changed := make([]pipeline.Row, len(rows))
	for i, r := range rows {
		changed[i] = append(pipeline.Row(nil), r...)
	}
	changed[0][nba.ScheduleTable.MustCol("game_status_text")] = "Final/OT"
	testdb.WriteDirect(t, s, nba.ScheduleTable, feb3, changed)

	e := newEngine(t, s, time.Now, func(c *engine.Config) { c.Recheck = time.Hour })
	sc := engine.Scope{From: feb3, To: feb3, Processors: []string{nba.TeamOffense}}
	rep, err := e.Run(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}
	st, why := decision(rep, nba.TeamOffense, feb3)
	if st != pipeline.Waiting || !strings.Contains(why, "waiting for an announcement") {
		t.Fatalf("team offense over an unannounced change = %s (%s), want waiting for an announcement", st, why)
	}
	if rep.Runs[pipeline.Failed] != 0 || rep.Runs["unannounced"] != 1 {
		t.Errorf("runs = %v, want one unannounced and none failed", rep.Runs)
	}
	recs, _ := s.Tasks(ctx, feb3, feb3)
	for _, r := range recs {
		if r.Key.Processor == nba.TeamOffense && r.Attempts != 0 {
			t.Errorf("attempts after waiting = %d, want 0 (waiting is not a failure)", r.Attempts)
		}
	}
	if _, err := s.Announce(ctx, pipeline.Announcement{Table: nba.ScheduleTable, Date: feb3, Status: pipeline.StatusSuccess}); err != nil {
		t.Fatal(err)
	}
	rep, err = e.Run(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}
	if st, why := decision(rep, nba.TeamOffense, feb3); st != pipeline.Published {
		t.Errorf("team offense after the announcement = %s (%s), want published", st, why)
	}
}
