package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/statgate/statgate/internal/pipeline"
)

const insertEvent = `INSERT INTO quality_events (created_at, table_name, game_date, check_name, severity,
	subject, observed, expected, processor, task_run_id, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`

func insertEvents(ctx context.Context, tx pgx.Tx, events []pipeline.QualityEvent, version int, now time.Time) error {
	if len(events) == 0 {
		return nil
	}
	b := &pgx.Batch{}
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
		b.Queue(insertEvent, e.CreatedAt, e.Table, e.Date.Time(), e.Check, string(e.Severity), e.Subject,
			e.Observed, e.Expected, e.Processor, run, nullInt(e.Version))
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("postgres: record events: %w", err)
	}
	return nil
}

// RecordEvents implements pipeline.Store.
func (s *Store) RecordEvents(ctx context.Context, events []pipeline.QualityEvent) error {
	if len(events) == 0 {
		return nil
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: record events: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if err := insertEvents(ctx, tx, events, 0, s.now().UTC()); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Events implements pipeline.Store.
func (s *Store) Events(ctx context.Context, since time.Time, limit int) ([]pipeline.QualityEvent, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, created_at, table_name, game_date, check_name, severity,
		subject, observed, expected, processor, COALESCE(task_run_id, 0), COALESCE(version, 0)
		FROM quality_events WHERE created_at >= $1 ORDER BY created_at DESC, id DESC LIMIT $2`, since, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: events: %w", err)
	}
	defer rows.Close()
	var out []pipeline.QualityEvent
	for rows.Next() {
		var (
			e    pipeline.QualityEvent
			date time.Time
			sev  string
		)
		if err := rows.Scan(&e.ID, &e.CreatedAt, &e.Table, &date, &e.Check, &sev, &e.Subject, &e.Observed,
			&e.Expected, &e.Processor, &e.RunID, &e.Version); err != nil {
			return nil, fmt.Errorf("postgres: events: %w", err)
		}
		e.Date, e.CreatedAt, e.Severity = pipeline.DateOf(date), e.CreatedAt.UTC(), pipeline.Severity(sev)
		out = append(out, e)
	}
	return out, rows.Err()
}
