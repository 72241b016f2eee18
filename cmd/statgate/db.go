package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/lmittmann/tint"
	"github.com/mattn/go-isatty"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/postgres"
	"github.com/statgate/statgate/internal/sqlite"
)

// defaultDB is the embedded database file in the working directory.
const defaultDB = "statgate.db"

// dbTarget resolves --db, then STATGATE_DB, then the default.
func (c *cli) dbTarget() string {
	if c.db != "" {
		return c.db
	}
	if v := c.getenv("STATGATE_DB"); v != "" {
		return v
	}
	return defaultDB
}

// openStore opens the database named by --db / STATGATE_DB.
func (c *cli) openStore(ctx context.Context) (pipeline.Store, error) {
	target := c.dbTarget()
	log := c.logger()
	switch {
	case strings.HasPrefix(target, "postgres://"), strings.HasPrefix(target, "postgresql://"):
		return postgres.Open(ctx, postgres.Config{URL: target, Catalog: nba.Catalog, Now: c.now, Logger: log, KeepVersions: c.keepVersions})
	case strings.HasPrefix(target, "sqlite:"):
		target = strings.TrimPrefix(target, "sqlite:")
	case strings.Contains(target, "://"):
		return nil, usageError{fmt.Errorf("--db %q: want a file path, sqlite:PATH or postgres://…", target)}
	}
	if target == "" {
		return nil, usageError{fmt.Errorf("--db sqlite: needs a path")}
	}
	return sqlite.Open(ctx, sqlite.Config{Path: target, Catalog: nba.Catalog, Now: c.now, Logger: log, KeepVersions: c.keepVersions})
}

// describeDB names the database for messages without printing credentials.
func (c *cli) describeDB() string {
	target := c.dbTarget()
	if strings.Contains(target, "://") {
		if i := strings.Index(target, "@"); i >= 0 {
			return "postgres://…@" + target[i+1:]
		}
		return target
	}
	return strings.TrimPrefix(target, "sqlite:")
}

// logger logs JSON with a Cloud Logging severity when stderr is not a
// terminal, and colourful text when it is.
func (c *cli) logger() *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		level = slog.LevelWarn
	}
	if f, ok := c.stderr.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		return slog.New(tint.NewHandler(f, &tint.Options{Level: level}))
	}
	return slog.New(slog.NewJSONHandler(c.stderr, &slog.HandlerOptions{Level: level, ReplaceAttr: cloudSeverity}))
}

// cloudSeverity renames slog's level to the "severity" key Cloud Logging reads.
func cloudSeverity(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.LevelKey {
		a.Key = "severity"
		if lvl, ok := a.Value.Any().(slog.Level); ok && lvl == slog.LevelWarn {
			a.Value = slog.StringValue("WARNING")
		}
	}
	return a
}

// nbaTable looks a table up in the catalog.
func nbaTable(name string) *pipeline.Table { return nba.Catalog.Table(name) }
