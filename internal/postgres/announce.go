package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/statgate/statgate/internal/pipeline"
)

// Announce implements pipeline.Store. The partition's advisory lock is
// taken first, so announcements and publications of one partition (from
// any process) queue, and the message id check sees every earlier one.
func (s *Store) Announce(ctx context.Context, a pipeline.Announcement) (pipeline.AnnounceResult, error) {
	if a.Table == nil || s.catalog.Table(a.Table.Name) != a.Table {
		return pipeline.AnnounceResult{}, fmt.Errorf("%w: announced table is not in the store's catalog", pipeline.ErrInvalid)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return pipeline.AnnounceResult{}, fmt.Errorf("postgres: begin announce: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if err := lockReplacements(ctx, tx, true); err != nil {
		return pipeline.AnnounceResult{}, err
	}
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
		partitionLock(a.Table.Name, a.Date)); err != nil {
		return pipeline.AnnounceResult{}, fmt.Errorf("postgres: announce: %w", err)
	}
	if a.MessageID != "" {
		var id int64
		err := tx.QueryRow(ctx, "SELECT id FROM triggers WHERE message_id = $1", a.MessageID).Scan(&id)
		switch {
		case err == nil:
			v, err := currentVersion(ctx, tx, a.Table.Name, a.Date)
			if err != nil && !errors.Is(err, pipeline.ErrNotFound) {
				return pipeline.AnnounceResult{}, err
			}
			return pipeline.AnnounceResult{Version: v, TriggerID: id, Duplicate: pipeline.DuplicateMessage}, nil
		case !errors.Is(err, pgx.ErrNoRows):
			return pipeline.AnnounceResult{}, fmt.Errorf("postgres: announce: %w", err)
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
	res, err := s.publishOne(ctx, tx, p, &pubState{now: s.now().UTC()})
	if err != nil {
		return pipeline.AnnounceResult{}, fmt.Errorf("postgres: announce %s %s: %w", a.Table.Name, a.Date, err)
	}
	if !res.Created {
		return pipeline.AnnounceResult{Version: res.PartitionVersion, Duplicate: pipeline.DuplicateContent}, nil
	}
	if _, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", notifyChannel, s.payload()); err != nil {
		return pipeline.AnnounceResult{}, fmt.Errorf("postgres: notify: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return pipeline.AnnounceResult{}, fmt.Errorf("postgres: commit announce: %w", err)
	}
	return pipeline.AnnounceResult{Version: res.PartitionVersion, TriggerID: res.TriggerID}, nil
}
