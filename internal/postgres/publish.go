package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
	exclusive := false
	for _, p := range prepared {
		exclusive = exclusive || p.MayReplace()
	}
	if err := lockReplacements(ctx, tx, exclusive); err != nil {
		return nil, err
	}
	st := &pubState{now: s.now().UTC()}
	results := make([]pipeline.PublishResult, len(prepared))
	for i, p := range prepared {
		res, err := s.publishOne(ctx, tx, p, st)
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

// replacementLock is the advisory lock that orders replacements of
// versions against the checks that inputs are not stale: taken first in a
// publishing transaction, exclusively by one that may replace a version,
// shared by computations of first versions.
const replacementLock = "statgate/replacements"

func lockReplacements(ctx context.Context, tx pgx.Tx, exclusive bool) error {
	fn := "pg_advisory_xact_lock_shared"
	if exclusive {
		fn = "pg_advisory_xact_lock"
	}
	if _, err := tx.Exec(ctx, "SELECT "+fn+"(hashtextextended($1, 0))", replacementLock); err != nil {
		return fmt.Errorf("postgres: replacement lock: %w", err)
	}
	return nil
}

// pubState is what the publications of one transaction share: the time
// they record, and the replacement sequence (read once, moved by each
// publication that replaces a version).
type pubState struct {
	now  time.Time
	seq  int64
	read bool
}

// lockAndRead takes the partition's advisory lock and reads its current
// version (ErrNotFound when there is none) and, the first time, the
// replacement sequence, in one batch.
func (st *pubState) lockAndRead(ctx context.Context, tx pgx.Tx, table string, d pipeline.Date) (pipeline.PartitionVersion, error) {
	b := &pgx.Batch{}
	b.Queue("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", partitionLock(table, d))
	b.Queue("SELECT "+versionColumns+currentJoin+" WHERE p.table_name = $1 AND p.game_date = $2", table, d.Time())
	if !st.read {
		b.Queue("SELECT seq FROM replacements WHERE id = 1")
	}
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return pipeline.PartitionVersion{}, err
	}
	cur, err := scanVersion(br.QueryRow())
	if errors.Is(err, pgx.ErrNoRows) {
		err = fmt.Errorf("partition %s %s: %w", table, d, pipeline.ErrNotFound)
	}
	if !st.read {
		if serr := br.QueryRow().Scan(&st.seq); serr != nil {
			return cur, fmt.Errorf("read the replacement sequence: %w", serr)
		}
		st.read = true
	}
	return cur, err
}

func (st *pubState) sequence(ctx context.Context, tx pgx.Tx) (int64, error) {
	if !st.read {
		if err := tx.QueryRow(ctx, "SELECT seq FROM replacements WHERE id = 1").Scan(&st.seq); err != nil {
			return 0, fmt.Errorf("read the replacement sequence: %w", err)
		}
		st.read = true
	}
	return st.seq, nil
}

// replaced moves the sequence on: a version was replaced, so everything
// computed from it may be stale from now on.
func (st *pubState) replaced(ctx context.Context, tx pgx.Tx) (int64, error) {
	if _, err := st.sequence(ctx, tx); err != nil {
		return 0, err
	}
	st.seq++
	_, err := tx.Exec(ctx, "UPDATE replacements SET seq = $1 WHERE id = 1", st.seq)
	return st.seq, err
}

