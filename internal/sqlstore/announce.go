package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/statgate/statgate/internal/pipeline"
)

// Announce implements pipeline.Store. The partition's lock is taken first
// (with one writer, the transaction is the lock), so announcements and
// publications of one partition, from any process, queue, the message id
// check sees every earlier one, and the rows read are exactly what gets
// versioned.
func (s *Store) Announce(ctx context.Context, a pipeline.Announcement) (pipeline.AnnounceResult, error) {
	if a.Table == nil || s.catalog.Table(a.Table.Name) != a.Table {
		return pipeline.AnnounceResult{}, fmt.Errorf("%w: announced table is not in the store's catalog", pipeline.ErrInvalid)
	}
	var res pipeline.AnnounceResult
	err := s.db.Write(ctx, func(tx Tx) error {
		if err := s.lockReplacements(ctx, tx, true); err != nil {
			return err
		}
		if l := s.db.Locks(); l != nil {
			if _, err := tx.Exec(ctx, l.Partition, PartitionKey(a.Table.Name, a.Date)); err != nil {
				return err
			}
		}
		if a.MessageID != "" {
			var id int64
			err := tx.QueryRow(ctx, "SELECT id FROM triggers WHERE message_id = ?", a.MessageID).Scan(&id)
			switch {
			case err == nil:
				v, err := CurrentVersionIn(ctx, tx, a.Table.Name, a.Date)
				if err != nil && !errors.Is(err, pipeline.ErrNotFound) {
					return err
				}
				res = pipeline.AnnounceResult{Version: v, TriggerID: id, Duplicate: pipeline.DuplicateMessage}
				return nil
			case !errors.Is(err, ErrNoRows):
				return err
			}
		}
		// A value that does not fit its column is ErrInvalid (the rows
		// are bad); any other error is the database's, and the caller
		// may retry.
		rows, err := s.ReadRows(ctx, tx, a.Table, a.Date, a.Date)
		if err != nil {
			return fmt.Errorf("announce %s %s: %w", a.Table.Name, a.Date, err)
		}
		pub, err := announced(a, rows)
		if err != nil {
			return err
		}
		p, err := pipeline.Prepare(pub)
		if err != nil {
			return err
		}
		out, err := s.publishOne(ctx, tx, p, &pubState{now: s.now().UTC()})
		if err != nil {
			return fmt.Errorf("announce %s %s: %w", a.Table.Name, a.Date, err)
		}
		if !out.Created {
			res = pipeline.AnnounceResult{Version: out.PartitionVersion, Duplicate: pipeline.DuplicateContent}
			return nil
		}
		res = pipeline.AnnounceResult{Version: out.PartitionVersion, TriggerID: out.TriggerID}
		return s.db.Notify(ctx, tx, []pipeline.PartKey{{Table: a.Table.Name, Date: a.Date}})
	})
	if err != nil {
		return pipeline.AnnounceResult{}, s.wrap(err)
	}
	return res, nil
}

// WriteUpstream replaces the rows of raw table t on the given dates the way
// an upstream system does (SPEC §3): in one transaction of its own,
// recording no version and no trigger. The store sees the rows only once
// they are announced. Tests and the chaos suite use it to play Phase 2;
// nothing in the pipeline calls it.
func (s *Store) WriteUpstream(ctx context.Context, t *pipeline.Table, dates []pipeline.Date, rows []pipeline.Row) error {
	return s.db.Write(ctx, func(tx Tx) error {
		for _, d := range dates {
			if _, err := tx.Exec(ctx, "DELETE FROM "+t.Name+" WHERE game_date = ?", d); err != nil {
				return err
			}
		}
		return s.db.InsertRows(ctx, tx, t, rows)
	})
}

// announced turns what the table holds for an announced
// partition into the publication that versions it in place.
func announced(a pipeline.Announcement, rows []pipeline.Row) (pipeline.Publication, error) {
	if a.Table == nil || a.Table.Kind != pipeline.Raw {
		return pipeline.Publication{}, fmt.Errorf("%w: only raw tables are announced", pipeline.ErrInvalid)
	}
	switch a.Status {
	case pipeline.StatusSuccess, pipeline.StatusPartial, pipeline.StatusNoData:
	default:
		return pipeline.Publication{}, fmt.Errorf("%w: status %q is not announced", pipeline.ErrInvalid, a.Status)
	}
	if a.RecordCount > len(rows) {
		return pipeline.Publication{}, fmt.Errorf("%w: %s %s: the message counts %d records but the table holds %d rows",
			pipeline.ErrConflict, a.Table.Name, a.Date, a.RecordCount, len(rows))
	}
	return pipeline.Publication{
		Table: a.Table, Date: a.Date, Rows: rows, Source: pipeline.SourceAnnounce, Partial: a.Status == pipeline.StatusPartial,
		Trigger: &pipeline.Trigger{MessageID: a.MessageID, Status: a.Status}, Payload: a.Payload,
	}, nil
}
