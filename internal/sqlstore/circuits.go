package sqlstore

import (
	"context"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// Circuits implements pipeline.Store.
func (s *Store) Circuits(ctx context.Context) ([]pipeline.Circuit, error) {
	rows, err := s.db.Query(ctx, "SELECT processor, consecutive_failures, opened_at FROM circuits ORDER BY processor")
	if err != nil {
		return nil, s.errorf("circuits", err)
	}
	defer rows.Close()
	var out []pipeline.Circuit
	for rows.Next() {
		var c pipeline.Circuit
		if err := rows.Scan(&c.Processor, &c.Failures, &c.OpenedAt); err != nil {
			return nil, s.errorf("circuits", err)
		}
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
	_, err := s.db.Exec(ctx, `INSERT INTO circuits (processor, state, consecutive_failures, opened_at, updated_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (processor) DO UPDATE SET state = excluded.state,
		consecutive_failures = excluded.consecutive_failures, opened_at = excluded.opened_at, updated_at = excluded.updated_at`,
		c.Processor, state, c.Failures, NullTime(c.OpenedAt), now)
	if err != nil {
		return s.errorf("save circuit", err)
	}
	return nil
}
