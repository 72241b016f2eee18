package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/storetest"
	"github.com/statgate/statgate/internal/testdb"
)

// dialect is how this store lays out the data tables.
var dialect = storetest.Dialect{
	Name: "postgres",
	// Spelled as information_schema.columns reports them.
	ColumnType: func(t pipeline.Type) string {
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
	},
	Zero: func(t pipeline.Type) string {
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
	},
}

func init() {
	dialect.ChangeColumn = func(t *pipeline.Table, c pipeline.Column) string {
		typ := dialect.ColumnType(c.Type)
		null := "DROP NOT NULL"
		if c.Required {
			null = "SET NOT NULL"
		}
		return fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::%s, ALTER COLUMN %s %s;\n",
			t.Name, c.Name, typ, c.Name, typ, c.Name, null)
	}
	// The key constraint has PostgreSQL's default name.
	dialect.ChangeKey = func(t *pipeline.Table) string {
		return fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT %s_pkey, ADD PRIMARY KEY (%s);\n",
			t.Name, t.Name, strings.Join(storetest.PrimaryKey(t), ", "))
	}
}

// TestSchemaMatchesDeclarations is the drift test: the schema every
// migration builds, applied in order to an empty schema, is the one the Go
// declarations of the data tables describe. When it fails, add the
// migration it prints; never edit a released one.
func TestSchemaMatchesDeclarations(t *testing.T) {
	s := testdb.Postgres(t)
	storetest.CheckSchema(t, dialect, schemaReader(s.Pool()))
}

// TestSchemaDriftIsReported declares changed copies of real tables and
// checks that comparing them with the migrated schema reports each change
// with the statement the next migration needs.
func TestSchemaDriftIsReported(t *testing.T) {
	read := schemaReader(testdb.Postgres(t).Pool())
	storetest.CheckDriftReported(t, dialect, read, map[string]string{
		"new nullable column":       "ALTER TABLE team_offense_game_summary ADD COLUMN drift_probe BIGINT;",
		"new required column":       "ALTER TABLE team_offense_game_summary ADD COLUMN drift_probe TEXT NOT NULL DEFAULT '';",
		"column no longer declared": "ALTER TABLE team_offense_game_summary DROP COLUMN data_source;",
		"new table": "CREATE TABLE drift_probe_days (\n        game_date DATE NOT NULL,\n        team_abbr TEXT NOT NULL,\n" +
			"        days BIGINT,\n        PRIMARY KEY (game_date, team_abbr)\n    );",
		"changed type": "ALTER TABLE team_offense_game_summary ALTER COLUMN pace TYPE BIGINT USING pace::BIGINT, ALTER COLUMN pace SET NOT NULL;",
		"changed key":  "ALTER TABLE team_offense_game_summary DROP CONSTRAINT team_offense_game_summary_pkey, ADD PRIMARY KEY (game_date, game_id);",
	})
}

// querier is a pool or a connection whose search_path is the store's
// schema.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// schemaReader reads a table's columns and primary key as
// information_schema reports them, in the current schema.
func schemaReader(q querier) func(table string) (*storetest.TableSchema, error) {
	return func(table string) (*storetest.TableSchema, error) {
		ctx := context.Background()
		rows, err := q.Query(ctx, `SELECT column_name, upper(data_type), is_nullable = 'NO'
			FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
		if err != nil {
			return nil, err
		}
		cols, err := pgx.CollectRows(rows, pgx.RowToStructByPos[storetest.ColumnSchema])
		if err != nil || len(cols) == 0 {
			return nil, err
		}
		rows, err = q.Query(ctx, `SELECT k.column_name
			FROM information_schema.table_constraints c
			JOIN information_schema.key_column_usage k ON k.constraint_schema = c.constraint_schema
				AND k.constraint_name = c.constraint_name AND k.table_name = c.table_name
			WHERE c.table_schema = current_schema() AND c.table_name = $1 AND c.constraint_type = 'PRIMARY KEY'
			ORDER BY k.ordinal_position`, table)
		if err != nil {
			return nil, err
		}
		key, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, err
		}
		return &storetest.TableSchema{Columns: cols, PrimaryKey: key}, nil
	}
}
