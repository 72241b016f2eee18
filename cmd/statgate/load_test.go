package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

// TestLoadInGroups: a load larger than what it holds at once is written a
// group of files at a time and ends exactly as a load in one transaction
// (the same partitions with the same content); files sharing a date are
// one group; and a bad row in the last file still writes nothing.
func TestLoadInGroups(t *testing.T) {
	season := testdb.SeasonRows(t)
	gb := nba.Catalog.Table(nba.Gamebook)
	dir := t.TempDir()
	// Four files: October, November, December, and a second December
	// file sharing 2022-12-31 with the third (those two must go together).
	months := []struct{ from, to string }{
		{"2022-10-01", "2022-10-31"}, {"2022-11-01", "2022-11-30"}, {"2022-12-01", "2022-12-30"}, {"2022-12-31", "2022-12-31"},
	}
	var files []string
	for i, m := range months {
		rows := gb.OnDates(season[nba.Gamebook], pipeline.MustDate(m.from), pipeline.MustDate(m.to))
		if i == 2 {
			// Half of the 31st's games here, half in the fourth file.
			last := gb.OnDates(season[nba.Gamebook], pipeline.MustDate("2022-12-31"), pipeline.MustDate("2022-12-31"))
			rows = append(rows, last[:len(last)/2]...)
		}
		if i == 3 {
			rows = rows[len(rows)/2:]
		}
		name := filepath.Join(dir, m.from+".csv.gz")
		if err := writeGzipCSV(name, gb, rows); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	ctx := context.Background()
	whole, grouped := testdb.SQLite(t), testdb.SQLite(t)
	want, err := loadFiles(ctx, whole, gb, files, maxLoadRows)
	if err != nil {
		t.Fatal(err)
	}
	got, err := loadFiles(ctx, grouped, gb, files, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if got.Rows != want.Rows || got.Partitions != want.Partitions || got.NewVersions != want.NewVersions {
		t.Errorf("in groups: %d rows, %d partitions, %d new; in one: %d, %d, %d",
			got.Rows, got.Partitions, got.NewVersions, want.Rows, want.Partitions, want.NewVersions)
	}
	a, err := whole.Partitions(ctx, pipeline.PartitionFilter{Table: gb.Name})
	if err != nil {
		t.Fatal(err)
	}
	b, err := grouped.Partitions(ctx, pipeline.PartitionFilter{Table: gb.Name})
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("%d partitions in groups, %d in one", len(b), len(a))
	}
	for i := range a {
		if a[i].Date != b[i].Date || a[i].ContentHash != b[i].ContentHash || b[i].Version != 1 {
			t.Errorf("%s: in groups v%d %.12s, in one %s v%d %.12s", b[i].Date, b[i].Version, b[i].ContentHash, a[i].Date, a[i].Version, a[i].ContentHash)
		}
	}

	// A bad last file: nothing is written, whatever the grouping.
	bad := filepath.Join(dir, "bad.csv")
	header := strings.Join(gb.ColumnNames(), ",")
	if err := os.WriteFile(bad, []byte(header+"\n"+strings.Repeat("x,", len(gb.Columns)-1)+"x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := testdb.SQLite(t)
	if _, err := loadFiles(ctx, empty, gb, append(files, bad), 1000); err == nil || !strings.Contains(err.Error(), "bad.csv") {
		t.Fatalf("a bad last file: %v, want an error naming it", err)
	}
	if vs, err := empty.Partitions(ctx, pipeline.PartitionFilter{Table: gb.Name}); err != nil || len(vs) != 0 {
		t.Errorf("after a refused load: %d partitions, %v; want none", len(vs), err)
	}
}
