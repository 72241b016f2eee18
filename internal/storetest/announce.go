package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/nba"
	p "github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

func announce(s p.Store, id, status string, count int) (p.AnnounceResult, error) {
	return s.Announce(context.Background(), p.Announcement{Table: nba.GamebookTable, Date: opening,
		MessageID: id, Status: status, RecordCount: count, Payload: `{"note":"test"}`})
}

// testAnnounce: rows an upstream wrote into the table become a version only
// when announced; a repeated message id or unchanged content records
// nothing; the trigger keeps the upstream's id and status.
func testAnnounce(t *testing.T, s p.Store) {
	ctx := context.Background()
	testdb.WriteDirect(t, s, nba.GamebookTable, opening, gamebookRows())
	if _, err := s.CurrentVersion(ctx, nba.Gamebook, opening); !p.IsNotFound(err) {
		t.Fatalf("CurrentVersion before the announcement = %v, want ErrNotFound", err)
	}
	res, err := announce(s, "m-1", p.StatusPartial, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := nba.GamebookTable.ContentHash(gamebookRows())
	if res.Duplicate != "" || res.TriggerID == 0 || res.Version.Version != 1 || res.Version.ContentHash != want ||
		res.Version.Source != p.SourceAnnounce || !res.Version.Partial || res.Version.RowCount != 2 {
		t.Fatalf("Announce = %+v, want version 1 of the written rows, partial, with a trigger", res)
	}
	rows, v, err := s.ReadPartition(ctx, nba.GamebookTable, opening)
	if err != nil || v.Version != 1 || nba.GamebookTable.ContentHash(rows) != want {
		t.Fatalf("ReadPartition = %d rows, %+v, %v; want the announced rows", len(rows), v, err)
	}
	trig, err := s.Triggers(ctx, 0, 10)
	if err != nil || len(trig) != 1 {
		t.Fatalf("Triggers = %+v, %v; want one", trig, err)
	}
	if got := trig[0]; got.ID != res.TriggerID || got.MessageID != "m-1" || got.Status != p.StatusPartial ||
		got.RecordCount != 2 || got.ContentHash != want || got.Source != p.SourceAnnounce {
		t.Errorf("trigger = %+v, want message m-1, partial, 2 records", got)
	}

	// The same message again, then the same content under a new id.
	dup, err := announce(s, "m-1", p.StatusPartial, 2)
	if err != nil || dup.Duplicate != p.DuplicateMessage || dup.TriggerID != res.TriggerID || dup.Version.Version != 1 {
		t.Errorf("Announce(m-1 again) = %+v, %v; want a message duplicate of trigger %d", dup, err, res.TriggerID)
	}
	dup, err = announce(s, "m-2", p.StatusPartial, 0)
	if err != nil || dup.Duplicate != p.DuplicateContent || dup.Version.Version != 1 {
		t.Errorf("Announce(m-2, same rows) = %+v, %v; want a content duplicate", dup, err)
	}
	// Rows changed without an announcement are not a version; a complete
	// announcement of the same rows is (no longer partial).
	testdb.WriteDirect(t, s, nba.GamebookTable, opening, gamebookRows()[:1])
	if v, _ := s.CurrentVersion(ctx, nba.Gamebook, opening); v.Version != 1 {
		t.Errorf("version after an unannounced write = %d, want 1", v.Version)
	}
	// A count that disagrees with the table: the rows are not all there.
	if _, err := announce(s, "m-3", p.StatusSuccess, 2); !errors.Is(err, p.ErrConflict) {
		t.Errorf("Announce(count 2, table holds 1) = %v, want ErrConflict", err)
	}
	res, err = announce(s, "", p.StatusSuccess, 1)
	if err != nil || res.Duplicate != "" || res.Version.Version != 2 || res.Version.Partial || res.Version.RowCount != 1 {
		t.Fatalf("Announce(without id) = %+v, %v; want version 2 of one row", res, err)
	}
	trig, _ = s.Triggers(ctx, 0, 10)
	if len(trig) != 2 || trig[1].MessageID != p.AnnounceID(nba.Gamebook, opening, res.Version.ContentHash) {
		t.Errorf("Triggers = %+v, want a second one with the content's id", trig)
	}
	// Nothing written for a date announces an empty partition.
	empty, err := s.Announce(ctx, p.Announcement{Table: nba.GamebookTable, Date: opening.AddDays(1), Status: p.StatusNoData})
	if err != nil || empty.Version.Version != 1 || empty.Version.RowCount != 0 {
		t.Errorf("Announce(no_data) = %+v, %v; want an empty version 1", empty, err)
	}
}

// testAnnounceInvalid: rows that break the schema are refused, naming the
// column, and nothing is recorded; analytics tables are never announced.
func testAnnounceInvalid(t *testing.T, s p.Store) {
	ctx := context.Background()
	bad := gamebookRows()
	bad[0] = append(p.Row(nil), bad[0]...)
	bad[0][nba.GamebookTable.MustCol("player_lookup")] = "Andrew Wiggins"
	testdb.WriteDirect(t, s, nba.GamebookTable, opening, bad)
	_, err := announce(s, "m-bad", p.StatusSuccess, 0)
	if !errors.Is(err, p.ErrInvalid) {
		t.Fatalf("Announce(bad player_lookup) = %v, want ErrInvalid", err)
	}
	var fe *p.FieldError
	if !errors.As(err, &fe) || fe.Column != "player_lookup" {
		t.Errorf("Announce error = %v, want it to name column player_lookup", err)
	}
	if trig, _ := s.Triggers(ctx, 0, 10); len(trig) != 0 {
		t.Errorf("Triggers after a refused announcement = %+v, want none", trig)
	}
	if _, err := s.CurrentVersion(ctx, nba.Gamebook, opening); !p.IsNotFound(err) {
		t.Errorf("CurrentVersion after a refused announcement = %v, want ErrNotFound", err)
	}
	_, err = s.Announce(ctx, p.Announcement{Table: nba.TeamOffenseTable, Date: opening, Status: p.StatusSuccess})
	if !errors.Is(err, p.ErrInvalid) {
		t.Errorf("Announce(analytics table) = %v, want ErrInvalid", err)
	}
}

// testBackfills: backfills are kept with their counts and found again by a
// restarted service.
func testBackfills(t *testing.T, s p.Store) {
	ctx := context.Background()
	now := time.Date(2023, 2, 5, 12, 0, 0, 0, time.UTC)
	a, err := s.CreateBackfill(ctx, p.Backfill{From: opening, To: opening.AddDays(6), Mode: "stale", State: p.BackfillQueued}, now)
	if err != nil || a.ID == 0 {
		t.Fatalf("CreateBackfill = %+v, %v", a, err)
	}
	b, err := s.CreateBackfill(ctx, p.Backfill{From: opening, To: opening, Mode: "all", State: p.BackfillRunning,
		Processors: []string{"team_offense_game_summary", "player_game_summary"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	a.State, a.Tasks, a.Runs = p.BackfillDone, map[string]int{"published": 35}, map[string]int{"published": 35}
	if err := s.SaveBackfill(ctx, a, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Another process that ran it too stops and writes "running": a
	// finished backfill stays finished.
	stale := a
	stale.State, stale.Tasks = p.BackfillRunning, nil
	if err := s.SaveBackfill(ctx, stale, now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Backfill(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	a.UpdatedAt = now.Add(time.Minute)
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("Backfill(%d) mismatch (-want +got):\n%s", a.ID, diff)
	}
	open, err := s.Backfills(ctx, true)
	if err != nil || len(open) != 1 || open[0].ID != b.ID || !cmp.Equal(open[0].Processors, b.Processors) {
		t.Errorf("Backfills(unfinished) = %+v, %v; want only backfill %d", open, err, b.ID)
	}
	all, err := s.Backfills(ctx, false)
	if err != nil || len(all) != 2 || all[0].ID != b.ID {
		t.Errorf("Backfills(all) = %+v, %v; want both, newest first", all, err)
	}
	if _, err := s.Backfill(ctx, 999); !p.IsNotFound(err) {
		t.Errorf("Backfill(999) = %v, want ErrNotFound", err)
	}
	if err := s.SaveBackfill(ctx, p.Backfill{ID: 999, State: p.BackfillDone}, now); !p.IsNotFound(err) {
		t.Errorf("SaveBackfill(999) = %v, want ErrNotFound", err)
	}
}
