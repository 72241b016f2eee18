package sqlite

import (
	"fmt"
	"strings"

	"github.com/statgate/statgate/internal/pipeline"
)

// The data tables are created and changed by numbered migrations, never by
// regenerating a released one (see migrations/README.md). What follows is
// how a Go table declaration is laid out in SQLite: the drift test compares
// the migrated schema with it and, where they differ, prints these
// statements for the next migration to hold.

// ColumnType maps a column type to its STRICT SQLite storage type, as
// PRAGMA table_info reports it. Booleans are 0/1 integers, dates
// 'YYYY-MM-DD' text and timestamps fixed-width UTC text, so that text order
// is time order.
func ColumnType(t pipeline.Type) string {
	switch t {
	case pipeline.Int, pipeline.Bool:
		return "INTEGER"
	case pipeline.Float:
		return "REAL"
	}
	return "TEXT"
}

// PrimaryKey is the primary key of a data table. It leads with game_date so
// that replacing a partition is a range delete on the primary key.
func PrimaryKey(t *pipeline.Table) []string {
	key := []string{pipeline.PartitionColumn}
	for _, k := range t.Key {
		if k != pipeline.PartitionColumn {
			key = append(key, k)
		}
	}
	return key
}

// TableDDL renders the CREATE TABLE statement of a data table, for the
// migration that adds it.
func TableDDL(t *pipeline.Table) string {
	return createTable(t.Name, t)
}

func createTable(name string, t *pipeline.Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (\n", name)
	for _, c := range t.Columns {
		fmt.Fprintf(&b, "    %s,\n", columnDef(c))
	}
	fmt.Fprintf(&b, "    PRIMARY KEY (%s)\n) STRICT;\n", strings.Join(PrimaryKey(t), ", "))
	return b.String()
}

func columnDef(c pipeline.Column) string {
	if c.Required {
		return c.Name + " " + ColumnType(c.Type) + " NOT NULL"
	}
	return c.Name + " " + ColumnType(c.Type)
}

// AddColumnDDL renders the statement that adds column c to data table t.
// SQLite adds a NOT NULL column only with a default for the rows already
// there; the zero of the column's type is suggested, to be replaced by the
// value those rows should hold.
func AddColumnDDL(t *pipeline.Table, c pipeline.Column) string {
	def := ""
	if c.Required {
		def = " DEFAULT " + zero(c.Type)
	}
	return fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s%s;\n", t.Name, columnDef(c), def)
}

func zero(t pipeline.Type) string {
	switch t {
	case pipeline.Int, pipeline.Bool:
		return "0"
	case pipeline.Float:
		return "0.0"
	case pipeline.DateType:
		return "'1970-01-01'"
	case pipeline.Timestamp:
		return "'1970-01-01T00:00:00.000000Z'"
	}
	return "''"
}

// RebuildDDL renders the statements that give data table t its declared
// columns and primary key when only a rebuild can: SQLite changes neither
// a column's type or NOT NULL nor a primary key in place.
func RebuildDDL(t *pipeline.Table) string {
	cols := strings.Join(t.ColumnNames(), ", ")
	return createTable(t.Name+"_new", t) +
		fmt.Sprintf("INSERT INTO %s_new (%s) SELECT %s FROM %s;\n", t.Name, cols, cols, t.Name) +
		fmt.Sprintf("DROP TABLE %s;\nALTER TABLE %s_new RENAME TO %s;\n", t.Name, t.Name, t.Name)
}
