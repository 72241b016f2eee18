package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

const taskColumns = `processor, game_date, state, reason, reason_code, attempts, next_attempt_at, COALESCE(lease_owner, ''),
	lease_expires_at, last_error, input_fingerprint, updated_at`

func scanTask(row Row) (pipeline.TaskRecord, error) {
	var r pipeline.TaskRecord
	err := row.Scan(&r.Key.Processor, &r.Key.Date, &r.State, &r.Reason, &r.Code, &r.Attempts, &r.NextAttemptAt, &r.LeaseOwner,
		&r.LeaseExpiresAt, &r.LastError, &r.Fingerprint, &r.UpdatedAt)
	return r, err
}

// Tasks implements pipeline.Store.
func (s *Store) Tasks(ctx context.Context, from, to pipeline.Date) ([]pipeline.TaskRecord, error) {
	return s.tasks(ctx, "SELECT "+taskColumns+" FROM tasks WHERE game_date BETWEEN ? AND ?", from, to)
}

// TasksUpdated implements pipeline.Store.
func (s *Store) TasksUpdated(ctx context.Context, from, to pipeline.Date, since time.Time) ([]pipeline.TaskRecord, error) {
	return s.tasks(ctx, "SELECT "+taskColumns+" FROM tasks WHERE updated_at >= ? AND game_date BETWEEN ? AND ?", since, from, to)
}

