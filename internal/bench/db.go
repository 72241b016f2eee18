package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/jackc/pgx/v5"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/postgres"
	"github.com/statgate/statgate/internal/sqlite"
)

// store is what the benchmark needs of a database's store.
type store interface {
	pipeline.Store
	BulkInsert(ctx context.Context, tables []*pipeline.Table, rows map[string][]pipeline.Row) error
	WriteUpstream(ctx context.Context, t *pipeline.Table, dates []pipeline.Date, rows []pipeline.Row) error
	Close() error
}

// database makes fresh, empty, migrated databases of one kind.
type database interface {
	name() string
	// multiProcess says whether several processes can share it (and wake
	// each other).
	multiProcess() bool
	// open creates a database and opens a store on it; drop closes every
	// store opened on it and removes it.
	open(ctx context.Context, label string) (s store, drop func(), err error)
	// reopen opens another store (another pool, as another process would)
	// on the database s was opened on.
	reopen(ctx context.Context, s store) (store, error)
	// counters reads the database's committed transactions and WAL
	// flushes so far (zeros when it has none to tell).
	counters(ctx context.Context) (commits, flushes int64, err error)
}

type sqliteDB struct{ dir string }

func (sqliteDB) name() string       { return "sqlite" }
func (sqliteDB) multiProcess() bool { return false }

func (db sqliteDB) open(ctx context.Context, label string) (store, func(), error) {
	path := scratchPath(db.dir, label)
	s, err := sqlite.Open(ctx, sqlite.Config{Path: path, Catalog: nba.Catalog})
	if err != nil {
		return nil, nil, err
	}
	return s, func() {
		s.Close()
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(path + suffix)
		}
	}, nil
}

func (sqliteDB) reopen(context.Context, store) (store, error) {
	return nil, fmt.Errorf("sqlite: one process per database")
}

func (sqliteDB) counters(context.Context) (int64, int64, error) { return 0, 0, nil }

type postgresDB struct{ url string }

func (postgresDB) name() string       { return "postgres" }
func (postgresDB) multiProcess() bool { return true }

// schemaOf remembers the schema each open store uses, for reopen.
type pgStore struct {
	*postgres.Store
	schema string
}

func (db postgresDB) open(ctx context.Context, label string) (store, func(), error) {
	schema := fmt.Sprintf("statgate_bench_%s_%x", label, rand.Uint32())
	s, err := postgres.Open(ctx, postgres.Config{URL: db.url, Schema: schema, Catalog: nba.Catalog})
	if err != nil {
		return nil, nil, err
	}
	return pgStore{s, schema}, func() {
		s.Close()
		conn, err := pgx.Connect(context.Background(), db.url)
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE") //nolint:errcheck // best effort
	}, nil
}

func (db postgresDB) reopen(ctx context.Context, s store) (store, error) {
	schema := s.(pgStore).schema
	o, err := postgres.Open(ctx, postgres.Config{URL: db.url, Schema: schema, Catalog: nba.Catalog})
	if err != nil {
		return nil, err
	}
	return pgStore{o, schema}, nil
}

// counters reads the cluster's commit and WAL sync counts. Other
// backends' counts reach the statistics when they next go idle; the
// caller waits a moment before reading.
func (db postgresDB) counters(ctx context.Context) (commits, flushes int64, err error) {
	conn, err := pgx.Connect(ctx, db.url)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_stat_clear_snapshot()"); err != nil {
		return 0, 0, err
	}
	err = conn.QueryRow(ctx, `SELECT (SELECT sum(xact_commit) FROM pg_stat_database)::bigint,
		(SELECT wal_sync FROM pg_stat_wal)::bigint`).Scan(&commits, &flushes)
	return commits, flushes, err
}
