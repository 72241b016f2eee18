package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// CreateBackfill implements pipeline.Store.
func (s *Store) CreateBackfill(ctx context.Context, b pipeline.Backfill, now time.Time) (pipeline.Backfill, error) {
	counts, err := pipeline.EncodeBackfillCounts(b)
	if err != nil {
		return b, err
	}
	err = s.write.QueryRowContext(ctx, `INSERT INTO backfills
		(from_date, to_date, processors, mode, state, error, counts, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		b.From.String(), b.To.String(), pipeline.JoinNames(b.Processors), b.Mode, b.State, b.Error, counts,
		micros(now), micros(now)).Scan(&b.ID)
	if err != nil {
		return b, fmt.Errorf("sqlite: create backfill: %w", err)
	}
	b.CreatedAt, b.UpdatedAt = now.UTC().Truncate(time.Microsecond), now.UTC().Truncate(time.Microsecond)
	return b, nil
}

// SaveBackfill implements pipeline.Store.
func (s *Store) SaveBackfill(ctx context.Context, b pipeline.Backfill, now time.Time) error {
	counts, err := pipeline.EncodeBackfillCounts(b)
	if err != nil {
		return err
	}
	res, err := s.write.ExecContext(ctx, `UPDATE backfills SET state = ?, error = ?, counts = ?, updated_at = ?
		WHERE id = ? AND state NOT IN (?, ?)`, b.State, b.Error, counts, micros(now), b.ID, pipeline.BackfillDone, pipeline.BackfillFailed)
	if err != nil {
		return fmt.Errorf("sqlite: save backfill %d: %w", b.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.Backfill(ctx, b.ID); err != nil {
			return err
		}
	}
	return nil
}

const backfillColumns = `SELECT id, from_date, to_date, processors, mode, state, error, counts, created_at, updated_at FROM backfills`

// Backfill implements pipeline.Store.
func (s *Store) Backfill(ctx context.Context, id int64) (pipeline.Backfill, error) {
	b, err := scanBackfill(s.read.QueryRowContext(ctx, backfillColumns+" WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return b, fmt.Errorf("backfill %d: %w", id, pipeline.ErrNotFound)
	}
	if err != nil {
		return b, fmt.Errorf("sqlite: backfill %d: %w", id, err)
	}
	return b, nil
}

// Backfills implements pipeline.Store.
func (s *Store) Backfills(ctx context.Context, unfinished bool) ([]pipeline.Backfill, error) {
	q := backfillColumns
	if unfinished {
		q += " WHERE state IN ('" + pipeline.BackfillQueued + "', '" + pipeline.BackfillRunning + "')"
	}
	rows, err := s.read.QueryContext(ctx, q+" ORDER BY id DESC")
	if err != nil {
		return nil, fmt.Errorf("sqlite: backfills: %w", err)
	}
	defer rows.Close()
	var out []pipeline.Backfill
	for rows.Next() {
		b, err := scanBackfill(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: backfills: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

func scanBackfill(sc scanner) (pipeline.Backfill, error) {
	var (
		b                pipeline.Backfill
		from, to, procs  string
		counts           string
		created, updated int64
	)
	if err := sc.Scan(&b.ID, &from, &to, &procs, &b.Mode, &b.State, &b.Error, &counts, &created, &updated); err != nil {
		return b, err
	}
	var err error
	if b.From, err = pipeline.ParseDate(from); err != nil {
		return b, err
	}
	if b.To, err = pipeline.ParseDate(to); err != nil {
		return b, err
	}
	b.Processors, b.CreatedAt, b.UpdatedAt = pipeline.SplitNames(procs), fromMicros(created), fromMicros(updated)
	return b, pipeline.DecodeBackfillCounts(&b, []byte(counts))
}
