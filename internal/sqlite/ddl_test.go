package sqlite_test

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/storetest"
	"github.com/statgate/statgate/internal/testdb"
)

// dialect is how this store lays out the data tables (STRICT tables;
// booleans are 0/1 integers, dates 'YYYY-MM-DD' text and timestamps
// fixed-width UTC text, so that text order is time order). SQLite changes a
// column's type or NOT NULL, or a primary key, only by rebuilding the
// table.
var dialect = storetest.Dialect{
	Name: "sqlite", TableSuffix: " STRICT",
	ColumnType: func(t pipeline.Type) string {
		switch t {
		case pipeline.Int, pipeline.Bool:
			return "INTEGER"
		case pipeline.Float:
			return "REAL"
		}
		return "TEXT"
	},
	Zero: func(t pipeline.Type) string {
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
	},
}

func init() {
	dialect.ChangeColumn = func(t *pipeline.Table, _ pipeline.Column) string { return rebuild(t) }
	dialect.ChangeKey = rebuild
}

// rebuild renders the statements that give data table t its declared
// columns and primary key by copying it into a new table.
func rebuild(t *pipeline.Table) string {
	cols := strings.Join(t.ColumnNames(), ", ")
	return dialect.CreateTable(t.Name+"_new", t) +
		fmt.Sprintf("INSERT INTO %s_new (%s) SELECT %s FROM %s;\n", t.Name, cols, cols, t.Name) +
		fmt.Sprintf("DROP TABLE %s;\nALTER TABLE %s_new RENAME TO %s;\n", t.Name, t.Name, t.Name)
}

// TestSchemaMatchesDeclarations is the drift test: the schema every
// migration builds, applied in order to an empty database, is the one the
// Go declarations of the data tables describe. When it fails, add the
// migration it prints; never edit a released one.
func TestSchemaMatchesDeclarations(t *testing.T) {
	s := testdb.SQLite(t)
	storetest.CheckSchema(t, dialect, schemaReader(openDB(t, s.Path())))
}

// TestSchemaDriftIsReported declares changed copies of real tables and
// checks that comparing them with the migrated schema reports each change
// with the statement the next migration needs.
func TestSchemaDriftIsReported(t *testing.T) {
	read := schemaReader(openDB(t, testdb.SQLite(t).Path()))
	storetest.CheckDriftReported(t, dialect, read, map[string]string{
		"new nullable column":       "ALTER TABLE team_offense_game_summary ADD COLUMN drift_probe INTEGER;",
		"new required column":       "ALTER TABLE team_offense_game_summary ADD COLUMN drift_probe TEXT NOT NULL DEFAULT '';",
		"column no longer declared": "ALTER TABLE team_offense_game_summary DROP COLUMN data_source;",
		"new table": "CREATE TABLE drift_probe_days (\n        game_date TEXT NOT NULL,\n        team_abbr TEXT NOT NULL,\n" +
			"        days INTEGER,\n        PRIMARY KEY (game_date, team_abbr)\n    ) STRICT;",
		"changed type": "column team_offense_game_summary.pace is REAL NOT NULL in the migrated table but declared INTEGER NOT NULL",
		"changed key":  "ALTER TABLE team_offense_game_summary_new RENAME TO team_offense_game_summary;",
	})
}

// openDB opens the database file at path beside any store that has it
// open. It keeps no idle connection, so that a store opening the file
// afterwards can switch it to WAL.
func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxIdleConns(0)
	t.Cleanup(func() { db.Close() })
	return db
}

// schemaReader reads a table's columns and primary key as SQLite reports
// them; table_xinfo lists generated columns too.
func schemaReader(db *sql.DB) func(table string) (*storetest.TableSchema, error) {
	return func(table string) (*storetest.TableSchema, error) {
		rows, err := db.Query(`SELECT name, type, "notnull", pk FROM pragma_table_xinfo(?) ORDER BY cid`, table)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var ts storetest.TableSchema
		key := map[int]string{}
		for rows.Next() {
			var c storetest.ColumnSchema
			var pk int
			if err := rows.Scan(&c.Name, &c.Type, &c.NotNull, &pk); err != nil {
				return nil, err
			}
			ts.Columns = append(ts.Columns, c)
			if pk > 0 {
				key[pk] = c.Name
			}
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(ts.Columns) == 0 {
			return nil, nil
		}
		for i := 1; i <= len(key); i++ {
			name, ok := key[i]
			if !ok {
				return nil, fmt.Errorf("%s: primary key has no column %d", table, i)
			}
			ts.PrimaryKey = append(ts.PrimaryKey, name)
		}
		return &ts, nil
	}
}
