package postgres

import (
	"fmt"
	"strings"

	"github.com/statgate/statgate/internal/pipeline"
)

func sqlType(t pipeline.Type) string {
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
		return "TIMESTAMPTZ"
	}
	return "TEXT"
}

// TableDDL renders the CREATE TABLE statement of a data table; the embedded
// migration of the data tables is generated from it (see the test).
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
	key := []string{pipeline.PartitionColumn}
	for _, k := range t.Key {
		if k != pipeline.PartitionColumn {
			key = append(key, k)
		}
	}
	fmt.Fprintf(&b, "    PRIMARY KEY (%s)\n);\n", strings.Join(key, ", "))
	return b.String()
}
