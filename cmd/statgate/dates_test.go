package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/postgres"
	"github.com/statgate/statgate/internal/sqlite"
	"github.com/statgate/statgate/internal/testdb"
)

// TestLoadRefusesDatesThatAreNotGameDates: a schedule row dated 9999-12-31,
// 2122-10-18 (a typo year) or 0000-01-01 is rejected with the file, line
// and column, and nothing of the file is loaded, on either database. Taken
// as real, one such date made the service plan every day up to it (7.9 GB,
// 184,625 task rows) or exhausted PostgreSQL's lock table.
func TestLoadRefusesDatesThatAreNotGameDates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const realRow = "20221018_PHI_BOS,0022200001,2022-10-18,2022,regular,BOS,PHI,3,Final,126,117\n"
	files := map[string]string{
		"far.csv":    "99991231_LAL_GSW,0022200002,9999-12-31,2022,regular,GSW,LAL,1,,,\n",
		"typo.csv":   "21221018_LAL_GSW,0022200002,2122-10-18,2122,regular,GSW,LAL,1,,,\n",
		"zero.csv":   "00000101_LAL_GSW,0022200002,0000-01-01,2022,regular,GSW,LAL,3,Final,123,109\n",
		"season.csv": "20231018_LAL_GSW,0022200002,2023-11-18,2022,regular,GSW,LAL,3,Final,123,109\n",
	}
	dbs := map[string]func(t *testing.T) (string, func() pipeline.Store){
		"sqlite": func(t *testing.T) (string, func() pipeline.Store) {
			path := filepath.Join(t.TempDir(), "statgate.db")
			return path, func() pipeline.Store {
				s, err := sqlite.Open(context.Background(), sqlite.Config{Path: path, Catalog: nba.Catalog})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			}
		},
		"postgres": func(t *testing.T) (string, func() pipeline.Store) {
			url := testdb.PostgresURL(t)
			schema := testdb.NewSchema(t, url)
			s, err := postgres.Open(context.Background(), postgres.Config{URL: url, Schema: schema, Catalog: nba.Catalog})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return withSearchPath(url, schema), func() pipeline.Store { return s }
		},
	}
	for dbName, open := range dbs {
		t.Run(dbName, func(t *testing.T) {
			db, store := open(t)
			for name, row := range files {
				path := filepath.Join(dir, dbName+"-"+name)
				if err := os.WriteFile(path, []byte(scheduleHeader+realRow+row), 0o644); err != nil {
					t.Fatal(err)
				}
				code, _, errs := runCLI(t, db, "load", "--table", "nbac_schedule", path)
				if want := filepath.Base(path) + ":3: game_date: "; code != 1 || !strings.Contains(errs, want) {
					t.Errorf("load %s: exit %d, stderr %q; want 1 and %q", name, code, errs, want)
				}
			}
			got, err := store().Partitions(context.Background(), pipeline.PartitionFilter{})
			if err != nil || len(got) != 0 {
				t.Errorf("partitions after the rejected loads = %d, %v; want none", len(got), err)
			}
		})
	}
}

// TestReadmeListsTheRawColumns: the documented list of raw columns (in
// the README or docs/tables.md) is the one load --help prints from the
// schema, so it cannot drift from it.
func TestReadmeListsTheRawColumns(t *testing.T) {
	for _, doc := range []string{"../../README.md", "../../docs/tables.md"} {
		text, err := os.ReadFile(doc)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if strings.Contains(string(text), "```\n"+rawColumnsHelp()+"\n```") {
			return
		}
	}
	t.Errorf("neither README.md nor docs/tables.md lists the raw columns as load --help does; paste this in:\n%s", rawColumnsHelp())
}

// TestBackfillNeedsScheduledDates: a backfill of a range the schedule lists
// no dates in is refused and records no task (before, 400 days without a
// schedule made 2,000 waiting tasks).
func TestBackfillNeedsScheduledDates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "statgate.db")
	code, _, errs := runCLI(t, db, "backfill", "--from", "2021-01-01", "--to", "2022-02-04")
	if code != 1 || !strings.Contains(errs, "the schedule lists no dates") {
		t.Errorf("backfill without a schedule: exit %d, stderr %q; want 1 and that the schedule lists no dates", code, errs)
	}
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: db, Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if recs, err := s.Tasks(context.Background(), pipeline.FirstGameDate, pipeline.MustDate("2030-01-01")); err != nil || len(recs) != 0 {
		t.Errorf("task records after the refused backfill = %d, %v; want none", len(recs), err)
	}
}

// TestProfileFlag: --profile DIR leaves a CPU profile, a heap profile and
// the memory figures of the command there.
func TestProfileFlag(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "statgate.db")
	prof := filepath.Join(dir, "prof")
	if code, _, errs := runCLI(t, db, "--profile", prof, "status"); code != 0 {
		t.Fatalf("status --profile: exit %d, %s", code, errs)
	}
	for _, name := range []string{"cpu.pprof", "heap.pprof", "memory.txt"} {
		if info, err := os.Stat(filepath.Join(prof, name)); err != nil || info.Size() == 0 {
			t.Errorf("%s: %v, size %d; want a non-empty file", name, err, sizeOf(info))
		}
	}
}

func sizeOf(info os.FileInfo) int64 {
	if info == nil {
		return 0
	}
	return info.Size()
}
