package postgres

import (
	"fmt"
	"strings"

	"github.com/statgate/statgate/internal/pipeline"
)

// The data tables are created and changed by numbered migrations, never by
// regenerating a released one (see migrations/README.md). What follows is
// how a Go table declaration is laid out in PostgreSQL: the drift test
// compares the migrated schema with it and, where they differ, prints these
// statements for the next migration to hold.

// ColumnType maps a column type to its PostgreSQL type, spelled as
// information_schema.columns reports it (upper-cased), so that the drift
// test compares names, not aliases.
func ColumnType(t pipeline.Type) string {
	switch t {
	case pipeline.Int:
		return "BIGINT"
	case pipeline.Float:
		return "DOUBLE PRECISION"
	case pipeline.Bool:
		return "BOOLEAN"
	case pipeline.DateType:
		return "DATE"
	case pipeline.Timestamp:
		return "TIMESTAMP WITH TIME ZONE"
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
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (\n", t.Name)
	for _, c := range t.Columns {
		fmt.Fprintf(&b, "    %s,\n", columnDef(c))
	}
	fmt.Fprintf(&b, "    PRIMARY KEY (%s)\n);\n", strings.Join(PrimaryKey(t), ", "))
	return b.String()
}

func columnDef(c pipeline.Column) string {
	if c.Required {
		return c.Name + " " + ColumnType(c.Type) + " NOT NULL"
	}
	return c.Name + " " + ColumnType(c.Type)
}

// AddColumnDDL renders the statement that adds column c to data table t.
// A NOT NULL column needs a default for the rows already there; the zero
// of the column's type is suggested, to be replaced by the value those rows
// should hold.
func AddColumnDDL(t *pipeline.Table, c pipeline.Column) string {
	def := ""
	if c.Required {
		def = " DEFAULT " + zero(c.Type)
	}
	return fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s%s;\n", t.Name, columnDef(c), def)
}

func zero(t pipeline.Type) string {
	switch t {
	case pipeline.Int, pipeline.Float:
		return "0"
	case pipeline.Bool:
		return "FALSE"
	case pipeline.DateType:
		return "DATE '1970-01-01'"
	case pipeline.Timestamp:
		return "TIMESTAMPTZ '1970-01-01 00:00:00+00'"
	}
	return "''"
}

// AlterColumnDDL renders the statement that gives existing column c of
// data table t its declared type and NOT NULL.
func AlterColumnDDL(t *pipeline.Table, c pipeline.Column) string {
	typ := ColumnType(c.Type)
	null := "DROP NOT NULL"
	if c.Required {
		null = "SET NOT NULL"
	}
	return fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::%s, ALTER COLUMN %s %s;\n",
		t.Name, c.Name, typ, c.Name, typ, c.Name, null)
}

// AlterKeyDDL renders the statement that gives data table t its declared
// primary key (the constraint under PostgreSQL's default name).
func AlterKeyDDL(t *pipeline.Table) string {
	return fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT %s_pkey, ADD PRIMARY KEY (%s);\n",
		t.Name, t.Name, strings.Join(PrimaryKey(t), ", "))
}
