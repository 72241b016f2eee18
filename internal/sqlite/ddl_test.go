package sqlite_test

import (
	"flag"
	"testing"

	"github.com/statgate/statgate/internal/sqlite"
	"github.com/statgate/statgate/internal/storetest"
)

var update = flag.Bool("update", false, "rewrite generated migrations")

// TestDataTablesMigration keeps the embedded migration of the data tables
// equal to the Go table declarations; -update regenerates it.
func TestDataTablesMigration(t *testing.T) {
	storetest.CheckDataMigration(t, "sqlite", "migrations/00002_tables.sql", sqlite.TableDDL, *update)
}
