package engine_test

import (
	"context"
	"database/sql"
	"sync/atomic"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

// TestServiceWorksOnTheScheduleDatesOnly: the service's dates are the dates
// the schedule lists, never every day from the earliest to the latest
// value seen (SPEC §3). Two weeks of the season three months apart make
// tasks for their 14 dates only, not the 100 between; and a schedule
// partition dated 2122-10-18 (a typo year, recorded in the database before
// loads refused it) neither becomes a date to work on nor moves the newest
// date, so auto-refresh still counts back from the real season.
func TestServiceWorksOnTheScheduleDatesOnly(t *testing.T) {
	season := testdb.SeasonRows(t)
	s := testdb.SQLite(t)
	ctx := context.Background()
	nov, feb := pipeline.MustDate("2022-11-01"), pipeline.MustDate("2023-02-01")
	testdb.LoadRaw(t, s, season, nov, nov.AddDays(6))
	testdb.LoadRaw(t, s, season, feb, feb.AddDays(6))
	typo := pipeline.MustDate("2122-10-18")
	copyPartition(t, s.Path(), nba.Schedule, feb.AddDays(6), typo)

	var last atomic.Pointer[engine.Stats]
	// Two days on, the week's two games that never got a box score are
	// past their deadline.
	later := func() time.Time { return time.Now().Add(48 * time.Hour) }
	e := newEngine(t, s, later, func(c *engine.Config) {
		c.Observe = func(st engine.Stats) { last.Store(&st) }
	})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := e.Run(runCtx, engine.Scope{Follow: true})
		done <- err
	}()
	waitFor(t, "both weeks computed", func() bool {
		for _, d := range []pipeline.Date{nov.AddDays(6), feb.AddDays(6)} {
			if v, err := s.CurrentVersion(ctx, nba.UpcomingPlayer, d); err != nil || v.Version == 0 {
				return false
			}
		}
		return true
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range last.Load().ByState {
		n += c
	}
	if n != 14*5 {
		t.Errorf("tasks in the service's scope = %d, want 70 (14 scheduled dates × 5 processors)", n)
	}
	recs, err := s.Tasks(ctx, pipeline.FirstGameDate, typo.AddDays(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if d := r.Key.Date; (d < nov || d > nov.AddDays(6)) && (d < feb || d > feb.AddDays(6)) {
			t.Fatalf("task %s %s recorded, on a date the schedule does not list (%d task records)", r.Key.Processor, d, len(recs))
		}
	}
	ds, _, err := e.Verdicts(ctx, feb, feb.AddDays(6))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.State != pipeline.Published && d.State != pipeline.UpToDate {
			t.Errorf("%s %s is %s (%s), want published", d.Task.Processor, d.Task.Date, d.State, d.Reason)
		}
	}
}

// copyPartition records table's partition of date from again as dated to,
// directly in the SQLite file, as a database written before loads checked
// dates may hold it.
func copyPartition(t *testing.T, path, table string, from, to pipeline.Date) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`INSERT INTO partition_versions (table_name, game_date, version, row_count, content_hash, source, partial,
			processor_version, build_revision, restored_from, created_at, coverage, input_fingerprint)
		SELECT table_name, ?2, version, row_count, content_hash, source, partial, processor_version, build_revision,
			restored_from, created_at, coverage, input_fingerprint FROM partition_versions WHERE table_name = ?1 AND game_date = ?3`,
		`INSERT INTO partitions (table_name, game_date, current_version, first_recorded_at, verified_seq)
		SELECT table_name, ?2, current_version, first_recorded_at, verified_seq FROM partitions WHERE table_name = ?1 AND game_date = ?3`,
	} {
		if _, err := db.Exec(q, table, to.String(), from.String()); err != nil {
			t.Fatal(err)
		}
	}
}