func (s *Store) tasks(ctx context.Context, query string, args ...any) ([]pipeline.TaskRecord, error) {
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return nil, s.errorf("tasks", err)
	}
	defer rows.Close()
	var out []pipeline.TaskRecord
	for rows.Next() {
		r, err := scanTask(rows)
		if err != nil {
			return nil, s.errorf("tasks", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// relaxed runs fn in a write transaction that does not wait for its flush
// (DB.Relax). Claims, lease renewals and the verdicts of tasks that wait
// are written so: a claim lost to a crash of the database makes the
// publication that would release it fail (its lease is not found) and the
// task run again; a lost verdict is planned again. The publication, which
// waits for its flush, makes every earlier write durable with it, so a
// task costs one flush.
func (s *Store) relaxed(ctx context.Context, fn func(tx Tx) error) error {
	return s.db.Write(ctx, func(tx Tx) error {
		if err := s.db.Relax(ctx, tx); err != nil {
			return err
		}
		return fn(tx)
	})
}

// SaveTasks implements pipeline.Store: a task leased by a live worker keeps
// the record its worker will write.
func (s *Store) SaveTasks(ctx context.Context, recs []pipeline.TaskRecord, now time.Time) error {
	if len(recs) == 0 {
		return nil
	}
	vs := make([][]any, len(recs))
	for i, r := range recs {
		vs[i] = []any{r.Key.Processor, r.Key.Date, r.State, r.Reason, r.Code, r.Attempts, NullTime(r.NextAttemptAt),
			r.LastError, r.Fingerprint, now}
	}
	err := s.relaxed(ctx, func(tx Tx) error {
		return tx.ExecMany(ctx, `INSERT INTO tasks
			(processor, game_date, state, reason, reason_code, attempts, next_attempt_at, last_error, input_fingerprint, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (processor, game_date) DO UPDATE SET state = excluded.state, reason = excluded.reason,
				reason_code = excluded.reason_code,
				attempts = excluded.attempts, next_attempt_at = excluded.next_attempt_at,
				last_error = excluded.last_error, input_fingerprint = excluded.input_fingerprint,
				updated_at = excluded.updated_at
			WHERE tasks.lease_owner IS NULL OR tasks.lease_expires_at <= excluded.updated_at`, vs)
	})
	if err != nil {
		return s.errorf("save tasks", err)
	}
	return nil
}

// ClaimTask implements pipeline.Store: the lease and the run's record in
// one transaction.
func (s *Store) ClaimTask(ctx context.Context, key pipeline.TaskKey, owner string, now, expires time.Time) (pipeline.TaskRecord, int64, error) {
	var (
		r  pipeline.TaskRecord
		id int64
	)
	err := s.relaxed(ctx, func(tx Tx) error {
		var err error
		r, err = scanTask(tx.QueryRow(ctx, `INSERT INTO tasks
			(processor, game_date, state, attempts, lease_owner, lease_expires_at, updated_at)
			VALUES (?, ?, 'running', 1, ?, ?, ?)
			ON CONFLICT (processor, game_date) DO UPDATE SET state = 'running', attempts = tasks.attempts + 1,
				lease_owner = excluded.lease_owner, lease_expires_at = excluded.lease_expires_at,
				updated_at = excluded.updated_at
			WHERE tasks.lease_owner IS NULL OR tasks.lease_expires_at <= excluded.updated_at
				OR tasks.lease_owner = excluded.lease_owner
			RETURNING `+taskColumns, key.Processor, key.Date, owner, expires, now))
		if errors.Is(err, ErrNoRows) {
			return fmt.Errorf("task %s %s is leased by another worker: %w", key.Processor, key.Date, pipeline.ErrConflict)
		}
		if err != nil {
			return err
		}
		// A run still open is a previous holder's whose lease expired:
		// it will never record an outcome.
		if _, err := tx.Exec(ctx, `UPDATE task_runs SET state = 'abandoned', finished_at = ?
			WHERE processor = ? AND game_date = ? AND finished_at IS NULL`, now, key.Processor, key.Date); err != nil {
			return fmt.Errorf("abandon runs: %w", err)
		}
		return tx.QueryRow(ctx, `INSERT INTO task_runs (processor, game_date, worker, started_at, state)
			VALUES (?, ?, ?, ?, 'running') RETURNING id`, key.Processor, key.Date, owner, now).Scan(&id)
	})
	switch {
	case errors.Is(err, pipeline.ErrConflict):
		return r, 0, err
	case err != nil:
		return r, 0, s.errorf("claim task", err)
	}
	return r, id, nil
}

// RenewLease implements pipeline.Store.
func (s *Store) RenewLease(ctx context.Context, key pipeline.TaskKey, owner string, now, expires time.Time) error {
	var n int64
	err := s.relaxed(ctx, func(tx Tx) (err error) {
		n, err = tx.Exec(ctx, `UPDATE tasks SET lease_expires_at = ?
			WHERE processor = ? AND game_date = ? AND lease_owner = ? AND lease_expires_at > ?`,
			expires, key.Processor, key.Date, owner, now)
		return err
	})
	if err != nil {
		return s.errorf("renew lease", err)
	}
	if n == 0 {
		return fmt.Errorf("task %s %s: lease of %s lost: %w", key.Processor, key.Date, owner, pipeline.ErrConflict)
	}
	return nil
}

// AbandonRuns implements pipeline.Store.
func (s *Store) AbandonRuns(ctx context.Context, now time.Time) (int, error) {
	n, err := s.db.Exec(ctx, `UPDATE task_runs SET state = 'abandoned', finished_at = ?
		WHERE finished_at IS NULL AND NOT EXISTS (SELECT 1 FROM tasks t
			WHERE t.processor = task_runs.processor AND t.game_date = task_runs.game_date
			AND t.lease_owner = task_runs.worker AND t.lease_expires_at > ?)`, now, now)
	if err != nil {
		return 0, s.errorf("abandon runs", err)
	}
	return int(n), nil
}

// ReleaseTask implements pipeline.Store.
func (s *Store) ReleaseTask(ctx context.Context, rel pipeline.TaskRelease) error {
	return s.db.Write(ctx, func(tx Tx) error { return Release(ctx, tx, rel) })
}

// Release writes a run's outcome in tx, or fails with ErrConflict when its
// owner lost the lease.
func Release(ctx context.Context, tx Tx, rel pipeline.TaskRelease) error {
	r := rel.Record
	n, err := tx.Exec(ctx, `UPDATE tasks SET state = ?, reason = ?, reason_code = ?, attempts = ?,
		next_attempt_at = ?, last_error = ?, input_fingerprint = ?, lease_owner = NULL, lease_expires_at = NULL,
		updated_at = ? WHERE processor = ? AND game_date = ? AND lease_owner = ?`,
		r.State, r.Reason, r.Code, r.Attempts, NullTime(r.NextAttemptAt), r.LastError, r.Fingerprint,
		rel.At, r.Key.Processor, r.Key.Date, rel.Owner)
	if err != nil {
		return fmt.Errorf("release task: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("task %s %s: lease of %s lost: %w", r.Key.Processor, r.Key.Date, rel.Owner, pipeline.ErrConflict)
	}
	if _, err := tx.Exec(ctx, `UPDATE task_runs SET finished_at = ?, state = ?, error = ?, version = ?
		WHERE id = ?`, rel.At, rel.RunState, rel.RunError, NullInt(rel.RunVersion), rel.RunID); err != nil {
		return fmt.Errorf("finish run: %w", err)
	}
	return nil
}

// Runs implements pipeline.Store: the newest f.Limit runs, oldest first.
func (s *Store) Runs(ctx context.Context, f pipeline.RunFilter) ([]pipeline.TaskRun, error) {
	q := `SELECT id, processor, game_date, worker, started_at, finished_at, state, error, COALESCE(version, 0) AS version
		FROM task_runs WHERE started_at >= ?`
	args := []any{f.Since}
	if f.Task != nil {
		q += " AND processor = ? AND game_date = ?"
		args = append(args, f.Task.Processor, f.Task.Date)
	}
	rows, err := s.db.Query(ctx, "SELECT * FROM ("+q+" ORDER BY id DESC LIMIT ?) AS newest ORDER BY id", append(args, f.Limit)...)
	if err != nil {
		return nil, s.errorf("runs", err)
	}
	defer rows.Close()
	var out []pipeline.TaskRun
	for rows.Next() {
		var (
			r        pipeline.TaskRun
			finished time.Time
		)
		if err := rows.Scan(&r.ID, &r.Task.Processor, &r.Task.Date, &r.Worker, &r.StartedAt, &finished, &r.State, &r.Error, &r.Version); err != nil {
			return nil, s.errorf("runs", err)
		}
		if !finished.IsZero() {
			r.FinishedAt = &finished
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
