// Package storetest is the conformance suite every pipeline.Store runs: the
// sqlite and postgres packages call Run with a function that opens a fresh,
// empty store, and must pass the same assertions.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/nba"
	p "github.com/statgate/statgate/internal/pipeline"
)

// Opener opens a fresh, empty, migrated store using nba.Catalog and closes
// it when the test ends.
type Opener func(t *testing.T) p.Store

// Run runs the whole suite.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, p.Store)
	}{
		{"PublishReadRoundTrip", testRoundTrip},
		{"VersionsAndUnchangedContent", testVersions},
		{"NotFound", testNotFound},
		{"InvalidRowsPublishNothing", testInvalid},
		{"BatchIsAtomic", testBatchAtomic},
		{"LineageAndHistory", testLineage},
		{"TriggersDeduplicateByContent", testTriggers},
		{"EmptyPartition", testEmptyPartition},
		{"PartitionsFilter", testPartitionsFilter},
		{"ReadRange", testReadRange},
		{"OneWritePath", testOneWritePath},
		{"Guard", testGuard},
		{"StaleInput", testStaleInput},
		{"Leases", testLeases},
		{"RenewAndAbandon", testRenewAndAbandon},
		{"ClaimRace", testClaimRace},
		{"ReleaseRidesOnPublish", testReleaseRidesOnPublish},
		{"Events", testEvents},
		{"Circuits", testCircuits},
		{"ReadersSeeWholeVersions", testReadersSeeWholeVersions},
		{"Announce", testAnnounce},
		{"AnnounceInvalid", testAnnounceInvalid},
		{"Backfills", testBackfills},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			tc.fn(t, s)
		})
	}
}

func publish(t *testing.T, s p.Store, pubs ...p.Publication) []p.PublishResult {
	t.Helper()
	res, err := s.Publish(context.Background(), pubs)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	return res
}

func load(tb *p.Table, d p.Date, rows []p.Row) p.Publication {
	src := p.SourceLoad
	if tb.Kind == p.Analytics {
		src = p.SourceCompute
	}
	return p.Publication{Table: tb, Date: d, Rows: rows, Source: src}
}

// testOneWritePath: analytics partitions are written only by computations
// (and rollbacks), raw partitions never by them.
func testOneWritePath(t *testing.T, s p.Store) {
	ctx := context.Background()
	for _, pub := range []p.Publication{
		{Table: nba.TeamOffenseTable, Date: opening, Rows: []p.Row{teamOffenseRow(opening, 126, 98.2)}, Source: p.SourceLoad},
		{Table: nba.TeamOffenseTable, Date: opening, Rows: []p.Row{teamOffenseRow(opening, 126, 98.2)}, Source: p.SourceAnnounce},
		{Table: nba.ScheduleTable, Date: opening, Rows: scheduleRows(), Source: p.SourceCompute},
	} {
		if _, err := s.Publish(ctx, []p.Publication{pub}); !errors.Is(err, p.ErrInvalid) {
			t.Errorf("Publish(%s as %s) = %v, want ErrInvalid", pub.Table.Name, pub.Source, err)
		}
	}
	if got, _ := s.Partitions(ctx, p.PartitionFilter{}); len(got) != 0 {
		t.Errorf("partitions after refused publications: %d, want none", len(got))
	}
}

