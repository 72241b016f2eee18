package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/postgres"
	"github.com/statgate/statgate/internal/sqlite"
)

// WriteDirect replaces the rows of raw partition (t, d) the way an upstream
// system does (SPEC §3): on its own connection, in one transaction, with no
// version and no trigger. The store sees the rows only once they are
// announced.
func WriteDirect(tb testing.TB, s pipeline.Store, t *pipeline.Table, d pipeline.Date, rows []pipeline.Row) {
	tb.Helper()
	if err := writeDirect(context.Background(), s, t, []pipeline.Date{d}, rows); err != nil {
		tb.Fatalf("write %s %s directly: %v", t.Name, d, err)
	}
}

// WriteDirectDates is WriteDirect for many dates in one transaction: the
// rows of every date in rows are replaced.
func WriteDirectDates(tb testing.TB, s pipeline.Store, t *pipeline.Table, rows []pipeline.Row) {
	tb.Helper()
	seen := map[pipeline.Date]bool{}
	var dates []pipeline.Date
	for _, r := range rows {
		if d := r[t.DateIndex()].(pipeline.Date); !seen[d] {
			seen[d] = true
			dates = append(dates, d)
		}
	}
	if err := writeDirect(context.Background(), s, t, dates, rows); err != nil {
		tb.Fatalf("write %s directly: %v", t.Name, err)
	}
}

func writeDirect(ctx context.Context, s pipeline.Store, t *pipeline.Table, dates []pipeline.Date, rows []pipeline.Row) error {
	cols := strings.Join(t.ColumnNames(), ", ")
	switch s := s.(type) {
	case *sqlite.Store:
		db, err := sql.Open("sqlite", "file:"+s.Path()+"?_pragma=busy_timeout(10000)&_txlock=immediate")
		if err != nil {
			return err
		}
		defer db.Close()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback() //nolint:errcheck // a no-op after Commit
		for _, d := range dates {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+t.Name+" WHERE game_date = ?", d.String()); err != nil {
				return err
			}
		}
		ins := "INSERT INTO " + t.Name + " (" + cols + ") VALUES (" + strings.TrimSuffix(strings.Repeat("?, ", len(t.Columns)), ", ") + ")"
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, ins, sqliteValues(r)...); err != nil {
				return err
			}
		}
		return tx.Commit()
	case *postgres.Store:
		tx, err := s.Pool().Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
		for _, d := range dates {
			if _, err := tx.Exec(ctx, "DELETE FROM "+t.Name+" WHERE game_date = $1", d.Time()); err != nil {
				return err
			}
		}
		marks := make([]string, len(t.Columns))
		for i := range marks {
			marks[i] = fmt.Sprintf("$%d", i+1)
		}
		ins := "INSERT INTO " + t.Name + " (" + cols + ") VALUES (" + strings.Join(marks, ", ") + ")"
		for _, r := range rows {
			vals := make([]any, len(r))
			for i, v := range r {
				if dv, ok := v.(pipeline.Date); ok {
					v = dv.Time()
				}
				vals[i] = v
			}
			if _, err := tx.Exec(ctx, ins, vals...); err != nil {
				return err
			}
		}
		return tx.Commit(ctx)
	}
	return fmt.Errorf("no direct writer for %T", s)
}

// sqliteValues converts a row the way the SQLite store stores it.
func sqliteValues(r pipeline.Row) []any {
	out := make([]any, len(r))
	for i, v := range r {
		switch x := v.(type) {
		case bool:
			out[i] = map[bool]int64{false: 0, true: 1}[x]
		case pipeline.Date:
			out[i] = x.String()
		case time.Time:
			out[i] = x.UTC().Format("2006-01-02T15:04:05.000000Z")
		default:
			out[i] = v
		}
	}
	return out
}
