package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/statgate/statgate/internal/pipeline"
)

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

const taskColumns = `processor, game_date, state, reason, reason_code, attempts, next_attempt_at, COALESCE(lease_owner, ''),
	lease_expires_at, last_error, input_fingerprint, updated_at`

func scanTask(row pgx.Row) (pipeline.TaskRecord, error) {
	var (
		r                      pipeline.TaskRecord
		date                   time.Time
		next, expires, updated *time.Time
	)
	err := row.Scan(&r.Key.Processor, &date, &r.State, &r.Reason, &r.Code, &r.Attempts, &next, &r.LeaseOwner,
		&expires, &r.LastError, &r.Fingerprint, &updated)
	r.Key.Date, r.NextAttemptAt, r.LeaseExpiresAt, r.UpdatedAt = pipeline.DateOf(date), deref(next), deref(expires), deref(updated)
	return r, err
}

// Tasks implements pipeline.Store.
func (s *Store) Tasks(ctx context.Context, from, to pipeline.Date) ([]pipeline.TaskRecord, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+taskColumns+" FROM tasks WHERE game_date BETWEEN $1 AND $2",
		from.Time(), to.Time())
	if err != nil {
		return nil, fmt.Errorf("postgres: tasks: %w", err)
	}
	defer rows.Close()
	var out []pipeline.TaskRecord
	for rows.Next() {
		r, err := scanTask(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: tasks: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SaveTasks implements pipeline.Store.
func (s *Store) SaveTasks(ctx context.Context, recs []pipeline.TaskRecord, now time.Time) error {
	if len(recs) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, r := range recs {
		b.Queue(`INSERT INTO tasks
			(processor, game_date, state, reason, reason_code, attempts, next_attempt_at, last_error, input_fingerprint, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (processor, game_date) DO UPDATE SET state = excluded.state, reason = excluded.reason,
				reason_code = excluded.reason_code,
				attempts = excluded.attempts, next_attempt_at = excluded.next_attempt_at,
				last_error = excluded.last_error, input_fingerprint = excluded.input_fingerprint,
				updated_at = excluded.updated_at
			WHERE tasks.lease_owner IS NULL OR tasks.lease_expires_at <= excluded.updated_at`,
			r.Key.Processor, r.Key.Date.Time(), r.State, r.Reason, r.Code, r.Attempts, nullTime(r.NextAttemptAt),
			r.LastError, r.Fingerprint, now)
	}
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("postgres: save tasks: %w", err)
	}
	return nil
}

// ClaimTask implements pipeline.Store.
func (s *Store) ClaimTask(ctx context.Context, key pipeline.TaskKey, owner string, now, expires time.Time) (pipeline.TaskRecord, int64, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return pipeline.TaskRecord{}, 0, fmt.Errorf("postgres: claim task: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	r, err := scanTask(tx.QueryRow(ctx, `INSERT INTO tasks
		(processor, game_date, state, attempts, lease_owner, lease_expires_at, updated_at)
		VALUES ($1, $2, 'running', 1, $3, $4, $5)
		ON CONFLICT (processor, game_date) DO UPDATE SET state = 'running', attempts = tasks.attempts + 1,
			lease_owner = excluded.lease_owner, lease_expires_at = excluded.lease_expires_at,
			updated_at = excluded.updated_at
		WHERE tasks.lease_owner IS NULL OR tasks.lease_expires_at <= excluded.updated_at
			OR tasks.lease_owner = excluded.lease_owner
		RETURNING `+taskColumns, key.Processor, key.Date.Time(), owner, expires, now))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, 0, fmt.Errorf("task %s %s is leased by another worker: %w", key.Processor, key.Date, pipeline.ErrConflict)
	}
	if err != nil {
		return r, 0, fmt.Errorf("postgres: claim task: %w", err)
	}
	// A run still open is a previous holder's whose lease expired: it
	// will never record an outcome.
	if _, err := tx.Exec(ctx, `UPDATE task_runs SET state = 'abandoned', finished_at = $1
		WHERE processor = $2 AND game_date = $3 AND finished_at IS NULL`, now, key.Processor, key.Date.Time()); err != nil {
		return r, 0, fmt.Errorf("postgres: abandon runs: %w", err)
	}
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO task_runs (processor, game_date, worker, started_at, state)
		VALUES ($1, $2, $3, $4, 'running') RETURNING id`, key.Processor, key.Date.Time(), owner, now).Scan(&id); err != nil {
		return r, 0, fmt.Errorf("postgres: start run: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return r, 0, fmt.Errorf("postgres: claim task: %w", err)
	}
	return r, id, nil
}

// RenewLease implements pipeline.Store.
func (s *Store) RenewLease(ctx context.Context, key pipeline.TaskKey, owner string, now, expires time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE tasks SET lease_expires_at = $1
		WHERE processor = $2 AND game_date = $3 AND lease_owner = $4 AND lease_expires_at > $5`,
		expires, key.Processor, key.Date.Time(), owner, now)
	if err != nil {
		return fmt.Errorf("postgres: renew lease: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("task %s %s: lease of %s lost: %w", key.Processor, key.Date, owner, pipeline.ErrConflict)
	}
	return nil
}

// AbandonRuns implements pipeline.Store.
func (s *Store) AbandonRuns(ctx context.Context, now time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE task_runs SET state = 'abandoned', finished_at = $1
		WHERE finished_at IS NULL AND NOT EXISTS (SELECT 1 FROM tasks t
			WHERE t.processor = task_runs.processor AND t.game_date = task_runs.game_date
			AND t.lease_owner = task_runs.worker AND t.lease_expires_at > $1)`, now)
	if err != nil {
		return 0, fmt.Errorf("postgres: abandon runs: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// ReleaseTask implements pipeline.Store.
func (s *Store) ReleaseTask(ctx context.Context, rel pipeline.TaskRelease) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: release task: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if err := release(ctx, tx, rel); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// release writes a run's outcome inside tx, or fails with ErrConflict when
// the owner lost the lease.
func release(ctx context.Context, tx pgx.Tx, rel pipeline.TaskRelease) error {
	r := rel.Record
	tag, err := tx.Exec(ctx, `UPDATE tasks SET state = $1, reason = $2, reason_code = $11, attempts = $3,
		next_attempt_at = $4, last_error = $5, input_fingerprint = $6, lease_owner = NULL, lease_expires_at = NULL,
		updated_at = $7 WHERE processor = $8 AND game_date = $9 AND lease_owner = $10`,
		r.State, r.Reason, r.Attempts, nullTime(r.NextAttemptAt), r.LastError, r.Fingerprint,
		rel.At, r.Key.Processor, r.Key.Date.Time(), rel.Owner, r.Code)
	if err != nil {
		return fmt.Errorf("postgres: release task: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("task %s %s: lease of %s lost: %w", r.Key.Processor, r.Key.Date, rel.Owner, pipeline.ErrConflict)
	}
	if _, err := tx.Exec(ctx, `UPDATE task_runs SET finished_at = $1, state = $2, error = $3, version = $4
		WHERE id = $5`, rel.At, rel.RunState, rel.RunError, nullInt(rel.RunVersion), rel.RunID); err != nil {
		return fmt.Errorf("postgres: finish run: %w", err)
	}
	return nil
}

// Runs implements pipeline.Store.
func (s *Store) Runs(ctx context.Context, f pipeline.RunFilter) ([]pipeline.TaskRun, error) {
	q := `SELECT id, processor, game_date, worker, started_at, finished_at, state, error, COALESCE(version, 0) AS version
		FROM task_runs WHERE started_at >= $1`
	args := []any{f.Since}
	if f.Task != nil {
		q += " AND processor = $2 AND game_date = $3"
		args = append(args, f.Task.Processor, f.Task.Date.Time())
	}
	args = append(args, f.Limit)
	rows, err := s.pool.Query(ctx, "SELECT * FROM ("+q+fmt.Sprintf(" ORDER BY id DESC LIMIT $%d) AS newest ORDER BY id", len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: runs: %w", err)
	}
	defer rows.Close()
	var out []pipeline.TaskRun
	for rows.Next() {
		var (
			r        pipeline.TaskRun
			date     time.Time
			finished *time.Time
		)
		if err := rows.Scan(&r.ID, &r.Task.Processor, &date, &r.Worker, &r.StartedAt, &finished, &r.State, &r.Error, &r.Version); err != nil {
			return nil, fmt.Errorf("postgres: runs: %w", err)
		}
		r.Task.Date, r.StartedAt = pipeline.DateOf(date), r.StartedAt.UTC()
		if finished != nil {
			f := finished.UTC()
			r.FinishedAt = &f
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