func testRoundTrip(t *testing.T, s p.Store) {
	ctx := context.Background()
	cases := []struct {
		table *p.Table
		rows  []p.Row
	}{
		{nba.ScheduleTable, scheduleRows()},
		{nba.GamebookTable, gamebookRows()},
		{nba.PointsPropsTable, propsRows()},
		{nba.TeamOffenseTable, []p.Row{teamOffenseRow(opening, 126, 98.2)}},
	}
	for _, c := range cases {
		res := publish(t, s, load(c.table, opening, c.rows))
		rows, v, err := s.ReadPartition(ctx, c.table, opening)
		if err != nil {
			t.Fatalf("ReadPartition(%s): %v", c.table.Name, err)
		}
		c.table.SortRows(rows)
		want := append([]p.Row(nil), c.rows...)
		c.table.SortRows(want)
		if diff := cmp.Diff(want, rows); diff != "" {
			t.Errorf("ReadPartition(%s) rows (-want +got):\n%s", c.table.Name, diff)
		}
		if v.Version != 1 || v.RowCount != len(c.rows) || v.ContentHash != c.table.ContentHash(c.rows) {
			t.Errorf("ReadPartition(%s) version = %d rows %d hash %s, want 1, %d, %s",
				c.table.Name, v.Version, v.RowCount, v.ContentHash, len(c.rows), c.table.ContentHash(c.rows))
		}
		if !res[0].Created || res[0].Version != 1 {
			t.Errorf("Publish(%s) = %+v, want a created version 1", c.table.Name, res[0])
		}
		if n, err := s.RowCount(ctx, c.table.Name); err != nil || n != int64(len(c.rows)) {
			t.Errorf("RowCount(%s) = %d, %v, want %d", c.table.Name, n, err, len(c.rows))
		}
	}
}

func testVersions(t *testing.T, s p.Store) {
	ctx := context.Background()
	rows := scheduleRows()
	publish(t, s, load(nba.ScheduleTable, opening, rows))
	// The same content in another order is the same version.
	again := publish(t, s, load(nba.ScheduleTable, opening, []p.Row{rows[1], rows[0]}))
	if again[0].Created || again[0].Version != 1 {
		t.Errorf("identical reload = %+v, want version 1 not created", again[0])
	}
	changed := scheduleRows()[:1]
	res := publish(t, s, load(nba.ScheduleTable, opening, changed))
	if !res[0].Created || res[0].Version != 2 || res[0].RowCount != 1 {
		t.Errorf("changed reload = %+v, want version 2 with 1 row", res[0])
	}
	got, v, err := s.ReadPartition(ctx, nba.ScheduleTable, opening)
	if err != nil || len(got) != 1 || v.Version != 2 {
		t.Errorf("ReadPartition after v2 = %d rows, version %d, %v; want 1 row, version 2", len(got), v.Version, err)
	}
	// Forced, identical content still makes a version.
	// Every version of an analytics partition can be read back.
	o1 := []p.Row{teamOffenseRow(opening, 126, 98.2)}
	o2 := []p.Row{teamOffenseRow(opening, 117, 97.5)}
	publish(t, s, p.Publication{Table: nba.TeamOffenseTable, Date: opening, Rows: o1, Source: p.SourceCompute})
	publish(t, s, p.Publication{Table: nba.TeamOffenseTable, Date: opening, Rows: o2, Source: p.SourceCompute})
	for v, want := range map[int][]p.Row{1: o1, 2: o2} {
		got, err := s.VersionRows(ctx, nba.TeamOffenseTable, opening, v)
		if err != nil || nba.TeamOffenseTable.ContentHash(got) != nba.TeamOffenseTable.ContentHash(want) {
			t.Errorf("VersionRows(team offense, v%d) = %d rows, %v; want the rows published as v%d", v, len(got), err, v)
		}
	}
	if _, err := s.VersionRows(ctx, nba.TeamOffenseTable, opening, 7); !errors.Is(err, p.ErrNotFound) {
		t.Errorf("VersionRows(v7) = %v, want ErrNotFound", err)
	}
	forced := load(nba.ScheduleTable, opening, changed)
	forced.Force = true
	if r := publish(t, s, forced); r[0].Version != 3 {
		t.Errorf("forced publish version = %d, want 3", r[0].Version)
	}
}

