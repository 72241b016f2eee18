package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
)

// Migrations are a store's embedded, append-only schema migrations.
type Migrations struct {
	name string
	p    *goose.Provider
}

// Migrate applies every migration of fsys that db has not applied yet.
func Migrate(ctx context.Context, name string, dialect goose.Dialect, db *sql.DB, fsys fs.FS, log *slog.Logger,
	opts ...goose.ProviderOption) (*Migrations, error) {
	opts = append([]goose.ProviderOption{goose.WithSlog(log), goose.WithDisableGlobalRegistry(true)}, opts...)
	p, err := goose.NewProvider(dialect, db, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: migrations: %w", name, err)
	}
	if _, err := p.Up(ctx); err != nil {
		return nil, fmt.Errorf("%s: migrate: %w", name, err)
	}
	return &Migrations{name: name, p: p}, nil
}

// Ready reports whether the database answers (ping) and has every migration
// applied: the service's readiness probe.
func (m *Migrations) Ready(ctx context.Context, ping func(context.Context) error) error {
	if err := ping(ctx); err != nil {
		return fmt.Errorf("%s: %w", m.name, err)
	}
	pending, err := m.p.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("%s: migration status: %w", m.name, err)
	}
	if pending {
		return fmt.Errorf("%s: migrations pending", m.name)
	}
	return nil
}
