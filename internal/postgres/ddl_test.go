package postgres_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/postgres"
)

var update = flag.Bool("update", false, "rewrite generated migrations")

// TestDataTablesMigration keeps the embedded migration of the data tables
// equal to the Go table declarations; -update regenerates it.
func TestDataTablesMigration(t *testing.T) {
	var b strings.Builder
	b.WriteString("-- Generated from the table declarations in internal/nba by\n")
	b.WriteString("-- `go test ./internal/postgres -run TestDataTablesMigration -update`. Do not edit.\n\n")
	b.WriteString("-- +goose Up\n")
	for _, tb := range nba.Catalog.Tables() {
		b.WriteString(postgres.TableDDL(tb))
		b.WriteString("\n")
	}
	b.WriteString("-- +goose Down\n")
	tables := nba.Catalog.Tables()
	for i := len(tables) - 1; i >= 0; i-- {
		b.WriteString("DROP TABLE " + tables[i].Name + ";\n")
	}
	const path = "migrations/00002_tables.sql"
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(b.String(), string(got)); diff != "" {
		t.Errorf("%s is out of date with the table declarations (run with -update) (-want +got):\n%s", path, diff)
	}
}