func testNotFound(t *testing.T, s p.Store) {
	ctx := context.Background()
	if _, _, err := s.ReadPartition(ctx, nba.ScheduleTable, opening); !errors.Is(err, p.ErrNotFound) {
		t.Errorf("ReadPartition(never published) error = %v, want ErrNotFound", err)
	}
	if _, err := s.CurrentVersion(ctx, nba.PlayerGame, opening); !errors.Is(err, p.ErrNotFound) {
		t.Errorf("CurrentVersion(never published) error = %v, want ErrNotFound", err)
	}
	if got, err := s.Partitions(ctx, p.PartitionFilter{}); err != nil || len(got) != 0 {
		t.Errorf("Partitions(empty store) = %v, %v; want none", got, err)
	}
}

func testInvalid(t *testing.T, s p.Store) {
	ctx := context.Background()
	bad := scheduleRows()
	bad[1] = append(p.Row(nil), bad[1]...)
	bad[1][nba.ScheduleTable.MustCol("game_status")] = int64(9)
	wrongDate := scheduleRows()
	wrongDate[0][nba.ScheduleTable.DateIndex()] = opening.AddDays(1)
	dup := append(scheduleRows(), scheduleRows()[0])
	for name, rows := range map[string][]p.Row{"bad value": bad, "wrong date": wrongDate, "duplicate key": dup} {
		_, err := s.Publish(ctx, []p.Publication{load(nba.ScheduleTable, opening, rows)})
		if !errors.Is(err, p.ErrInvalid) {
			t.Errorf("Publish(%s) error = %v, want ErrInvalid", name, err)
		}
	}
	if n, _ := s.RowCount(ctx, nba.Schedule); n != 0 {
		t.Errorf("RowCount after rejected publications = %d, want 0", n)
	}
}

func testBatchAtomic(t *testing.T, s p.Store) {
	ctx := context.Background()
	publish(t, s, load(nba.ScheduleTable, opening, scheduleRows()[:1]))
	bad := gamebookRows()
	bad[0] = append(p.Row(nil), bad[0]...)
	bad[0][nba.GamebookTable.MustCol("minutes")] = nil // active without minutes
	_, err := s.Publish(ctx, []p.Publication{
		load(nba.ScheduleTable, opening, scheduleRows()),
		load(nba.GamebookTable, opening, bad),
	})
	if err == nil {
		t.Fatal("Publish(batch with an invalid partition) succeeded, want an error")
	}
	rows, v, err := s.ReadPartition(ctx, nba.ScheduleTable, opening)
	if err != nil || len(rows) != 1 || v.Version != 1 {
		t.Errorf("schedule after failed batch = %d rows, version %d, %v; want the old 1 row, version 1", len(rows), v.Version, err)
	}
}

func testLineage(t *testing.T, s p.Store) {
	ctx := context.Background()
	publish(t, s, load(nba.ScheduleTable, opening, scheduleRows()), load(nba.GamebookTable, opening, gamebookRows()))
	publish(t, s, load(nba.GamebookTable, opening, gamebookRows()[:1]))
	inputs := []p.InputVersion{{Table: nba.Gamebook, Date: opening, Version: 2}, {Table: nba.Schedule, Date: opening, Version: 1}}
	pub := p.Publication{Table: nba.TeamOffenseTable, Date: opening, Rows: []p.Row{teamOffenseRow(opening, 126, 98.2)},
		Source: p.SourceCompute, ProcessorVersion: "7", BuildRevision: "abc", Inputs: inputs, Partial: true}
	publish(t, s, pub)
	v, err := s.CurrentVersion(ctx, nba.TeamOffense, opening)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(inputs, v.Inputs); diff != "" {
		t.Errorf("lineage (-want +got):\n%s", diff)
	}
	if v.ProcessorVersion != "7" || v.BuildRevision != "abc" || !v.Partial || v.Source != p.SourceCompute {
		t.Errorf("CurrentVersion = %+v, want processor 7, build abc, partial, source compute", v)
	}
	// A computation that read an input version since replaced is refused.
	publish(t, s, load(nba.GamebookTable, opening, gamebookRows()))
	if _, err := s.Publish(ctx, []p.Publication{pub}); !errors.Is(err, p.ErrConflict) {
		t.Errorf("Publish with an outdated input version: %v, want ErrConflict", err)
	}
	hist, err := s.History(ctx, nba.TeamOffense, opening)
	if err != nil || len(hist) != 1 || hist[0].Version != 1 || len(hist[0].Inputs) != 2 {
		t.Errorf("History = %+v, %v; want only version 1 with its two inputs", hist, err)
	}
	if gb, err := s.History(ctx, nba.Gamebook, opening); err != nil || len(gb) != 3 || gb[2].Version != 3 {
		t.Errorf("History(gamebook) = %d versions, %v; want 3", len(gb), err)
	}
}

