package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// Circuits implements pipeline.Store.
func (s *Store) Circuits(ctx context.Context) ([]pipeline.Circuit, error) {
	rows, err := s.read.QueryContext(ctx, "SELECT processor, consecutive_failures, opened_at FROM circuits ORDER BY processor")
	if err != nil {
		return nil, fmt.Errorf("sqlite: circuits: %w", err)
	}
	defer rows.Close()
	var out []pipeline.Circuit
	for rows.Next() {
		var (
			c      pipeline.Circuit
			opened sql.NullInt64
		)
		if err := rows.Scan(&c.Processor, &c.Failures, &opened); err != nil {
			return nil, fmt.Errorf("sqlite: circuits: %w", err)
		}
		c.OpenedAt = timeOf(opened)
		out = append(out, c)
	}
	return out, rows.Err()
}

// SaveCircuit implements pipeline.Store.
func (s *Store) SaveCircuit(ctx context.Context, c pipeline.Circuit, now time.Time) error {
	state := "closed"
	if !c.OpenedAt.IsZero() {
		state = "open"
	}
	_, err := s.write.ExecContext(ctx, `INSERT INTO circuits (processor, state, consecutive_failures, opened_at, updated_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (processor) DO UPDATE SET state = excluded.state,
		consecutive_failures = excluded.consecutive_failures, opened_at = excluded.opened_at, updated_at = excluded.updated_at`,
		c.Processor, state, c.Failures, nullMicros(c.OpenedAt), micros(now))
	if err != nil {
		return fmt.Errorf("sqlite: save circuit: %w", err)
	}
	return nil
}
