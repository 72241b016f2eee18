// Package sqlite is the embedded Store: pure-Go SQLite (modernc.org/sqlite)
// in WAL mode, one writer connection and a small pool of readers, with the
// schema applied from embedded migrations at open.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Config configures a Store.
type Config struct {
	// Path is the database file; it is created when missing.
	Path string
	// Catalog lists the tables the store reads and writes.
	Catalog *pipeline.Catalog
	// KeepVersions is how many earlier versions of an analytics partition
	// keep their content for rollback (0: all).
	KeepVersions int
	// Now is the clock for recorded times (default time.Now).
	Now func() time.Time
	// Logger receives migration output (default: discard).
	Logger *slog.Logger
	// Readers is the size of the read pool (default 4).
	Readers int
}

// Store is the SQLite implementation of pipeline.Store.
type Store struct {
	// Store is every operation written once, over this database.
	*sqlstore.Store
	write *sql.DB // exactly one connection: SQLite has one writer
	read  *sql.DB
	stmts statements
	path  string
	// migrations answers whether the schema is up to date.
	migrations *sqlstore.Migrations
}

var _ pipeline.Store = (*Store)(nil)

func dsn(path string, txlock string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", txlock)
	return "file:" + uriPath.Replace(path) + "?" + q.Encode()
}

// uriPath escapes what a SQLite URI filename would otherwise read as the
// start of its query or fragment, so that a file named "a#1.db" is that
// file and not "a".
var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// Open opens (creating if needed) the database at cfg.Path and migrates it.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Path == "" {
		return nil, fmt.Errorf("sqlite: empty path")
	}
	if cfg.Catalog == nil {
		return nil, fmt.Errorf("sqlite: no catalog")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Readers <= 0 {
		cfg.Readers = 4
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	// Writers take the lock at BEGIN (immediate) so two writers never
	// deadlock upgrading a read lock; readers begin deferred and see a
	// snapshot, which is what makes a partition read consistent.
	w, err := sql.Open("sqlite", dsn(cfg.Path, "immediate"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", cfg.Path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s := &Store{write: w, path: cfg.Path}
	s.Store = sqlstore.New(db{s}, sqlstore.Config{Catalog: cfg.Catalog, Now: cfg.Now, KeepVersions: cfg.KeepVersions})
	if err := s.migrate(ctx, cfg.Logger); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn(cfg.Path, "deferred"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", cfg.Path, err)
	}
	r.SetMaxOpenConns(cfg.Readers)
	r.SetMaxIdleConns(cfg.Readers)
	s.read = r
	return s, nil
}

func (s *Store) migrate(ctx context.Context, log *slog.Logger) error {
	m, err := sqlstore.Migrate(ctx, "sqlite", goose.DialectSQLite3, s.write, mustSub(migrations, "migrations"), log)
	s.migrations = m
	return err
}

// Ready reports whether the database answers and has every migration
// applied (the service's readiness probe).
func (s *Store) Ready(ctx context.Context) error { return s.migrations.Ready(ctx, s.read.PingContext) }

// Path is the database file, for tools that open it themselves (an
// upstream system writing raw rows, in tests).
func (s *Store) Path() string { return s.path }

// Close closes both connection pools.
func (s *Store) Close() error {
	s.stmts.close()
	err := s.write.Close()
	if s.read != nil {
		if rerr := s.read.Close(); err == nil {
			err = rerr
		}
	}
	return err
}
