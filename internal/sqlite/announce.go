package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/statgate/statgate/internal/pipeline"
)

// Announce implements pipeline.Store. The write transaction is SQLite's
// only writer, so the rows read in it are exactly what gets versioned.
func (s *Store) Announce(ctx context.Context, a pipeline.Announcement) (pipeline.AnnounceResult, error) {
	if a.Table == nil || s.catalog.Table(a.Table.Name) != a.Table {
		return pipeline.AnnounceResult{}, fmt.Errorf("%w: announced table is not in the store's catalog", pipeline.ErrInvalid)
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return pipeline.AnnounceResult{}, fmt.Errorf("sqlite: begin announce: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	q := s.newTxq(tx)
	if a.MessageID != "" {
		var id int64
		err := tx.QueryRowContext(ctx, "SELECT id FROM triggers WHERE message_id = ?", a.MessageID).Scan(&id)
		switch {
		case err == nil:
			v, err := currentVersion(ctx, tx, a.Table.Name, a.Date)
			if err != nil && !errors.Is(err, pipeline.ErrNotFound) {
				return pipeline.AnnounceResult{}, err
			}
			return pipeline.AnnounceResult{Version: v, TriggerID: id, Duplicate: pipeline.DuplicateMessage}, nil
		case !errors.Is(err, sql.ErrNoRows):
			return pipeline.AnnounceResult{}, fmt.Errorf("sqlite: announce: %w", err)
		}
	}
	// A value that does not fit its column is ErrInvalid (the rows are
	// bad); any other error is the database's, and the caller may retry.
	rows, err := readRows(ctx, tx, a.Table, a.Date, a.Date)
	if err != nil {
		return pipeline.AnnounceResult{}, fmt.Errorf("announce %s %s: %w", a.Table.Name, a.Date, err)
	}
	pub, err := pipeline.AnnouncedPublication(a, rows)
	if err != nil {
		return pipeline.AnnounceResult{}, err
	}
	p, err := pipeline.Prepare(pub)
	if err != nil {
		return pipeline.AnnounceResult{}, err
	}
	res, err := s.publishOne(ctx, q, p, &pubState{now: s.now().UTC()})
	if err != nil {
		return pipeline.AnnounceResult{}, fmt.Errorf("sqlite: announce %s %s: %w", a.Table.Name, a.Date, err)
	}
	if !res.Created {
		return pipeline.AnnounceResult{Version: res.PartitionVersion, Duplicate: pipeline.DuplicateContent}, nil
	}
	if err := q.commit(ctx); err != nil {
		return pipeline.AnnounceResult{}, fmt.Errorf("sqlite: commit announce: %w", err)
	}
	return pipeline.AnnounceResult{Version: res.PartitionVersion, TriggerID: res.TriggerID}, nil
}