func (s *Store) publishOne(ctx context.Context, tx pgx.Tx, p pipeline.Prepared, st *pubState) (pipeline.PublishResult, error) {
	t := p.Table
	date := p.Date.Time()
	now := st.now
	// Publishers of one partition in different processes queue here, so
	// version numbers are assigned one at a time. The lock, the current
	// version and the replacement sequence go in one round trip.
	cur, err := st.lockAndRead(ctx, tx, t.Name, p.Date)
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
	b.Queue(`INSERT INTO partitions (table_name, game_date, current_version, first_recorded_at, verified_seq) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (table_name, game_date) DO UPDATE SET current_version = excluded.current_version, verified_seq = excluded.verified_seq`,
		t.Name, date, v.Version, now, seq)
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
func restamp(ctx context.Context, tx pgx.Tx, p pipeline.Prepared, cur pipeline.PartitionVersion, seq int64) (pipeline.PublishResult, error) {
	date := p.Date.Time()
	b := &pgx.Batch{}
	b.Queue(`UPDATE partitions SET verified_seq = $1 WHERE table_name = $2 AND game_date = $3`, seq, cur.Table, date)
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
// (or, with a guard, found absent) are no longer what the database holds,
// in one round trip for every window. It reports whether an analytics
// input was last known fresh before the replacement sequence seq: it may
// have gone stale since (checkNotStale).
//
// What keeps the answer true until commit: every publication that may
// replace a version holds the replacement lock exclusively, and this one
// holds it shared, so no input can be replaced meanwhile, nor a raw
// partition appear (raw partitions come from loads and announcements).
// Only a computed partition's first version can appear concurrently; for
// the dates of analytics windows that hold none, this takes the
// partition's advisory lock shared (its publisher holds it exclusively)
// and reads those windows again.
func (s *Store) checkInputs(ctx context.Context, tx pgx.Tx, p pipeline.Prepared, seq int64) (suspect bool, err error) {
	ws := p.InputWindows()
	if len(ws) == 0 {
		return false, nil
	}
	absent, suspect, err := s.readWindows(ctx, tx, p, ws, seq)
	if err != nil || len(absent) == 0 {
		return suspect, err
	}
	var keys []string
	var again []pipeline.InputWindow
	for _, w := range absent {
		for d := w.From; d <= w.To; d++ {
			keys = append(keys, partitionLock(w.Table, d))
		}
		again = append(again, pipeline.InputWindow{Table: w.Table, From: w.From, To: w.To})
	}
	if _, err := tx.Exec(ctx, `SELECT count(pg_advisory_xact_lock_shared(hashtextextended(k, 0))) FROM unnest($1::text[]) AS k`, keys); err != nil {
		return false, err
	}
	_, more, err := s.readWindows(ctx, tx, p, again, seq)
	return suspect || more, err
}

// readWindows reads the current partitions of windows in one batch and
// checks each against what the computation read; it returns, as windows
// of one date each, the dates of analytics windows that hold no partition.
func (s *Store) readWindows(ctx context.Context, tx pgx.Tx, p pipeline.Prepared, ws []pipeline.InputWindow, seq int64) (absent []pipeline.InputWindow, suspect bool, err error) {
	b := &pgx.Batch{}
	for _, w := range ws {
		b.Queue(`SELECT game_date, current_version, verified_seq FROM partitions
			WHERE table_name = $1 AND game_date BETWEEN $2 AND $3`, w.Table, w.From.Time(), w.To.Time())
	}
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	for _, w := range ws {
		analytics := s.catalog.Table(w.Table).Kind == pipeline.Analytics
		rows, err := br.Query()
		if err != nil {
			return nil, false, err
		}
		current := map[pipeline.Date]int{}
		for rows.Next() {
			var (
				date     time.Time
				v        int
				verified int64
			)
			if err := rows.Scan(&date, &v, &verified); err != nil {
				rows.Close()
				return nil, false, err
			}
			current[pipeline.DateOf(date)] = v
			suspect = suspect || analytics && verified < seq
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, false, err
		}
		if err := p.CheckInputs(w, current); err != nil {
			return nil, false, err
		}
		if analytics && p.Guard != nil {
			for d := w.From; d <= w.To; d++ {
				if _, ok := current[d]; !ok {
					absent = append(absent, pipeline.InputWindow{Table: w.Table, From: d, To: d})
				}
			}
		}
	}
	return absent, suspect, nil
}

// staleQuery follows the lineage of the analytics partitions a guarded
// computation read and that were last known fresh before a replacement,
// through computed versions (a rollback's lineage is history, not a claim
// about its inputs), down to the raw partitions, and finds an input
// version that has been replaced since: the partition that read it is
// stale, and so is everything computed from it.
const staleQuery = `WITH RECURSIVE reach(table_name, game_date, version) AS (
	SELECT table_name, game_date, current_version FROM partitions WHERE (%s) AND verified_seq < $%d
	UNION
	SELECT l.input_table, l.input_date, l.input_version FROM reach r
	JOIN partition_versions pv ON pv.table_name = r.table_name AND pv.game_date = r.game_date
		AND pv.version = r.version AND pv.source = 'compute'
	JOIN lineage l ON l.table_name = r.table_name AND l.game_date = r.game_date AND l.version = r.version)
SELECT r.table_name, r.game_date, r.version, p.current_version FROM reach r
JOIN partitions p ON p.table_name = r.table_name AND p.game_date = r.game_date
WHERE p.current_version <> r.version LIMIT 1`

// checkNotStale fails with ErrConflict when an analytics partition the
// computation read is stale (SPEC §6: a stale input is not ready). The
// replacement lock, held shared, keeps the answer true until commit.
func (s *Store) checkNotStale(ctx context.Context, tx pgx.Tx, p pipeline.Prepared, seq int64) error {
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
	for i, w := range ws {
		where = append(where, fmt.Sprintf("(table_name = $%d AND game_date BETWEEN $%d AND $%d)", 3*i+1, 3*i+2, 3*i+3))
		args = append(args, w.Table, w.From.Time(), w.To.Time())
	}
	args = append(args, seq)
	var (
		table         string
		date          time.Time
		read, current int
	)
	err := tx.QueryRow(ctx, fmt.Sprintf(staleQuery, strings.Join(where, " OR "), len(args)), args...).Scan(&table, &date, &read, &current)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	return pipeline.StaleInput(table, pipeline.DateOf(date), read, current)
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
