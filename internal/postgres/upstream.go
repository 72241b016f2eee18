package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/statgate/statgate/internal/pipeline"
)

// WriteUpstream replaces the rows of raw table t on the given dates the way
// an upstream system does (SPEC §3): in one transaction of its own,
// recording no version and no trigger. The store sees the rows only once
// they are announced. Tests and the chaos suite use it to play Phase 2;
// nothing in the pipeline calls it.
func (s *Store) WriteUpstream(ctx context.Context, t *pipeline.Table, dates []pipeline.Date, rows []pipeline.Row) error {
	tx, err := s.pool.Begin(ctx)
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
	ins := "INSERT INTO " + t.Name + " (" + strings.Join(t.ColumnNames(), ", ") + ") VALUES (" + strings.Join(marks, ", ") + ")"
	vals := make([]any, len(t.Columns))
	for _, r := range rows {
		for i, v := range r {
			vals[i] = toDB(v)
		}
		if _, err := tx.Exec(ctx, ins, vals...); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}
