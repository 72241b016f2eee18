package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/sqlite"
	"github.com/statgate/statgate/internal/storetest"
	"github.com/statgate/statgate/internal/testdb"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) pipeline.Store { return testdb.SQLite(t) })
}

func TestRetention(t *testing.T) {
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(t.TempDir(), "r.db"), Catalog: nba.Catalog, KeepVersions: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckRetention(t, s)
}
