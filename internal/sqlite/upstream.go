package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/statgate/statgate/internal/pipeline"
)

// WriteUpstream replaces the rows of raw table t on the given dates the way
// an upstream system does (SPEC §3): on a connection of its own, in one
// transaction, recording no version and no trigger. The store sees the
// rows only once they are announced. Tests and the chaos suite use it to
// play Phase 2; nothing in the pipeline calls it.
func (s *Store) WriteUpstream(ctx context.Context, t *pipeline.Table, dates []pipeline.Date, rows []pipeline.Row) error {
	db, err := sql.Open("sqlite", dsn(s.path, "immediate"))
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
	ins := "INSERT INTO " + t.Name + " (" + strings.Join(t.ColumnNames(), ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(t.Columns)), ", ") + ")"
	args := make([]any, len(t.Columns))
	for _, r := range rows {
		for i, v := range r {
			args[i] = toDB(v)
		}
		if _, err := tx.ExecContext(ctx, ins, args...); err != nil {
			return err
		}
	}
	return tx.Commit()
}