func testTriggers(t *testing.T, s p.Store) {
	ctx := context.Background()
	publish(t, s, load(nba.ScheduleTable, opening, scheduleRows()))
	publish(t, s, load(nba.ScheduleTable, opening, scheduleRows()))
	publish(t, s, load(nba.GamebookTable, opening, gamebookRows()))
	got, err := s.Triggers(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Table != nba.Schedule || got[1].Table != nba.Gamebook || got[0].Date != opening {
		t.Fatalf("Triggers = %+v, want one for the schedule then one for the gamebook", got)
	}
	if got[0].ContentHash != nba.ScheduleTable.ContentHash(scheduleRows()) || got[0].RecordCount != 2 {
		t.Errorf("trigger = %+v, want the schedule's hash and 2 records", got[0])
	}
	after, err := s.Triggers(ctx, got[0].ID, 100)
	if err != nil || len(after) != 1 || after[0].ID != got[1].ID {
		t.Errorf("Triggers(after %d) = %+v, %v; want only the second", got[0].ID, after, err)
	}
}

func testEmptyPartition(t *testing.T, s p.Store) {
	ctx := context.Background()
	d := p.MustDate("2022-12-24") // no NBA games on Christmas Eve
	publish(t, s, load(nba.ScheduleTable, d, nil))
	rows, v, err := s.ReadPartition(ctx, nba.ScheduleTable, d)
	if err != nil || len(rows) != 0 || v.Version != 1 || v.RowCount != 0 {
		t.Errorf("empty partition = %d rows, %+v, %v; want a version 1 with no rows", len(rows), v, err)
	}
}

func testPartitionsFilter(t *testing.T, s p.Store) {
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		d := opening.AddDays(i)
		rows := scheduleRows()
		for _, r := range rows {
			r[nba.ScheduleTable.DateIndex()] = d
		}
		publish(t, s, load(nba.ScheduleTable, d, rows))
	}
	publish(t, s, load(nba.GamebookTable, opening, gamebookRows()))
	got, err := s.Partitions(ctx, p.PartitionFilter{Table: nba.Schedule, From: opening.AddDays(1), To: opening.AddDays(3), HasRange: true})
	if err != nil {
		t.Fatal(err)
	}
	var dates []string
	for _, v := range got {
		dates = append(dates, v.Date.String())
	}
	if diff := cmp.Diff([]string{"2022-10-19", "2022-10-20", "2022-10-21"}, dates); diff != "" {
		t.Errorf("Partitions(schedule, 10-19..10-21) dates (-want +got):\n%s", diff)
	}
	all, err := s.Partitions(ctx, p.PartitionFilter{})
	if err != nil || len(all) != 6 {
		t.Errorf("Partitions(all) = %d, %v; want 6", len(all), err)
	}
}

