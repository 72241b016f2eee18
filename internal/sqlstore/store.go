package sqlstore

import (
	"fmt"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// Store implements the operations of pipeline.Store over a DB. A database
// package embeds it in its own Store, which adds opening, migrating and
// what only that database does.
type Store struct {
	db      DB
	catalog *pipeline.Catalog
	now     func() time.Time
	keep    int
}

// Config configures a Store.
type Config struct {
	Catalog *pipeline.Catalog
	// Now is the clock for recorded times.
	Now func() time.Time
	// KeepVersions is how many earlier versions of an analytics partition
	// keep their content for rollback (0: all).
	KeepVersions int
}

// New returns the operations over db.
func New(db DB, cfg Config) *Store {
	return &Store{db: db, catalog: cfg.Catalog, now: cfg.Now, keep: cfg.KeepVersions}
}

// errorf prefixes an error with the database's name and what failed.
func (s *Store) errorf(what string, err error) error {
	return fmt.Errorf("%s: %s: %w", s.db.Name(), what, err)
}
