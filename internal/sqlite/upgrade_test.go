package sqlite_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/sqlite"
	"github.com/statgate/statgate/internal/storetest"
)

// upgradeFixture is a database made by the previous release: real dates
// run through the engine, with versions, lineage, tasks, runs, quality
// events and triggers (see storetest.BuildUpgradeFixture). Regenerate it
// only when a release is cut, with that release's code:
//
//	go test ./internal/sqlite -run TestUpgrade -args -regenerate
const upgradeFixture = "testdata/upgrade.db.gz"

var regenerate = flag.Bool("regenerate", false, "rewrite "+upgradeFixture+" with the current migrations (only when a release is cut)")

// TestUpgrade opens the previous release's database with the current
// code: it migrates to the newest migration and the declared schema,
// keeps every version, lineage row and task, and publishes a new date.
func TestUpgrade(t *testing.T) {
	if *regenerate {
		writeUpgradeFixture(t)
	}
	path := filepath.Join(t.TempDir(), "statgate.db")
	gunzipFile(t, upgradeFixture, path)
	db := openDB(t, path)
	storetest.CheckUpgrade(t, storetest.Upgrade{
		Dialect: dialect,
		Query: func(ctx context.Context, query string) ([]string, error) {
			rows, err := db.QueryContext(ctx, query)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					return nil, err
				}
				out = append(out, s)
			}
			return out, rows.Err()
		},
		Open: func(t *testing.T) pipeline.Store {
			s, err := sqlite.Open(context.Background(), sqlite.Config{Path: path, Catalog: nba.Catalog, Now: storetest.UpgradeNow})
			if err != nil {
				t.Fatalf("open the previous release's database: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		ReadSchema: schemaReader(db),
	})
}

// writeUpgradeFixture makes the fixture with the current code: one
// database file, out of WAL mode and vacuumed, gzip-compressed.
func writeUpgradeFixture(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fixture.db")
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: path, Catalog: nba.Catalog, Now: storetest.FixtureNow})
	if err != nil {
		t.Fatal(err)
	}
	storetest.BuildUpgradeFixture(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, path)
	for _, stmt := range []string{"PRAGMA journal_mode = DELETE", "VACUUM"} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	db.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.WriteFixture(t, upgradeFixture, data)
}

func gunzipFile(t *testing.T, from, to string) {
	t.Helper()
	if err := os.WriteFile(to, storetest.ReadFixture(t, from), 0o644); err != nil {
		t.Fatal(err)
	}
}
