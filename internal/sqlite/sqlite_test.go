package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/sqlite"
	"github.com/statgate/statgate/internal/storetest"
	"github.com/statgate/statgate/internal/testdb"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) pipeline.Store { return testdb.SQLite(t) })
}

func TestRetention(t *testing.T) {
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(t.TempDir(), "r.db"), Catalog: nba.Catalog, KeepVersions: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckRetention(t, s)
}

// TestPathIsTheFileNamed: a database path holding '#', '?' or '%' (a test
// named "sqlite#01" has one in its directory) opens the file of that very
// name. Read as a URI, "dir#1/x.db" was the file "dir", shared by
// every database whose path began alike.
func TestPathIsTheFileNamed(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	for _, name := range []string{"a#1", "a#2", "b?x=1", "c%41"} {
		path := filepath.Join(dir, name, "statgate.db")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		s, err := sqlite.Open(ctx, sqlite.Config{Path: path, Catalog: nba.Catalog})
		if err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		if got, err := s.Partitions(ctx, pipeline.PartitionFilter{}); err != nil || len(got) != 0 {
			t.Errorf("%s: a new database holds %d partitions (%v), want none", name, len(got), err)
		}
		sched := nba.ScheduleTable
		if _, err := s.Publish(ctx, []pipeline.Publication{{Table: sched, Date: pipeline.MustDate("2022-12-24"), Source: pipeline.SourceLoad}}); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s: the database file was not created where named: %v", name, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 4 {
		t.Errorf("%d entries in the directory, want the 4 named ones", len(entries))
	}
}
