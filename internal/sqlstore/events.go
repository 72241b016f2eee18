package sqlstore

import (
	"context"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

const insertEvent = `INSERT INTO quality_events (created_at, table_name, game_date, check_name, severity,
	subject, observed, expected, processor, task_run_id, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// InsertEvents records quality events in tx; version, when not 0, is the
// partition version they belong to, and now the time of those without one.
func InsertEvents(ctx context.Context, tx Tx, events []pipeline.QualityEvent, version int, now time.Time) error {
	vs := make([][]any, 0, len(events))
	for _, e := range events {
		if version > 0 {
			e.Version = version
		}
		if e.CreatedAt.IsZero() {
			e.CreatedAt = now
		}
		vs = append(vs, []any{e.CreatedAt, e.Table, e.Date, e.Check, string(e.Severity), e.Subject,
			e.Observed, e.Expected, e.Processor, NullID(e.RunID), NullInt(e.Version)})
	}
	return tx.ExecMany(ctx, insertEvent, vs)
}

// RecordEvents implements pipeline.Store.
func (s *Store) RecordEvents(ctx context.Context, events []pipeline.QualityEvent) error {
	if len(events) == 0 {
		return nil
	}
	err := s.db.Write(ctx, func(tx Tx) error { return InsertEvents(ctx, tx, events, 0, s.now().UTC()) })
	if err != nil {
		return s.errorf("record events", err)
	}
	return nil
}

// Events implements pipeline.Store.
func (s *Store) Events(ctx context.Context, since time.Time, limit int) ([]pipeline.QualityEvent, error) {
	rows, err := s.db.Query(ctx, `SELECT id, created_at, table_name, game_date, check_name, severity,
		subject, observed, expected, processor, COALESCE(task_run_id, 0), COALESCE(version, 0)
		FROM quality_events WHERE created_at >= ? ORDER BY created_at DESC, id DESC LIMIT ?`, since, limit)
	if err != nil {
		return nil, s.errorf("events", err)
	}
	defer rows.Close()
	var out []pipeline.QualityEvent
	for rows.Next() {
		var (
			e   pipeline.QualityEvent
			sev string
		)
		if err := rows.Scan(&e.ID, &e.CreatedAt, &e.Table, &e.Date, &e.Check, &sev, &e.Subject, &e.Observed,
			&e.Expected, &e.Processor, &e.RunID, &e.Version); err != nil {
			return nil, s.errorf("events", err)
		}
		e.Severity = pipeline.Severity(sev)
		out = append(out, e)
	}
	return out, rows.Err()
}
