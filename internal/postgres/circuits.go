package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// Circuits implements pipeline.Store.
func (s *Store) Circuits(ctx context.Context) ([]pipeline.Circuit, error) {
	rows, err := s.pool.Query(ctx, "SELECT processor, consecutive_failures, opened_at FROM circuits ORDER BY processor")
	if err != nil {
		return nil, fmt.Errorf("postgres: circuits: %w", err)
	}
	defer rows.Close()
	var out []pipeline.Circuit
	for rows.Next() {
		var (
			c      pipeline.Circuit
			opened *time.Time
		)
		if err := rows.Scan(&c.Processor, &c.Failures, &opened); err != nil {
			return nil, fmt.Errorf("postgres: circuits: %w", err)
		}
		c.OpenedAt = deref(opened)
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
	_, err := s.pool.Exec(ctx, `INSERT INTO circuits (processor, state, consecutive_failures, opened_at, updated_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (processor) DO UPDATE SET state = excluded.state,
		consecutive_failures = excluded.consecutive_failures, opened_at = excluded.opened_at, updated_at = excluded.updated_at`,
		c.Processor, state, c.Failures, nullTime(c.OpenedAt), now)
	if err != nil {
		return fmt.Errorf("postgres: save circuit: %w", err)
	}
	return nil
}
