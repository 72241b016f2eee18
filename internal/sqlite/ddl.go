package sqlite

import (
	"fmt"
	"strings"

	"github.com/statgate/statgate/internal/pipeline"
)

// sqlType maps a column type to its STRICT SQLite storage type. Booleans are
// 0/1 integers, dates 'YYYY-MM-DD' text and timestamps fixed-width UTC text,
// so that text order is time order.
func sqlType(t pipeline.Type) string {
	switch t {
	case pipeline.Int, pipeline.Bool:
		return "INTEGER"
	case pipeline.Float:
		return "REAL"
	}
	return "TEXT"
}

// TableDDL renders the CREATE TABLE statement of a data table. The embedded
// migration holding the data tables is generated from it (see the test), so
// the schema cannot drift from the Go declarations.
func TableDDL(t *pipeline.Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (\n", t.Name)
	for _, c := range t.Columns {
		null := ""
		if c.Required {
			null = " NOT NULL"
		}
		fmt.Fprintf(&b, "    %s %s%s,\n", c.Name, sqlType(c.Type), null)
	}
	fmt.Fprintf(&b, "    PRIMARY KEY (%s)\n) STRICT;\n", strings.Join(partitionKey(t), ", "))
	return b.String()
}

// partitionKey leads with game_date so that replacing a partition is a
// range delete on the primary key.
func partitionKey(t *pipeline.Table) []string {
	key := []string{pipeline.PartitionColumn}
	for _, k := range t.Key {
		if k != pipeline.PartitionColumn {
			key = append(key, k)
		}
	}
	return key
}
