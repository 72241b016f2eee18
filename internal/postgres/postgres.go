// Package postgres is the production Store on PostgreSQL through pgx: a
// connection pool, COPY for bulk writes, snapshot reads, and the schema
// applied from embedded migrations under a session lock, so several statgate
// processes can start against one database at once.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Config configures a Store.
type Config struct {
	// URL is a postgres:// connection string.
	URL string
	// Schema, when set, is created if missing and used as the search_path:
	// tests use a fresh one each.
	Schema  string
	Catalog *pipeline.Catalog
	// KeepVersions is how many earlier versions of an analytics partition
	// keep their content for rollback (0: all).
	KeepVersions int
	// Now is the clock for recorded times (default time.Now).
	Now func() time.Time
	// Logger receives migration output (default: discard).
	Logger *slog.Logger
	// MaxConns bounds the pool (default: pgxpool's default).
	MaxConns int32
}

// Store is the PostgreSQL implementation of pipeline.Store.
type Store struct {
	// Store is every operation written once, over this database.
	*sqlstore.Store
	pool   *pgxpool.Pool
	schema string
	id     string // names this store's notifications
	// db and migrations answer whether the schema is up to date.
	db         *sql.DB
	migrations *sqlstore.Migrations
}

var _ pipeline.Store = (*Store)(nil)

// Open connects, creates the schema when asked and migrates.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Catalog == nil {
		return nil, fmt.Errorf("postgres: no catalog")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if cfg.MaxConns > 0 {
		pc.MaxConns = cfg.MaxConns
	}
	if cfg.Schema != "" {
		if err := createSchema(ctx, pc.ConnConfig, cfg.Schema); err != nil {
			return nil, err
		}
		pc.ConnConfig.RuntimeParams["search_path"] = cfg.Schema
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	s := &Store{pool: pool, schema: cfg.Schema, id: fmt.Sprintf("%d-%x", os.Getpid(), rand.Uint64())}
	s.Store = sqlstore.New(db{s}, sqlstore.Config{Catalog: cfg.Catalog, Now: cfg.Now, KeepVersions: cfg.KeepVersions})
	if err := s.migrate(ctx, cfg.Logger); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

func createSchema(ctx context.Context, cc *pgx.ConnConfig, schema string) error {
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return fmt.Errorf("postgres: connect: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return fmt.Errorf("postgres: create schema %s: %w", schema, err)
	}
	return nil
}

func (s *Store) migrate(ctx context.Context, log *slog.Logger) error {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("postgres: migration lock: %w", err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	// The database handle stays open for Ready, until Close.
	s.db = stdlib.OpenDBFromPool(s.pool)
	m, err := sqlstore.Migrate(ctx, "postgres", goose.DialectPostgres, s.db, sub, log, goose.WithSessionLocker(locker))
	s.migrations = m
	return err
}

// Ready reports whether the database answers and has every migration
// applied (the service's readiness probe).
func (s *Store) Ready(ctx context.Context) error { return s.migrations.Ready(ctx, s.pool.Ping) }

// Close closes the pool.
func (s *Store) Close() error {
	if s.db != nil {
		s.db.Close()
	}
	s.pool.Close()
	return nil
}

// Pool exposes the connection pool to tests that must reach around the
// Store, such as a test acting as an upstream system writing raw rows.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }
