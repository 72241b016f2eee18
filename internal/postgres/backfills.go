package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/statgate/statgate/internal/pipeline"
)

// CreateBackfill implements pipeline.Store.
func (s *Store) CreateBackfill(ctx context.Context, b pipeline.Backfill, now time.Time) (pipeline.Backfill, error) {
	counts, err := pipeline.EncodeBackfillCounts(b)
	if err != nil {
		return b, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	err = s.pool.QueryRow(ctx, `INSERT INTO backfills
		(from_date, to_date, processors, mode, state, error, counts, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
		b.From.Time(), b.To.Time(), pipeline.JoinNames(b.Processors), b.Mode, b.State, b.Error, counts, now).Scan(&b.ID)
	if err != nil {
		return b, fmt.Errorf("postgres: create backfill: %w", err)
	}
	b.CreatedAt, b.UpdatedAt = now, now
	return b, nil
}

// SaveBackfill implements pipeline.Store.
func (s *Store) SaveBackfill(ctx context.Context, b pipeline.Backfill, now time.Time) error {
	counts, err := pipeline.EncodeBackfillCounts(b)
	if err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE backfills SET state = $1, error = $2, counts = $3, updated_at = $4
		WHERE id = $5 AND state NOT IN ($6, $7)`, b.State, b.Error, counts, now, b.ID, pipeline.BackfillDone, pipeline.BackfillFailed)
	if err != nil {
		return fmt.Errorf("postgres: save backfill %d: %w", b.ID, err)
	}
	if tag.RowsAffected() == 0 {
		if _, err := s.Backfill(ctx, b.ID); err != nil {
			return err
		}
	}
	return nil
}

const backfillColumns = `SELECT id, from_date, to_date, processors, mode, state, error, counts::text, created_at, updated_at FROM backfills`

// Backfill implements pipeline.Store.
func (s *Store) Backfill(ctx context.Context, id int64) (pipeline.Backfill, error) {
	b, err := scanBackfill(s.pool.QueryRow(ctx, backfillColumns+" WHERE id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return b, fmt.Errorf("backfill %d: %w", id, pipeline.ErrNotFound)
	}
	if err != nil {
		return b, fmt.Errorf("postgres: backfill %d: %w", id, err)
	}
	return b, nil
}

// Backfills implements pipeline.Store.
func (s *Store) Backfills(ctx context.Context, unfinished bool) ([]pipeline.Backfill, error) {
	q := backfillColumns
	if unfinished {
		q += " WHERE state IN ('" + pipeline.BackfillQueued + "', '" + pipeline.BackfillRunning + "')"
	}
	rows, err := s.pool.Query(ctx, q+" ORDER BY id DESC")
	if err != nil {
		return nil, fmt.Errorf("postgres: backfills: %w", err)
	}
	defer rows.Close()
	var out []pipeline.Backfill
	for rows.Next() {
		b, err := scanBackfill(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: backfills: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

func scanBackfill(row pgx.Row) (pipeline.Backfill, error) {
	var (
		b        pipeline.Backfill
		from, to time.Time
		procs    string
		counts   string
	)
	if err := row.Scan(&b.ID, &from, &to, &procs, &b.Mode, &b.State, &b.Error, &counts, &b.CreatedAt, &b.UpdatedAt); err != nil {
		return b, err
	}
	b.From, b.To, b.Processors = pipeline.DateOf(from), pipeline.DateOf(to), pipeline.SplitNames(procs)
	b.CreatedAt, b.UpdatedAt = b.CreatedAt.UTC(), b.UpdatedAt.UTC()
	return b, pipeline.DecodeBackfillCounts(&b, []byte(counts))
}
