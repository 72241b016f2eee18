package postgres_test

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/postgres"
	"github.com/statgate/statgate/internal/storetest"
	"github.com/statgate/statgate/internal/testdb"
)

// upgradeFixture is a schema made by the previous release: real dates run
// through the engine, with versions, lineage, tasks, runs, quality events
// and triggers (see storetest.BuildUpgradeFixture), as a plain SQL dump
// (pg_dump --schema --no-owner --no-privileges --rows-per-insert, psql
// meta-commands removed) in which schemaToken stands for the schema's name.
// Regenerate it only when a release is cut, with that release's code and a
// pg_dump no newer than the oldest server statgate supports:
//
//	STATGATE_TEST_POSTGRES=postgres://… go test ./internal/postgres -run TestUpgrade -args -regenerate
const upgradeFixture = "testdata/upgrade.sql.gz"

// schemaToken stands for the fixture schema's name in the dump.
const schemaToken = "__STATGATE_SCHEMA__"

var regenerate = flag.Bool("regenerate", false, "rewrite "+upgradeFixture+" with the current migrations (only when a release is cut)")

// TestUpgrade opens the previous release's schema with the current code:
// it migrates to the newest migration and the declared schema, keeps every
// version, lineage row and task, and publishes a new date.
func TestUpgrade(t *testing.T) {
	url := testdb.PostgresURL(t)
	if *regenerate {
		writeUpgradeFixture(t, url)
	}
	ctx := context.Background()
	schema := testdb.NewSchema(t, url)
	restore(t, url, schema)
	conn := connect(t, url, schema)
	storetest.CheckUpgrade(t, storetest.Upgrade{
		Dialect: dialect,
		Query: func(ctx context.Context, query string) ([]string, error) {
			rows, err := conn.Query(ctx, query)
			if err != nil {
				return nil, err
			}
			return pgx.CollectRows(rows, pgx.RowTo[string])
		},
		Open: func(t *testing.T) pipeline.Store {
			s, err := postgres.Open(ctx, postgres.Config{URL: url, Schema: schema, Catalog: nba.Catalog, Now: storetest.UpgradeNow})
			if err != nil {
				t.Fatalf("open the previous release's schema: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		ReadSchema: schemaReader(conn),
	})
}

// restore creates schema from the fixture.
func restore(t *testing.T, url, schema string) {
	t.Helper()
	dump := storetest.ReadFixture(t, upgradeFixture)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// The dump is many statements: only the simple protocol runs them in
	// one call.
	if _, err := conn.PgConn().Exec(ctx, strings.ReplaceAll(string(dump), schemaToken, schema)).ReadAll(); err != nil {
		t.Fatalf("restore %s: %v", upgradeFixture, err)
	}
}

// connect opens a connection whose search_path is schema, closed at
// cleanup (before the schema is dropped).
func connect(t *testing.T, url, schema string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["search_path"] = schema
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// writeUpgradeFixture makes the fixture with the current code in a scratch
// schema and dumps it.
func writeUpgradeFixture(t *testing.T, url string) {
	schema := testdb.NewSchema(t, url)
	s, err := postgres.Open(context.Background(), postgres.Config{URL: url, Schema: schema, Catalog: nba.Catalog, Now: storetest.FixtureNow})
	if err != nil {
		t.Fatal(err)
	}
	storetest.BuildUpgradeFixture(t, s)
	s.Close()
	cmd := exec.Command("pg_dump", "--schema="+schema, "--no-owner", "--no-privileges", "--rows-per-insert=100", "--dbname="+url)
	cmd.Stderr = os.Stderr
	dump, err := cmd.Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	var sql strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(dump))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		if line := sc.Text(); !strings.HasPrefix(line, `\`) { // psql meta-commands (\restrict)
			sql.WriteString(strings.ReplaceAll(line, schema, schemaToken) + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	storetest.WriteFixture(t, upgradeFixture, []byte(sql.String()))
}
