package sqlstore

import (
	"context"

	"github.com/statgate/statgate/internal/pipeline"
)

// Releases implements pipeline.Store.
func (s *Store) Releases(ctx context.Context) ([]pipeline.Release, error) {
	rows, err := s.db.Query(ctx, "SELECT processor, version, state, reason, decided_at FROM processor_releases ORDER BY processor, decided_at, version")
	if err != nil {
		return nil, s.errorf("releases", err)
	}
	defer rows.Close()
	var out []pipeline.Release
	for rows.Next() {
		var r pipeline.Release
		if err := rows.Scan(&r.Processor, &r.Version, &r.State, &r.Reason, &r.DecidedAt); err != nil {
			return nil, s.errorf("releases", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SaveRelease implements pipeline.Store.
func (s *Store) SaveRelease(ctx context.Context, r pipeline.Release) error {
	if r.DecidedAt.IsZero() {
		r.DecidedAt = s.now()
	}
	// Other processes' engines are told at commit (naming no partition:
	// they re-read everything, and plan afresh with the new decision).
	err := s.db.Write(ctx, func(tx Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO processor_releases (processor, version, state, reason, decided_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (processor, version) DO UPDATE SET state = excluded.state,
			reason = excluded.reason, decided_at = excluded.decided_at`,
			r.Processor, r.Version, r.State, r.Reason, r.DecidedAt.UTC()); err != nil {
			return err
		}
		return s.db.Notify(ctx, tx, nil)
	})
	if err != nil {
		return s.errorf("save release", err)
	}
	return nil
}
