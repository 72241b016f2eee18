package ingest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/statgate/statgate/internal/dataset"
	"github.com/statgate/statgate/internal/ingest"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/rawload"
	"github.com/statgate/statgate/internal/testdb"
)

type decoded struct {
	table *pipeline.Table
	rows  []pipeline.Row
}

func decodeSeason(tb testing.TB) []decoded {
	tb.Helper()
	var out []decoded
	for _, f := range dataset.Raw {
		t := nba.Catalog.Table(f.Table)
		rows, err := rawload.DecodeFiles(t, dataset.FS(), []string{f.File})
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, decoded{t, rows})
	}
	return out
}

func loadSeason(ctx context.Context, s pipeline.Store, season []decoded) ([]ingest.Result, error) {
	var out []ingest.Result
	for _, d := range season {
		r, err := ingest.Load(ctx, s, d.table, d.rows, ingest.Options{FillEmptyDates: d.table.Name == nba.Schedule})
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// TestLoadSeason loads the real season twice into each store: the first
// load versions every partition (the schedule also every empty day), the
// second changes nothing.
func TestLoadSeason(t *testing.T) {
	season := decodeSeason(t)
	testdb.Each(t, func(t *testing.T, s pipeline.Store) {
		ctx := context.Background()
		first, err := loadSeason(ctx, s, season)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct{ rows, parts int }{{1320, 238}, {33516, 212}, {2604, 212}}
		for i, r := range first {
			if r.Rows != want[i].rows || r.Partitions != want[i].parts || r.NewVersions != want[i].parts {
				t.Errorf("first load of %s = %+v, want %d rows in %d new partitions", r.Table, r, want[i].rows, want[i].parts)
			}
			if n, _ := s.RowCount(ctx, r.Table); n != int64(want[i].rows) {
				t.Errorf("RowCount(%s) = %d, want %d", r.Table, n, want[i].rows)
			}
		}
		second, err := loadSeason(ctx, s, season)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range second {
			if r.NewVersions != 0 {
				t.Errorf("second load of %s made %d new versions, want 0", r.Table, r.NewVersions)
			}
		}
		// Christmas Eve 2022 had no games: an empty, published schedule day.
		rows, v, err := s.ReadPartition(ctx, nba.ScheduleTable, pipeline.MustDate("2022-12-24"))
		if err != nil || len(rows) != 0 || v.Version != 1 {
			t.Errorf("schedule 2022-12-24 = %d rows, version %d, %v; want an empty version 1", len(rows), v.Version, err)
		}
		trig, err := s.Triggers(ctx, 0, 10000)
		if err != nil || len(trig) != 238+212+212 {
			t.Errorf("Triggers = %d, %v; want one per new partition version (662)", len(trig), err)
		}
	})
}

func TestLoadIsAllOrNothing(t *testing.T) {
	s := testdb.SQLite(t)
	ctx := context.Background()
	season := decodeSeason(t)
	rows := append([]pipeline.Row(nil), season[0].rows...)
	bad := append(pipeline.Row(nil), rows[len(rows)-1]...)
	bad[nba.ScheduleTable.MustCol("game_type")] = "exhibition"
	rows[len(rows)-1] = bad
	if _, err := ingest.Load(ctx, s, nba.ScheduleTable, rows, ingest.Options{}); err == nil {
		t.Fatal("Load with one invalid row in the last partition succeeded, want an error")
	}
	if got, err := s.Partitions(ctx, pipeline.PartitionFilter{}); err != nil || len(got) != 0 {
		t.Errorf("partitions after a failed load = %d, %v; want none", len(got), err)
	}
}

// BenchmarkLoadSeason loads the whole real season (37,440 rows, decoded
// beforehand) into a fresh store per iteration.
func BenchmarkLoadSeason(b *testing.B) {
	season := decodeSeason(b)
	total := 0
	for _, d := range season {
		total += len(d.rows)
	}
	for _, tc := range []struct {
		name string
		open func(testing.TB) pipeline.Store
	}{
		{"sqlite", func(tb testing.TB) pipeline.Store { return testdb.SQLite(tb) }},
		{"postgres", func(tb testing.TB) pipeline.Store { return testdb.Postgres(tb) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				s := tc.open(b)
				b.StartTimer()
				if _, err := loadSeason(ctx, s, season); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// TestLoadDates: exactly the dates asked for are versioned, a date without
// rows as an empty partition (Christmas Eve has no games); a row dated
// elsewhere refuses the whole load.
func TestLoadDates(t *testing.T) {
	ctx := context.Background()
	s := testdb.SQLite(t)
	eve, xmas := pipeline.MustDate("2022-12-24"), pipeline.MustDate("2022-12-25")
	sched := testdb.OnDates(nba.ScheduleTable, testdb.SeasonRows(t)[nba.Schedule], xmas, xmas)
	res, err := ingest.LoadDates(ctx, s, nba.ScheduleTable, []pipeline.Date{eve, xmas}, sched)
	if err != nil || res.Partitions != 2 || res.NewVersions != 2 || res.Rows != len(sched) {
		t.Fatalf("LoadDates = %+v, %v; want 2 new partitions with %d rows", res, err, len(sched))
	}
	if v, err := s.CurrentVersion(ctx, nba.Schedule, eve); err != nil || v.RowCount != 0 {
		t.Errorf("Christmas Eve = %+v, %v; want an empty version", v, err)
	}
	if _, err := ingest.LoadDates(ctx, s, nba.ScheduleTable, []pipeline.Date{eve}, sched); !errors.Is(err, pipeline.ErrInvalid) {
		t.Errorf("LoadDates of Christmas rows as Christmas Eve: %v, want ErrInvalid", err)
	}
}

// TestScheduleCorrectionKeepsTheDatesBetween: a schedule file holding only
// 2023-05-10 and 2023-05-12 (a score corrected on the 12th) versions those
// two dates; 2023-05-11, which holds games, is left as it is. Into an empty
// database the same file does make the 11th an empty day: an off-day
// inside the range it lists.
func TestScheduleCorrectionKeepsTheDatesBetween(t *testing.T) {
	season := testdb.SeasonRows(t)[nba.Schedule]
	may10, may11, may12 := pipeline.MustDate("2023-05-10"), pipeline.MustDate("2023-05-11"), pipeline.MustDate("2023-05-12")
	var corr []pipeline.Row
	for _, r := range season {
		if d := r[nba.ScheduleTable.DateIndex()]; d == may10 || d == may12 {
			corr = append(corr, append(pipeline.Row(nil), r...))
		}
	}
	corr[len(corr)-1][nba.ScheduleTable.MustCol("game_status_text")] = "Final (corrected)"
	testdb.Each(t, func(t *testing.T, s pipeline.Store) {
		ctx := context.Background()
		if _, err := ingest.Load(ctx, s, nba.ScheduleTable, season, ingest.Options{FillEmptyDates: true}); err != nil {
			t.Fatal(err)
		}
		before, err := s.CurrentVersion(ctx, nba.Schedule, may11)
		if err != nil || before.RowCount == 0 {
			t.Fatalf("schedule 2023-05-11 before the correction = %+v, %v; want its games", before, err)
		}
		res, err := ingest.Load(ctx, s, nba.ScheduleTable, corr, ingest.Options{FillEmptyDates: true})
		if err != nil || res.Partitions != 2 || res.NewVersions != 1 || res.Unchanged != 1 {
			t.Fatalf("correction = %+v, %v; want 2 partitions, 1 new version (05-12)", res, err)
		}
		after, err := s.CurrentVersion(ctx, nba.Schedule, may11)
		if err != nil || after.Version != before.Version || after.RowCount != before.RowCount {
			t.Errorf("schedule 2023-05-11 after a correction of the 10th and 12th = %+v, %v; want it untouched (%+v)", after, err, before)
		}
	})
	testdb.Each(t, func(t *testing.T, s pipeline.Store) {
		ctx := context.Background()
		res, err := ingest.Load(ctx, s, nba.ScheduleTable, corr, ingest.Options{FillEmptyDates: true})
		if err != nil || res.Partitions != 3 || res.NewVersions != 3 {
			t.Fatalf("load into an empty database = %+v, %v; want 3 new partitions", res, err)
		}
		if v, err := s.CurrentVersion(ctx, nba.Schedule, may11); err != nil || v.RowCount != 0 {
			t.Errorf("schedule 2023-05-11 = %+v, %v; want an empty day", v, err)
		}
	})
}

// TestFillStaysInsideEachSeason: a file of two seasons' schedules fills the
// off-days inside each season, not the summer between them, and never a
// date that already has a partition.
func TestFillStaysInsideEachSeason(t *testing.T) {
	ctx := context.Background()
	s := testdb.SQLite(t)
	tb := nba.ScheduleTable
	season := testdb.SeasonRows(t)[nba.Schedule]
	first := testdb.OnDates(tb, season, pipeline.MustDate("2022-10-18"), pipeline.MustDate("2022-10-20"))
	// The same games a year later, as the next season's.
	var next []pipeline.Row
	for _, r := range testdb.OnDates(tb, season, pipeline.MustDate("2022-10-24"), pipeline.MustDate("2022-10-26")) {
		r = append(pipeline.Row(nil), r...)
		r[tb.DateIndex()] = r[tb.DateIndex()].(pipeline.Date).AddDays(365)
		r[tb.MustCol("season_year")] = int64(2023)
		id := r[tb.MustCol("game_id")].(string)
		r[tb.MustCol("game_id")] = "2023" + id[4:]
		next = append(next, r)
	}
	res, err := ingest.Load(ctx, s, tb, append(first, next...), ingest.Options{FillEmptyDates: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Partitions(ctx, pipeline.PartitionFilter{Table: nba.Schedule})
	if err != nil || len(got) != 6 || res.Partitions != 6 {
		t.Errorf("two 3-day seasons loaded: %d partitions (%+v, %v), want 6: no summer in between", len(got), res, err)
	}
}
