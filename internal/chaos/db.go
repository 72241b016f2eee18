package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/postgres"
	"github.com/statgate/statgate/internal/sqlite"
)

// scratch is a scenario's own database: a SQLite file, or a PostgreSQL
// schema made for it; every instance opens its own handle, as separate
// processes would.
type scratch struct {
	path        string // SQLite
	url, schema string // PostgreSQL
}

func newScratch(dir, url string, seed uint64) scratch {
	if url != "" {
		return scratch{url: url, schema: fmt.Sprintf("chaos_%d_%x", seed, rand.Uint32())}
	}
	return scratch{path: filepath.Join(dir, fmt.Sprintf("chaos-%d.db", seed))}
}

func (db scratch) String() string {
	if db.url != "" {
		return "postgres schema " + db.schema
	}
	return db.path
}

// open opens a handle whose recorded times come from now.
func (db scratch) open(ctx context.Context, now func() time.Time) (pipeline.Store, func(), error) {
	if db.url != "" {
		s, err := postgres.Open(ctx, postgres.Config{URL: db.url, Schema: db.schema, Catalog: nba.Catalog, Now: now})
		if err != nil {
			return nil, nil, err
		}
		return s, func() { s.Close() }, nil
	}
	s, err := sqlite.Open(ctx, sqlite.Config{Path: db.path, Catalog: nba.Catalog, Now: now})
	if err != nil {
		return nil, nil, err
	}
	return s, func() { s.Close() }, nil
}

// drop removes the database.
func (db scratch) drop(ctx context.Context) error {
	if db.url == "" {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(db.path + suffix); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
		return nil
	}
	conn, err := pgx.Connect(ctx, db.url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{db.schema}.Sanitize()+" CASCADE")
	return err
}