// testReadersSeeWholeVersions publishes many versions of one partition, of
// different sizes, while readers loop; every read must be one whole version.
func testReadersSeeWholeVersions(t *testing.T, s p.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tb := nba.TeamOffenseTable
	version := func(i int) []p.Row {
		rows := make([]p.Row, 1+i%4)
		for j := range rows {
			r := teamOffenseRow(opening, int64(100+i), float64(i))
			r[tb.MustCol("game_id")] = fmt.Sprintf("20221018_G%02d_BOS", j)
			rows[j] = r
		}
		return rows
	}
	const publications = 1000
	var reads, bad atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				rows, v, err := s.ReadPartition(ctx, tb, opening)
				if errors.Is(err, p.ErrNotFound) || ctx.Err() != nil {
					continue
				}
				if err != nil {
					t.Errorf("ReadPartition: %v", err)
					return
				}
				reads.Add(1)
				if len(rows) != v.RowCount || tb.ContentHash(rows) != v.ContentHash {
					bad.Add(1)
				}
			}
		}()
	}
	for i := 0; i < publications; i++ {
		if _, err := s.Publish(ctx, []p.Publication{{Table: tb, Date: opening, Rows: version(i), Source: p.SourceCompute}}); err != nil {
			t.Fatalf("Publish %d: %v", i, err)
		}
	}
	cancel()
	wg.Wait()
	if bad.Load() != 0 {
		t.Errorf("%d of %d reads saw rows that do not match their version", bad.Load(), reads.Load())
	}
	if reads.Load() == 0 {
		t.Error("readers never read a published version")
	}
	t.Logf("%d publications, %d consistent reads", publications, reads.Load())
}

func testReadRange(t *testing.T, s p.Store) {
	ctx := context.Background()
	// Published: the 18th (two games), the 19th (empty), the 21st (one game).
	on := func(d p.Date, rows []p.Row) []p.Row {
		for _, r := range rows {
			r[nba.ScheduleTable.DateIndex()] = d
		}
		return rows
	}
	publish(t, s,
		load(nba.ScheduleTable, opening, scheduleRows()),
		load(nba.ScheduleTable, opening.AddDays(1), nil),
		load(nba.ScheduleTable, opening.AddDays(3), on(opening.AddDays(3), scheduleRows()[:1])))
	got, err := s.ReadRange(ctx, nba.ScheduleTable, opening.AddDays(-1), opening.AddDays(4))
	if err != nil {
		t.Fatal(err)
	}
	type part struct {
		Date string
		Rows int
		Hash bool
	}
	var summary []part
	for _, pr := range got {
		summary = append(summary, part{pr.Version.Date.String(), len(pr.Rows),
			nba.ScheduleTable.ContentHash(pr.Rows) == pr.Version.ContentHash})
	}
	want := []part{{"2022-10-18", 2, true}, {"2022-10-19", 0, true}, {"2022-10-21", 1, true}}
	if diff := cmp.Diff(want, summary); diff != "" {
		t.Errorf("ReadRange(10-17..10-22) (-want +got):\n%s", diff)
	}
	none, err := s.ReadRange(ctx, nba.GamebookTable, opening, opening.AddDays(30))
	if err != nil || len(none) != 0 {
		t.Errorf("ReadRange(nothing published) = %v, %v; want none", none, err)
	}
}

// CheckRetention runs against a store opened to keep one earlier version:
// after four publications only the current and the one before can be read.
func CheckRetention(t *testing.T, s p.Store) {
	ctx := context.Background()
	for i := range 4 {
		publish(t, s, p.Publication{Table: nba.TeamOffenseTable, Date: opening, Source: p.SourceCompute,
			Rows: []p.Row{teamOffenseRow(opening, int64(100+i), 95)}})
	}
	for v, want := range map[int]bool{1: false, 2: false, 3: true, 4: true} {
		_, err := s.VersionRows(ctx, nba.TeamOffenseTable, opening, v)
		if got := err == nil; got != want || (err != nil && !errors.Is(err, p.ErrNotFound)) {
			t.Errorf("VersionRows(v%d) with one earlier version kept: %v, want readable %t", v, err, want)
		}
	}
}
