package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

const insertEvent = `INSERT INTO quality_events (created_at, table_name, game_date, check_name, severity,
	subject, observed, expected, processor, task_run_id, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func insertEvents(ctx context.Context, tx *txq, events []pipeline.QualityEvent, version int, now time.Time) error {
	for _, e := range events {
		if version > 0 {
			e.Version = version
		}
		if e.CreatedAt.IsZero() {
			e.CreatedAt = now
		}
		var run any
		if e.RunID != 0 {
			run = e.RunID
		}
		if _, err := tx.ExecContext(ctx, insertEvent, micros(e.CreatedAt), e.Table, e.Date.String(), e.Check,
			string(e.Severity), e.Subject, e.Observed, e.Expected, e.Processor, run, nullInt(e.Version)); err != nil {
			return fmt.Errorf("sqlite: record event: %w", err)
		}
	}
	return nil
}

// RecordEvents implements pipeline.Store.
func (s *Store) RecordEvents(ctx context.Context, events []pipeline.QualityEvent) error {
	if len(events) == 0 {
		return nil
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: record events: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	q := s.newTxq(tx)
	if err := insertEvents(ctx, q, events, 0, s.now().UTC()); err != nil {
		return err
	}
	return q.commit(ctx)
}

// Events implements pipeline.Store.
func (s *Store) Events(ctx context.Context, since time.Time, limit int) ([]pipeline.QualityEvent, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, created_at, table_name, game_date, check_name, severity,
		subject, observed, expected, processor, COALESCE(task_run_id, 0), COALESCE(version, 0)
		FROM quality_events WHERE created_at >= ? ORDER BY created_at DESC, id DESC LIMIT ?`, micros(since), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: events: %w", err)
	}
	defer rows.Close()
	var out []pipeline.QualityEvent
	for rows.Next() {
		var (
			e       pipeline.QualityEvent
			created int64
			date    string
			sev     string
		)
		if err := rows.Scan(&e.ID, &created, &e.Table, &date, &e.Check, &sev, &e.Subject, &e.Observed,
			&e.Expected, &e.Processor, &e.RunID, &e.Version); err != nil {
			return nil, fmt.Errorf("sqlite: events: %w", err)
		}
		if e.Date, err = pipeline.ParseDate(date); err != nil {
			return nil, err
		}
		e.CreatedAt, e.Severity = fromMicros(created), pipeline.Severity(sev)
		out = append(out, e)
	}
	return out, rows.Err()
}
