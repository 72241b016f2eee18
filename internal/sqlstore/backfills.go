package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// CreateBackfill implements pipeline.Store.
func (s *Store) CreateBackfill(ctx context.Context, b pipeline.Backfill, now time.Time) (pipeline.Backfill, error) {
	counts, err := encodeBackfillCounts(b)
	if err != nil {
		return b, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	err = s.db.Write(ctx, func(tx Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO backfills
			(from_date, to_date, processors, mode, state, error, counts, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			b.From, b.To, joinNames(b.Processors), b.Mode, b.State, b.Error, counts, now, now).Scan(&b.ID)
	})
	if err != nil {
		return b, s.errorf("create backfill", err)
	}
	b.CreatedAt, b.UpdatedAt = now, now
	return b, nil
}

// SaveBackfill implements pipeline.Store. A finished backfill stays as it
// finished.
func (s *Store) SaveBackfill(ctx context.Context, b pipeline.Backfill, now time.Time) error {
	counts, err := encodeBackfillCounts(b)
	if err != nil {
		return err
	}
	n, err := s.db.Exec(ctx, `UPDATE backfills SET state = ?, error = ?, counts = ?, updated_at = ?
		WHERE id = ? AND state NOT IN (?, ?)`, b.State, b.Error, counts, now, b.ID, pipeline.BackfillDone, pipeline.BackfillFailed)
	if err != nil {
		return s.errorf(fmt.Sprintf("save backfill %d", b.ID), err)
	}
	if n == 0 {
		if _, err := s.Backfill(ctx, b.ID); err != nil {
			return err
		}
	}
	return nil
}

const backfillColumns = `SELECT id, from_date, to_date, processors, mode, state, error, CAST(counts AS TEXT),
	created_at, updated_at FROM backfills`

// Backfill implements pipeline.Store.
func (s *Store) Backfill(ctx context.Context, id int64) (pipeline.Backfill, error) {
	b, err := scanBackfill(s.db.QueryRow(ctx, backfillColumns+" WHERE id = ?", id))
	if errors.Is(err, ErrNoRows) {
		return b, fmt.Errorf("backfill %d: %w", id, pipeline.ErrNotFound)
	}
	if err != nil {
		return b, s.errorf(fmt.Sprintf("backfill %d", id), err)
	}
	return b, nil
}

// Backfills implements pipeline.Store.
func (s *Store) Backfills(ctx context.Context, unfinished bool) ([]pipeline.Backfill, error) {
	q := backfillColumns
	if unfinished {
		q += " WHERE state IN ('" + pipeline.BackfillQueued + "', '" + pipeline.BackfillRunning + "')"
	}
	rows, err := s.db.Query(ctx, q+" ORDER BY id DESC")
	if err != nil {
		return nil, s.errorf("backfills", err)
	}
	defer rows.Close()
	var out []pipeline.Backfill
	for rows.Next() {
		b, err := scanBackfill(rows)
		if err != nil {
			return nil, s.errorf("backfills", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

func scanBackfill(r Row) (pipeline.Backfill, error) {
	var (
		b             pipeline.Backfill
		procs, counts string
	)
	if err := r.Scan(&b.ID, &b.From, &b.To, &procs, &b.Mode, &b.State, &b.Error, &counts, &b.CreatedAt, &b.UpdatedAt); err != nil {
		return b, err
	}
	b.Processors = splitNames(procs)
	return b, decodeBackfillCounts(&b, []byte(counts))
}

type backfillCounts struct {
	Tasks map[string]int `json:"tasks,omitempty"`
	Runs  map[string]int `json:"runs,omitempty"`
}

// encodeBackfillCounts is how a backfill's counts are kept.
func encodeBackfillCounts(b pipeline.Backfill) (string, error) {
	data, err := json.Marshal(backfillCounts{Tasks: b.Tasks, Runs: b.Runs})
	return string(data), err
}

// decodeBackfillCounts reverses encodeBackfillCounts.
func decodeBackfillCounts(b *pipeline.Backfill, data []byte) error {
	var c backfillCounts
	if err := json.Unmarshal(data, &c); err != nil {
		return fmt.Errorf("backfill %d counts: %w", b.ID, err)
	}
	b.Tasks, b.Runs = c.Tasks, c.Runs
	return nil
}

// joinNames and splitNames keep a list of processor names in one column.
func joinNames(names []string) string { return strings.Join(names, ",") }

// splitNames reverses joinNames.
func splitNames(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
