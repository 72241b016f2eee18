package storetest

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
)

// CheckDataMigration keeps a store's generated migration of the data tables
// equal to the Go table declarations, rendered by ddl; with update it
// rewrites the file first. pkg names the store package for the message.
func CheckDataMigration(t *testing.T, pkg, path string, ddl func(*pipeline.Table) string, update bool) {
	t.Helper()
	var b strings.Builder
	b.WriteString("-- Generated from the table declarations in internal/nba by\n")
	b.WriteString("-- `go test ./internal/" + pkg + " -run TestDataTablesMigration -update`. Do not edit.\n\n")
	b.WriteString("-- +goose Up\n")
	tables := nba.Catalog.Tables()
	for _, tb := range tables {
		b.WriteString(ddl(tb))
		b.WriteString("\n")
	}
	b.WriteString("-- +goose Down\n")
	for i := len(tables) - 1; i >= 0; i-- {
		b.WriteString("DROP TABLE " + tables[i].Name + ";\n")
	}
	if update {
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
