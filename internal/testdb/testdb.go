// Package testdb opens real, empty, migrated stores for tests: SQLite in a
// temporary directory, and PostgreSQL in a fresh schema of the database named
// by STATGATE_TEST_POSTGRES (skipping loudly when it is unset).
package testdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/postgres"
	"github.com/statgate/statgate/internal/sqlite"
)

// PostgresEnv names the variable holding the test database URL.
const PostgresEnv = "STATGATE_TEST_POSTGRES"

// Option changes how a test store is opened.
type Option func(*options)

type options struct{ now func() time.Time }

// Clock makes the store record times from now instead of the wall clock,
// so that the times it records agree with an engine's injected clock.
func Clock(now func() time.Time) Option { return func(o *options) { o.now = now } }

func apply(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return o
}

// SQLite opens a store in a new file under tb.TempDir(), closed at cleanup.
func SQLite(tb testing.TB, opts ...Option) *sqlite.Store {
	tb.Helper()
	o := apply(opts)
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(tb.TempDir(), "statgate.db"), Catalog: nba.Catalog, Now: o.now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

var schemaSeq atomic.Int64

// PostgresURL returns the test database URL or skips tb with the reason.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	url := os.Getenv(PostgresEnv)
	if url == "" {
		tb.Skip("SKIPPED: PostgreSQL tests need " + PostgresEnv + " (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return url
}

// NewSchema returns a schema name no other test uses, dropped at cleanup.
func NewSchema(tb testing.TB, url string) string {
	tb.Helper()
	schema := fmt.Sprintf("statgate_test_%d_%d", time.Now().UnixNano(), schemaSeq.Add(1))
	tb.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			tb.Logf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			tb.Logf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// Postgres opens a store in a fresh schema, closed and dropped at cleanup.
func Postgres(tb testing.TB, opts ...Option) *postgres.Store {
	tb.Helper()
	o := apply(opts)
	url := PostgresURL(tb)
	schema := NewSchema(tb, url)
	s, err := postgres.Open(context.Background(), postgres.Config{URL: url, Schema: schema, Catalog: nba.Catalog, Now: o.now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() }) // runs before the schema is dropped
	return s
}

// Each runs fn as a subtest against every store: sqlite, then postgres.
func Each(t *testing.T, fn func(t *testing.T, s pipeline.Store), opts ...Option) {
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t, opts...)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t, opts...)) })
}
