package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// Publish implements pipeline.Store: every partition of the batch is
// replaced, versioned and (when asked) announced in one write transaction.
func (s *Store) Publish(ctx context.Context, pubs []pipeline.Publication) ([]pipeline.PublishResult, error) {
	prepared := make([]pipeline.Prepared, len(pubs))
	for i, pub := range pubs {
		p, err := pipeline.Prepare(pub)
		if err != nil {
			return nil, err
		}
		if s.catalog.Table(pub.Table.Name) != pub.Table {
			return nil, fmt.Errorf("%w: table %q is not in the store's catalog", pipeline.ErrInvalid, pub.Table.Name)
		}
		prepared[i] = p
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin publish: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	st := &pubState{now: s.now().UTC()}
	results := make([]pipeline.PublishResult, len(prepared))
	q := s.newTxq(tx)
	for i, p := range prepared {
		res, err := s.publishOne(ctx, q, p, st)
		if err != nil {
			return nil, fmt.Errorf("sqlite: publish %s %s: %w", p.Table.Name, p.Date, err)
		}
		results[i] = res
	}
	if err := q.commit(ctx); err != nil {
		return nil, fmt.Errorf("sqlite: commit publish: %w", err)
	}
	return results, nil
}

// pubState is what the publications of one transaction share: the time
// they record, and the replacement sequence (read once, moved by each
// publication that replaces a version).
type pubState struct {
	now  time.Time
	seq  int64
	read bool
}

// sequence returns the replacement sequence.
func (st *pubState) sequence(ctx context.Context, tx *txq) (int64, error) {
	if !st.read {
		if err := tx.QueryRowContext(ctx, "SELECT seq FROM replacements WHERE id = 1").Scan(&st.seq); err != nil {
			return 0, fmt.Errorf("read the replacement sequence: %w", err)
		}
		st.read = true
	}
	return st.seq, nil
}

// replaced moves the sequence on: a version was replaced, so everything
// computed from it may be stale from now on.
func (st *pubState) replaced(ctx context.Context, tx *txq) (int64, error) {
	if _, err := st.sequence(ctx, tx); err != nil {
		return 0, err
	}
	st.seq++
	_, err := tx.ExecContext(ctx, "UPDATE replacements SET seq = ? WHERE id = 1", st.seq)
	return st.seq, err
}

func (s *Store) publishOne(ctx context.Context, tx *txq, p pipeline.Prepared, st *pubState) (pipeline.PublishResult, error) {
	t := p.Table
	date := p.Date.String()
	now := st.now
	cur, err := currentVersion(ctx, tx, t.Name, p.Date)
	switch {
	case errors.Is(err, pipeline.ErrNotFound):
	case err != nil:
		return pipeline.PublishResult{}, err
	case p.Unchanged(cur):
		return pipeline.PublishResult{PartitionVersion: cur}, nil
	}
	if p.Guard != nil {
		if err := p.Guard.CheckBase(t.Name, p.Date, cur.Version); err != nil {
			return pipeline.PublishResult{}, err
		}
	}
	seq, err := st.sequence(ctx, tx)
	if err != nil {
		return pipeline.PublishResult{}, err
	}
	// A rollback's lineage names what the restored content was computed
	// from, which is by design no longer current.
	if p.Source != pipeline.SourceRollback {
		suspect, err := s.checkInputs(ctx, tx, p, seq)
		if err != nil {
			return pipeline.PublishResult{}, err
		}
		if suspect {
			if err := s.checkNotStale(ctx, tx, p, seq); err != nil {
				return pipeline.PublishResult{}, err
			}
		}
	}
	if p.Restamps(cur) {
		return restamp(ctx, tx, p, cur, seq)
	}
	v, err := p.Next(cur.Version, now)
	if err != nil {
		return pipeline.PublishResult{}, err
	}
	if cur.Version > 0 {
		if seq, err = st.replaced(ctx, tx); err != nil {
			return pipeline.PublishResult{}, err
		}
	}
	if t.Kind == pipeline.Analytics && cur.Version > 0 {
		if err := archive(ctx, tx, t, cur); err != nil {
			return pipeline.PublishResult{}, err
		}
		if s.keep > 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM partition_contents
				WHERE table_name = ? AND game_date = ? AND version <= ?`, t.Name, date, v.Version-1-s.keep); err != nil {
				return pipeline.PublishResult{}, err
			}
		}
	}
	if !p.InPlace {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+t.Name+" WHERE game_date = ?", date); err != nil {
			return pipeline.PublishResult{}, err
		}
		if err := insertRows(ctx, tx, t, p.Rows); err != nil {
			return pipeline.PublishResult{}, err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO partition_versions
		(table_name, game_date, version, row_count, content_hash, source, partial,
		 processor_version, build_revision, restored_from, created_at, coverage, input_fingerprint)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.Name, date, v.Version, v.RowCount, v.ContentHash, v.Source, toDB(v.Partial),
		v.ProcessorVersion, v.BuildRevision, nullInt(v.RestoredFrom), micros(now), p.Coverage, p.Fingerprint); err != nil {
		return pipeline.PublishResult{}, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO partitions (table_name, game_date, current_version, first_recorded_at, verified_seq)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (table_name, game_date) DO UPDATE SET current_version = excluded.current_version,
			verified_seq = excluded.verified_seq`,
		t.Name, date, v.Version, micros(now), seq); err != nil {
		return pipeline.PublishResult{}, err
	}
	v.FirstRecorded = now
	if !cur.FirstRecorded.IsZero() {
		v.FirstRecorded = cur.FirstRecorded
	}
	if err := insertLineage(ctx, tx, t.Name, date, v.Version, p.Inputs); err != nil {
		return pipeline.PublishResult{}, err
	}
	var trigID int64
	if trig, ok := p.TriggerFor(v); ok {
		payload := p.Payload
		if payload == "" {
			payload = "{}"
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO triggers
			(message_id, table_name, game_date, status, record_count, content_hash, source, payload, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING RETURNING id`,
			trig.MessageID, t.Name, date, trig.Status, trig.RecordCount, trig.ContentHash, trig.Source, payload, micros(now)).Scan(&trigID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return pipeline.PublishResult{}, err
		}
	}
	if err := insertEvents(ctx, tx, p.Events, v.Version, now); err != nil {
		return pipeline.PublishResult{}, err
	}
	if rel, ok := p.ReleaseFor(v.Version, false); ok {
		if err := release(ctx, tx, rel); err != nil {
			return pipeline.PublishResult{}, err
		}
	}
	return pipeline.PublishResult{PartitionVersion: v, Created: true, TriggerID: trigID}, nil
}

func insertLineage(ctx context.Context, tx *txq, table, date string, version int, inputs []pipeline.InputVersion) error {
	for _, in := range inputs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO lineage
			(table_name, game_date, version, input_table, input_date, input_version) VALUES (?, ?, ?, ?, ?, ?)`,
			table, date, version, in.Table, in.Date.String(), in.Version); err != nil {
			return err
		}
	}
	return nil
}

// restamp records on the current version that the computation p, whose
// content is the same, was made from p's inputs (PublishResult.Restamped).
func restamp(ctx context.Context, tx *txq, p pipeline.Prepared, cur pipeline.PartitionVersion, seq int64) (pipeline.PublishResult, error) {
	date := p.Date.String()
	if _, err := tx.ExecContext(ctx, `UPDATE partitions SET verified_seq = ? WHERE table_name = ? AND game_date = ?`,
		seq, cur.Table, date); err != nil {
		return pipeline.PublishResult{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE partition_versions SET input_fingerprint = ?, processor_version = ?,
		build_revision = ? WHERE table_name = ? AND game_date = ? AND version = ?`,
		p.Fingerprint, p.ProcessorVersion, p.BuildRevision, cur.Table, date, cur.Version); err != nil {
		return pipeline.PublishResult{}, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM lineage WHERE table_name = ? AND game_date = ? AND version = ?`,
		cur.Table, date, cur.Version); err != nil {
		return pipeline.PublishResult{}, err
	}
	if err := insertLineage(ctx, tx, cur.Table, date, cur.Version, p.Inputs); err != nil {
		return pipeline.PublishResult{}, err
	}
	if rel, ok := p.ReleaseFor(cur.Version, true); ok {
		if err := release(ctx, tx, rel); err != nil {
			return pipeline.PublishResult{}, err
		}
	}
	return pipeline.PublishResult{PartitionVersion: p.Restamp(cur), Restamped: true}, nil
}

func insertRows(ctx context.Context, tx *txq, t *pipeline.Table, rows []pipeline.Row) error {
	if len(rows) == 0 {
		return nil
	}
	q := "INSERT INTO " + t.Name + " (" + strings.Join(t.ColumnNames(), ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(t.Columns)), ", ") + ")"
	stmt, err := tx.prepared(ctx, q)
	if err != nil {
		return err
	}
	args := make([]any, len(t.Columns))
	for _, r := range rows {
		for i, v := range r {
			args[i] = toDB(v)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

func nullInt(n int) any {
	if n == 0 {
		return nil
	}
	return int64(n)
}

// checkInputs fails with ErrConflict when the inputs the computation read
// (or, with a guard, found absent) are no longer what the database holds:
// one range query per input window. It reports whether an analytics input
// was last known fresh before the replacement sequence seq: it may have
// gone stale since (checkNotStale).
func (s *Store) checkInputs(ctx context.Context, tx *txq, p pipeline.Prepared, seq int64) (suspect bool, err error) {
	for _, w := range p.InputWindows() {
		analytics := s.catalog.Table(w.Table).Kind == pipeline.Analytics
		rows, err := tx.QueryContext(ctx, `SELECT game_date, current_version, verified_seq FROM partitions
			WHERE table_name = ? AND game_date BETWEEN ? AND ?`, w.Table, w.From.String(), w.To.String())
		if err != nil {
			return false, err
		}
		current := map[pipeline.Date]int{}
		for rows.Next() {
			var (
				date     string
				v        int
				verified int64
			)
			if err := rows.Scan(&date, &v, &verified); err != nil {
				rows.Close()
				return false, err
			}
			d, err := pipeline.ParseDate(date)
			if err != nil {
				rows.Close()
				return false, err
			}
			current[d] = v
			suspect = suspect || analytics && verified < seq
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return false, err
		}
		if err := p.CheckInputs(w, current); err != nil {
			return false, err
		}
	}
	return suspect, nil
}

// staleQuery follows the lineage of the analytics partitions a guarded
// computation read, through computed versions (a rollback's lineage is
// history, not a claim about its inputs), down to the raw partitions, and
// finds an input version that has been replaced since: the partition
// that read it is stale, and so is everything computed from it.
const staleQuery = `WITH RECURSIVE reach(table_name, game_date, version) AS (
	SELECT table_name, game_date, current_version FROM partitions WHERE (%s) AND verified_seq < ?
	UNION
	SELECT l.input_table, l.input_date, l.input_version FROM reach r
	JOIN partition_versions pv ON pv.table_name = r.table_name AND pv.game_date = r.game_date
		AND pv.version = r.version AND pv.source = 'compute'
	JOIN lineage l ON l.table_name = r.table_name AND l.game_date = r.game_date AND l.version = r.version)
SELECT r.table_name, r.game_date, r.version, p.current_version FROM reach r
JOIN partitions p ON p.table_name = r.table_name AND p.game_date = r.game_date
WHERE p.current_version <> r.version LIMIT 1`

// checkNotStale fails with ErrConflict when an analytics partition the
// computation read is stale (SPEC §6: a stale input is not ready): one
// recursive query from the inputs last known fresh before seq. The single
// writer keeps the answer true until commit.
func (s *Store) checkNotStale(ctx context.Context, tx *txq, p pipeline.Prepared, seq int64) error {
	if p.Guard == nil {
		return nil
	}
	ws := p.Guard.AnalyticsWindows(s.catalog)
	if len(ws) == 0 {
		return nil
	}
	var (
		where []string
		args  []any
	)
	for _, w := range ws {
		where = append(where, "(table_name = ? AND game_date BETWEEN ? AND ?)")
		args = append(args, w.Table, w.From.String(), w.To.String())
	}
	var (
		table, date   string
		read, current int
	)
	args = append(args, seq)
	err := tx.QueryRowContext(ctx, fmt.Sprintf(staleQuery, strings.Join(where, " OR ")), args...).Scan(&table, &date, &read, &current)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	d, err := pipeline.ParseDate(date)
	if err != nil {
		return err
	}
	return pipeline.StaleInput(table, d, read, current)
}

// archive keeps the content of the version about to be replaced, for
// rollback; the current version's content is the table itself, so a first
// publication (every one of a backfill) archives nothing.
func archive(ctx context.Context, tx *txq, t *pipeline.Table, cur pipeline.PartitionVersion) error {
	rows, err := readRows(ctx, tx, t, cur.Date, cur.Date)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO partition_contents (table_name, game_date, version, rows_gz)
		VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, t.Name, cur.Date.String(), cur.Version, pipeline.Compress(t.EncodeRows(rows)))
	return err
}
