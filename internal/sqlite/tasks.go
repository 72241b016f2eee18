package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func timeOf(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromMicros(n.Int64)
}

const taskColumns = `processor, game_date, state, reason, reason_code, attempts, next_attempt_at, COALESCE(lease_owner, ''),
	lease_expires_at, last_error, input_fingerprint, updated_at`

func scanTask(sc scanner) (pipeline.TaskRecord, error) {
	var (
		r                      pipeline.TaskRecord
		date                   string
		next, expires, updated sql.NullInt64
	)
	if err := sc.Scan(&r.Key.Processor, &date, &r.State, &r.Reason, &r.Code, &r.Attempts, &next, &r.LeaseOwner,
		&expires, &r.LastError, &r.Fingerprint, &updated); err != nil {
		return r, err
	}
	d, err := pipeline.ParseDate(date)
	r.Key.Date, r.NextAttemptAt, r.LeaseExpiresAt, r.UpdatedAt = d, timeOf(next), timeOf(expires), timeOf(updated)
	return r, err
}

// Tasks implements pipeline.Store.
func (s *Store) Tasks(ctx context.Context, from, to pipeline.Date) ([]pipeline.TaskRecord, error) {
	rows, err := s.read.QueryContext(ctx, "SELECT "+taskColumns+" FROM tasks WHERE game_date BETWEEN ? AND ?",
		from.String(), to.String())
	if err != nil {
		return nil, fmt.Errorf("sqlite: tasks: %w", err)
	}
	defer rows.Close()
	var out []pipeline.TaskRecord
	for rows.Next() {
		r, err := scanTask(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: tasks: %w", err)
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
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: save tasks: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO tasks
		(processor, game_date, state, reason, reason_code, attempts, next_attempt_at, last_error, input_fingerprint, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (processor, game_date) DO UPDATE SET state = excluded.state, reason = excluded.reason,
			reason_code = excluded.reason_code,
			attempts = excluded.attempts, next_attempt_at = excluded.next_attempt_at,
			last_error = excluded.last_error, input_fingerprint = excluded.input_fingerprint,
			updated_at = excluded.updated_at
		WHERE tasks.lease_owner IS NULL OR tasks.lease_expires_at <= ?`)
	if err != nil {
		return fmt.Errorf("sqlite: save tasks: %w", err)
	}
	for _, r := range recs {
		if _, err := stmt.ExecContext(ctx, r.Key.Processor, r.Key.Date.String(), r.State, r.Reason, r.Code, r.Attempts,
			nullMicros(r.NextAttemptAt), r.LastError, r.Fingerprint, micros(now), micros(now)); err != nil {
			return fmt.Errorf("sqlite: save task %s %s: %w", r.Key.Processor, r.Key.Date, err)
		}
	}
	return tx.Commit()
}

// ClaimTask implements pipeline.Store.
func (s *Store) ClaimTask(ctx context.Context, key pipeline.TaskKey, owner string, now, expires time.Time) (pipeline.TaskRecord, int64, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return pipeline.TaskRecord{}, 0, fmt.Errorf("sqlite: claim task: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	q := s.newTxq(tx)
	r, err := scanTask(q.QueryRowContext(ctx, `INSERT INTO tasks
		(processor, game_date, state, attempts, lease_owner, lease_expires_at, updated_at)
		VALUES (?, ?, 'running', 1, ?, ?, ?)
		ON CONFLICT (processor, game_date) DO UPDATE SET state = 'running', attempts = tasks.attempts + 1,
			lease_owner = excluded.lease_owner, lease_expires_at = excluded.lease_expires_at,
			updated_at = excluded.updated_at
		WHERE tasks.lease_owner IS NULL OR tasks.lease_expires_at <= excluded.updated_at
			OR tasks.lease_owner = excluded.lease_owner
		RETURNING `+taskColumns, key.Processor, key.Date.String(), owner, micros(expires), micros(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return r, 0, fmt.Errorf("task %s %s is leased by another worker: %w", key.Processor, key.Date, pipeline.ErrConflict)
	}
	if err != nil {
		return r, 0, fmt.Errorf("sqlite: claim task: %w", err)
	}
	// A run still open is a previous holder's whose lease expired: it
	// will never record an outcome.
	if _, err := q.ExecContext(ctx, `UPDATE task_runs SET state = 'abandoned', finished_at = ?
		WHERE processor = ? AND game_date = ? AND finished_at IS NULL`, micros(now), key.Processor, key.Date.String()); err != nil {
		return r, 0, fmt.Errorf("sqlite: abandon runs: %w", err)
	}
	var id int64
	if err := q.QueryRowContext(ctx, `INSERT INTO task_runs (processor, game_date, worker, started_at, state)
		VALUES (?, ?, ?, ?, 'running') RETURNING id`, key.Processor, key.Date.String(), owner, micros(now)).Scan(&id); err != nil {
		return r, 0, fmt.Errorf("sqlite: start run: %w", err)
	}
	if err := q.commit(ctx); err != nil {
		return r, 0, fmt.Errorf("sqlite: claim task: %w", err)
	}
	return r, id, nil
}

// RenewLease implements pipeline.Store.
func (s *Store) RenewLease(ctx context.Context, key pipeline.TaskKey, owner string, now, expires time.Time) error {
	res, err := s.write.ExecContext(ctx, `UPDATE tasks SET lease_expires_at = ?
		WHERE processor = ? AND game_date = ? AND lease_owner = ? AND lease_expires_at > ?`,
		micros(expires), key.Processor, key.Date.String(), owner, micros(now))
	if err != nil {
		return fmt.Errorf("sqlite: renew lease: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("task %s %s: lease of %s lost: %w", key.Processor, key.Date, owner, pipeline.ErrConflict)
	}
	return nil
}

// AbandonRuns implements pipeline.Store.
func (s *Store) AbandonRuns(ctx context.Context, now time.Time) (int, error) {
	res, err := s.write.ExecContext(ctx, `UPDATE task_runs SET state = 'abandoned', finished_at = ?
		WHERE finished_at IS NULL AND NOT EXISTS (SELECT 1 FROM tasks t
			WHERE t.processor = task_runs.processor AND t.game_date = task_runs.game_date
			AND t.lease_owner = task_runs.worker AND t.lease_expires_at > ?)`, micros(now), micros(now))
	if err != nil {
		return 0, fmt.Errorf("sqlite: abandon runs: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// ReleaseTask implements pipeline.Store.
func (s *Store) ReleaseTask(ctx context.Context, rel pipeline.TaskRelease) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: release task: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	q := s.newTxq(tx)
	if err := release(ctx, q, rel); err != nil {
		return err
	}
	return q.commit(ctx)
}

// release writes a run's outcome inside tx, or fails with ErrConflict when
// the owner lost the lease.
func release(ctx context.Context, tx *txq, rel pipeline.TaskRelease) error {
	r := rel.Record
	res, err := tx.ExecContext(ctx, `UPDATE tasks SET state = ?, reason = ?, reason_code = ?, attempts = ?,
		next_attempt_at = ?, last_error = ?, input_fingerprint = ?, lease_owner = NULL, lease_expires_at = NULL,
		updated_at = ? WHERE processor = ? AND game_date = ? AND lease_owner = ?`,
		r.State, r.Reason, r.Code, r.Attempts, nullMicros(r.NextAttemptAt), r.LastError, r.Fingerprint,
		micros(rel.At), r.Key.Processor, r.Key.Date.String(), rel.Owner)
	if err != nil {
		return fmt.Errorf("sqlite: release task: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("task %s %s: lease of %s lost: %w", r.Key.Processor, r.Key.Date, rel.Owner, pipeline.ErrConflict)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE task_runs SET finished_at = ?, state = ?, error = ?, version = ?
		WHERE id = ?`, micros(rel.At), rel.RunState, rel.RunError, nullInt(rel.RunVersion), rel.RunID); err != nil {
		return fmt.Errorf("sqlite: finish run: %w", err)
	}
	return nil
}

// Runs implements pipeline.Store.
func (s *Store) Runs(ctx context.Context, f pipeline.RunFilter) ([]pipeline.TaskRun, error) {
	q := `SELECT id, processor, game_date, worker, started_at, finished_at, state, error, COALESCE(version, 0)
		FROM task_runs WHERE started_at >= ?`
	args := []any{micros(f.Since)}
	if f.Task != nil {
		q += " AND processor = ? AND game_date = ?"
		args = append(args, f.Task.Processor, f.Task.Date.String())
	}
	rows, err := s.read.QueryContext(ctx, "SELECT * FROM ("+q+" ORDER BY id DESC LIMIT ?) ORDER BY id", append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: runs: %w", err)
	}
	defer rows.Close()
	var out []pipeline.TaskRun
	for rows.Next() {
		var (
			r        pipeline.TaskRun
			date     string
			started  int64
			finished sql.NullInt64
		)
		if err := rows.Scan(&r.ID, &r.Task.Processor, &date, &r.Worker, &started, &finished, &r.State, &r.Error, &r.Version); err != nil {
			return nil, fmt.Errorf("sqlite: runs: %w", err)
		}
		if r.Task.Date, err = pipeline.ParseDate(date); err != nil {
			return nil, err
		}
		r.StartedAt = fromMicros(started)
		if finished.Valid {
			f := fromMicros(finished.Int64)
			r.FinishedAt = &f
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
