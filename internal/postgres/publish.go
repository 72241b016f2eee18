package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/statgate/statgate/internal/pipeline"
)

// Publish implements pipeline.Store: one transaction replaces every
// partition of the batch (COPY for the rows), versions it and records
// lineage, history and triggers.
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
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: begin publish: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	now := s.now().UTC()
	results := make([]pipeline.PublishResult, len(prepared))
	for i, p := range prepared {
		res, err := s.publishOne(ctx, tx, p, now)
		if err != nil {
			return nil, fmt.Errorf("postgres: publish %s %s: %w", p.Table.Name, p.Date, err)
		}
		results[i] = res
	}
	if changed(results) {
		// Delivered at commit to every listening process (Listen).
		if _, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", notifyChannel, s.payload()); err != nil {
			return nil, fmt.Errorf("postgres: notify: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("postgres: commit publish: %w", err)
	}
	return results, nil
}

func (s *Store) publishOne(ctx context.Context, tx pgx.Tx, p pipeline.Prepared, now time.Time) (pipeline.PublishResult, error) {
	t := p.Table
	date := p.Date.Time()
	// Publishers of one partition in different processes queue here, so
	// version numbers are assigned one at a time.
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
		partitionLock(t.Name, p.Date)); err != nil {
		return pipeline.PublishResult{}, err
	}
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
	// A rollback's lineage names what the restored content was computed
	// from, which is by design no longer current.
	if p.Source != pipeline.SourceRollback {
		if err := checkInputs(ctx, tx, p); err != nil {
			return pipeline.PublishResult{}, err
		}
	}
	if p.Restamps(cur) {
		return restamp(ctx, tx, p, cur)
	}
	v, err := p.Next(cur.Version, now)
	if err != nil {
		return pipeline.PublishResult{}, err
	}
	if t.Kind == pipeline.Analytics && cur.Version > 0 {
		if err := archive(ctx, tx, t, cur); err != nil {
			return pipeline.PublishResult{}, err
		}
		if s.keep > 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM partition_contents
				WHERE table_name = $1 AND game_date = $2 AND version <= $3`, t.Name, date, v.Version-1-s.keep); err != nil {
				return pipeline.PublishResult{}, err
			}
		}
	}
	if !p.InPlace {
		if _, err := tx.Exec(ctx, "DELETE FROM "+t.Name+" WHERE game_date = $1", date); err != nil {
			return pipeline.PublishResult{}, err
		}
	}
	if len(p.Rows) > 0 && !p.InPlace {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.Name}, t.ColumnNames(), &rowSource{rows: p.Rows, i: -1}); err != nil {
			return pipeline.PublishResult{}, err
		}
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO partition_versions
		(table_name, game_date, version, row_count, content_hash, source, partial,
		 processor_version, build_revision, restored_from, created_at, coverage, input_fingerprint)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		t.Name, date, v.Version, v.RowCount, v.ContentHash, v.Source, v.Partial,
		v.ProcessorVersion, v.BuildRevision, nullInt(v.RestoredFrom), now, p.Coverage, p.Fingerprint)
	b.Queue(`INSERT INTO partitions (table_name, game_date, current_version, first_recorded_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (table_name, game_date) DO UPDATE SET current_version = excluded.current_version`,
		t.Name, date, v.Version, now)
	queueLineage(b, t.Name, date, v.Version, p.Inputs)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return pipeline.PublishResult{}, err
	}
	v.FirstRecorded = now
	if !cur.FirstRecorded.IsZero() {
		v.FirstRecorded = cur.FirstRecorded
	}
	var trigID int64
	if trig, ok := p.TriggerFor(v); ok {
		payload := p.Payload
		if payload == "" {
			payload = "{}"
		}
		err := tx.QueryRow(ctx, `INSERT INTO triggers
			(message_id, table_name, game_date, status, record_count, content_hash, source, payload, received_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (message_id) DO NOTHING RETURNING id`,
			trig.MessageID, t.Name, date, trig.Status, trig.RecordCount, trig.ContentHash, trig.Source, payload, now).Scan(&trigID)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
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

func queueLineage(b *pgx.Batch, table string, date time.Time, version int, inputs []pipeline.InputVersion) {
	for _, in := range inputs {
		b.Queue(`INSERT INTO lineage (table_name, game_date, version, input_table, input_date, input_version)
			VALUES ($1, $2, $3, $4, $5, $6)`, table, date, version, in.Table, in.Date.Time(), in.Version)
	}
}

// restamp records on the current version that the computation p, whose
// content is the same, was made from p's inputs (PublishResult.Restamped).
func restamp(ctx context.Context, tx pgx.Tx, p pipeline.Prepared, cur pipeline.PartitionVersion) (pipeline.PublishResult, error) {
	date := p.Date.Time()
	b := &pgx.Batch{}
	b.Queue(`UPDATE partition_versions SET input_fingerprint = $1, processor_version = $2, build_revision = $3
		WHERE table_name = $4 AND game_date = $5 AND version = $6`,
		p.Fingerprint, p.ProcessorVersion, p.BuildRevision, cur.Table, date, cur.Version)
	b.Queue(`DELETE FROM lineage WHERE table_name = $1 AND game_date = $2 AND version = $3`, cur.Table, date, cur.Version)
	queueLineage(b, cur.Table, date, cur.Version, p.Inputs)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return pipeline.PublishResult{}, err
	}
	if rel, ok := p.ReleaseFor(cur.Version, true); ok {
		if err := release(ctx, tx, rel); err != nil {
			return pipeline.PublishResult{}, err
		}
	}
	return pipeline.PublishResult{PartitionVersion: p.Restamp(cur), Restamped: true}, nil
}

// rowSource feeds COPY without building a second copy of the rows.
type rowSource struct {
	rows []pipeline.Row
	i    int
	buf  []any
}

func (r *rowSource) Next() bool { r.i++; return r.i < len(r.rows) }

func (r *rowSource) Values() ([]any, error) {
	row := r.rows[r.i]
	if cap(r.buf) < len(row) {
		r.buf = make([]any, len(row))
	}
	r.buf = r.buf[:len(row)]
	for i, v := range row {
		r.buf[i] = toDB(v)
	}
	return r.buf, nil
}

func (r *rowSource) Err() error { return nil }

func nullInt(n int) any {
	if n == 0 {
		return nil
	}
	return int32(n)
}

// checkInputs fails with ErrConflict when the inputs the computation read
// (or, with a guard, found absent) are no longer what the database holds:
// one range query per input window. Every publisher of a partition holds
// its advisory lock exclusively until commit (publishOne); the check holds
// the window's shared, so no input can be published or replaced between
// the check and this commit, including one that was absent.
func checkInputs(ctx context.Context, tx pgx.Tx, p pipeline.Prepared) error {
	for _, w := range p.InputWindows() {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared(hashtextextended($1 || '/' || to_char(d, 'YYYY-MM-DD'), 0))
			FROM generate_series($2::date, $3::date, interval '1 day') AS d`, w.Table, w.From.Time(), w.To.Time()); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT game_date, current_version FROM partitions
			WHERE table_name = $1 AND game_date BETWEEN $2 AND $3`, w.Table, w.From.Time(), w.To.Time())
		if err != nil {
			return err
		}
		current := map[pipeline.Date]int{}
		for rows.Next() {
			var (
				date time.Time
				v    int
			)
			if err := rows.Scan(&date, &v); err != nil {
				rows.Close()
				return err
			}
			current[pipeline.DateOf(date)] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := p.CheckInputs(w, current); err != nil {
			return err
		}
	}
	return nil
}

// archive keeps the content of the version about to be replaced, for
// rollback; the current version's content is the table itself, so a first
// publication (every one of a backfill) archives nothing.
func archive(ctx context.Context, tx pgx.Tx, t *pipeline.Table, cur pipeline.PartitionVersion) error {
	rows, err := readRows(ctx, tx, t, cur.Date, cur.Date)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO partition_contents (table_name, game_date, version, rows_gz)
		VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, t.Name, cur.Date.Time(), cur.Version, pipeline.Compress(t.EncodeRows(rows)))
	return err
}

// changed reports whether a publication of the batch created or re-stamped
// a version: other processes' engines re-read theirs.
func changed(results []pipeline.PublishResult) bool {
	for _, r := range results {
		if r.Created || r.Restamped {
			return true
		}
	}
	return false
}

// partitionLock is the advisory lock key text of a partition; checkInputs
// builds the same text in SQL.
func partitionLock(table string, d pipeline.Date) string { return table + "/" + d.String() }
