package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// Publish implements pipeline.Store: in one write transaction every
// partition of the batch is checked (unchanged, planned against its current
// version, inputs still current and not stale), its replaced content
// archived, its rows replaced, versioned, its lineage, trigger and events
// recorded and its task released — or nothing is.
func (s *Store) Publish(ctx context.Context, pubs []pipeline.Publication) ([]pipeline.PublishResult, error) {
	prepared := make([]pipeline.Prepared, len(pubs))
	exclusive := false
	for i, pub := range pubs {
		p, err := pipeline.Prepare(pub)
		if err != nil {
			return nil, err
		}
		if s.catalog.Table(pub.Table.Name) != pub.Table {
			return nil, fmt.Errorf("%w: table %q is not in the store's catalog", pipeline.ErrInvalid, pub.Table.Name)
		}
		prepared[i] = p
		exclusive = exclusive || p.MayReplace()
	}
	results := make([]pipeline.PublishResult, len(prepared))
	err := s.db.Write(ctx, func(tx Tx) error {
		if err := s.lockReplacements(ctx, tx, exclusive); err != nil {
			return err
		}
		st := &pubState{now: s.now().UTC()}
		var changed []pipeline.PartKey
		for i, p := range prepared {
			res, err := s.publishOne(ctx, tx, p, st)
			if err != nil {
				return fmt.Errorf("publish %s %s: %w", p.Table.Name, p.Date, err)
			}
			results[i] = res
			if res.Created || res.Restamped {
				changed = append(changed, pipeline.PartKey{Table: p.Table.Name, Date: p.Date})
			}
		}
		if len(changed) > 0 {
			return s.db.Notify(ctx, tx, changed)
		}
		return nil
	})
	if err != nil {
		return nil, s.wrap(err)
	}
	return results, nil
}

// wrap names the database in an error, keeping the ones a caller acts on
// (invalid input, conflicts) recognisable.
func (s *Store) wrap(err error) error {
	return fmt.Errorf("%s: %w", s.db.Name(), err)
}

func (s *Store) lockReplacements(ctx context.Context, tx Tx, exclusive bool) error {
	l := s.db.Locks()
	if l == nil {
		return nil
	}
	q := l.ReplacementsShared
	if exclusive {
		q = l.Replacements
	}
	if _, err := tx.Exec(ctx, q); err != nil {
		return fmt.Errorf("replacement lock: %w", err)
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

const readSequence = "SELECT seq FROM replacements WHERE id = 1"

// lockAndRead takes the partition's lock and reads its current version
// (ErrNotFound when there is none) and, the first time, the replacement
// sequence, in one round trip where the database allows.
func (s *Store) lockAndRead(ctx context.Context, tx Tx, st *pubState, table string, d pipeline.Date) (pipeline.PartitionVersion, error) {
	b := &Batch{}
	l := s.db.Locks()
	if l != nil {
		b.Queue(l.Partition, PartitionKey(table, d))
	}
	b.Queue(CurrentVersionQuery, table, d)
	if !st.read {
		b.Queue(readSequence)
	}
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	if l != nil {
		if err := br.Exec(); err != nil {
			return pipeline.PartitionVersion{}, err
		}
	}
	cur, err := ScanVersion(br.QueryRow())
	if errors.Is(err, ErrNoRows) {
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

// replaced moves the sequence on: a version was replaced, so everything
// computed from it may be stale from now on.
func (st *pubState) replaced(ctx context.Context, tx Tx) (int64, error) {
	st.seq++
	_, err := tx.Exec(ctx, "UPDATE replacements SET seq = ? WHERE id = 1", st.seq)
	return st.seq, err
}

func (s *Store) publishOne(ctx context.Context, tx Tx, p pipeline.Prepared, st *pubState) (pipeline.PublishResult, error) {
	t := p.Table
	now := st.now
	cur, err := s.lockAndRead(ctx, tx, st, t.Name, p.Date)
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
	seq := st.seq
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
		if t.Kind == pipeline.Analytics {
			if err := s.archive(ctx, tx, t, cur, v.Version); err != nil {
				return pipeline.PublishResult{}, err
			}
		}
	}
	if !p.InPlace() {
		if _, err := tx.Exec(ctx, "DELETE FROM "+t.Name+" WHERE game_date = ?", p.Date); err != nil {
			return pipeline.PublishResult{}, err
		}
		if len(p.Rows) > 0 {
			if err := s.db.InsertRows(ctx, tx, t, p.Rows); err != nil {
				return pipeline.PublishResult{}, err
			}
		}
	}
	b := &Batch{}
	b.Queue(`INSERT INTO partition_versions
		(table_name, game_date, version, row_count, content_hash, source, partial,
		 processor_version, build_revision, restored_from, created_at, coverage, input_fingerprint)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.Name, p.Date, v.Version, v.RowCount, v.ContentHash, v.Source, v.Partial,
		v.ProcessorVersion, v.BuildRevision, NullInt(v.RestoredFrom), now, p.Coverage, p.Fingerprint)
	b.Queue(`INSERT INTO partitions (table_name, game_date, current_version, first_recorded_at, verified_seq)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (table_name, game_date) DO UPDATE SET
			current_version = excluded.current_version, verified_seq = excluded.verified_seq`,
		t.Name, p.Date, v.Version, now, seq)
	queueLineage(b, t.Name, p.Date, v.Version, p.Inputs)
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
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING RETURNING id`,
			trig.MessageID, t.Name, p.Date, trig.Status, trig.RecordCount, trig.ContentHash, trig.Source, payload, now).Scan(&trigID)
		if err != nil && !errors.Is(err, ErrNoRows) {
			return pipeline.PublishResult{}, err
		}
	}
	if err := InsertEvents(ctx, tx, p.Events, v.Version, now); err != nil {
		return pipeline.PublishResult{}, err
	}
	if rel, ok := p.ReleaseFor(v.Version, false); ok {
		if err := Release(ctx, tx, rel); err != nil {
			return pipeline.PublishResult{}, err
		}
	}
	return pipeline.PublishResult{PartitionVersion: v, Created: true, TriggerID: trigID}, nil
}

func queueLineage(b *Batch, table string, d pipeline.Date, version int, inputs []pipeline.InputVersion) {
	if len(inputs) == 0 {
		return
	}
	// One statement for all of a version's inputs (an upcoming-context
	// task reads up to ninety partitions): a statement costs more than a
	// row, and the same input count reuses the same prepared statement.
	var q strings.Builder
	q.WriteString("INSERT INTO lineage (table_name, game_date, version, input_table, input_date, input_version) VALUES ")
	args := make([]any, 0, 6*len(inputs))
	for i, in := range inputs {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?)")
		args = append(args, table, d, version, in.Table, in.Date, in.Version)
	}
	b.Queue(q.String(), args...)
}

// restamp records on the current version that the computation p, whose
// content is the same, was made from p's inputs (PublishResult.Restamped).
func restamp(ctx context.Context, tx Tx, p pipeline.Prepared, cur pipeline.PartitionVersion, seq int64) (pipeline.PublishResult, error) {
	b := &Batch{}
	b.Queue(`UPDATE partitions SET verified_seq = ? WHERE table_name = ? AND game_date = ?`, seq, cur.Table, p.Date)
	b.Queue(`UPDATE partition_versions SET input_fingerprint = ?, processor_version = ?, build_revision = ?
		WHERE table_name = ? AND game_date = ? AND version = ?`,
		p.Fingerprint, p.ProcessorVersion, p.BuildRevision, cur.Table, p.Date, cur.Version)
	b.Queue(`DELETE FROM lineage WHERE table_name = ? AND game_date = ? AND version = ?`, cur.Table, p.Date, cur.Version)
	queueLineage(b, cur.Table, p.Date, cur.Version, p.Inputs)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return pipeline.PublishResult{}, err
	}
	if rel, ok := p.ReleaseFor(cur.Version, true); ok {
		if err := Release(ctx, tx, rel); err != nil {
			return pipeline.PublishResult{}, err
		}
	}
	return pipeline.PublishResult{PartitionVersion: p.Restamp(cur), Restamped: true}, nil
}

// archive keeps the content of the version about to be replaced, for
// rollback, and drops what falls out of the retention (the current
// version's content is the table itself, so a first publication — every
// one of a backfill — archives nothing).
func (s *Store) archive(ctx context.Context, tx Tx, t *pipeline.Table, cur pipeline.PartitionVersion, next int) error {
	rows, err := s.ReadRows(ctx, tx, t, cur.Date, cur.Date)
	if err != nil {
		return err
	}
	if _, err = tx.Exec(ctx, `INSERT INTO partition_contents (table_name, game_date, version, rows_gz)
		VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, t.Name, cur.Date, cur.Version, pipeline.Compress(t.EncodeArchive(rows))); err != nil {
		return err
	}
	if s.keep > 0 {
		_, err = tx.Exec(ctx, `DELETE FROM partition_contents WHERE table_name = ? AND game_date = ? AND version <= ?`,
			t.Name, cur.Date, next-1-s.keep)
	}
	return err
}

// checkInputs fails with ErrConflict when the inputs the computation read
// (or, with a guard, found absent) are no longer what the database holds,
// reading every window in one round trip. It reports whether an analytics
// input was last known fresh before the replacement sequence seq: it may
// have gone stale since (checkNotStale).
//
// What keeps the answer true until commit: with one writer, nothing else
// writes. With several, every publication that may replace a version
// holds the replacement lock exclusively and this one holds it shared, so
// no input can be replaced meanwhile, nor a raw partition appear (raw
// partitions come from loads and announcements). Only a computed
// partition's first version can appear concurrently; for the dates of
// analytics windows that hold none, this takes the partition's lock shared
// (its publisher holds it exclusively) and reads those windows again.
func (s *Store) checkInputs(ctx context.Context, tx Tx, p pipeline.Prepared, seq int64) (suspect bool, err error) {
	ws := p.InputWindows()
	if len(ws) == 0 {
		return false, nil
	}
	absent, suspect, err := s.readWindows(ctx, tx, p, ws, seq)
	l := s.db.Locks()
	if err != nil || len(absent) == 0 || l == nil {
		return suspect, err
	}
	var keys []string
	for _, w := range absent {
		keys = append(keys, PartitionKey(w.Table, w.From))
	}
	if _, err := tx.Exec(ctx, l.PartitionsShared, keys); err != nil {
		return false, err
	}
	_, more, err := s.readWindows(ctx, tx, p, absent, seq)
	return suspect || more, err
}

// readWindows reads the current partitions of windows in one batch and
// checks each against what the computation read; it returns, as windows
// of one date each, the dates of analytics windows that hold no partition.
func (s *Store) readWindows(ctx context.Context, tx Tx, p pipeline.Prepared, ws []pipeline.InputWindow, seq int64) (absent []pipeline.InputWindow, suspect bool, err error) {
	b := &Batch{}
	for _, w := range ws {
		b.Queue(`SELECT game_date, current_version, verified_seq FROM partitions
			WHERE table_name = ? AND game_date BETWEEN ? AND ?`, w.Table, w.From, w.To)
	}
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	for _, w := range ws {
		analytics := s.catalog.Table(w.Table).Kind == pipeline.Analytics
		current, stale, err := readWindow(br)
		if err != nil {
			return nil, false, err
		}
		suspect = suspect || analytics && stale < seq
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

// readWindow reads one window's partitions: date → current version, and
// the least verified sequence among them.
func readWindow(br BatchResults) (map[pipeline.Date]int, int64, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	current := map[pipeline.Date]int{}
	least := int64(1<<63 - 1)
	for rows.Next() {
		var (
			d        pipeline.Date
			v        int
			verified int64
		)
		if err := rows.Scan(&d, &v, &verified); err != nil {
			return nil, 0, err
		}
		current[d] = v
		least = min(least, verified)
	}
	return current, least, rows.Err()
}

// staleQuery follows the lineage of the analytics partitions a guarded
// computation read and that were last known fresh before a replacement,
// through computed versions (a rollback's lineage is history, not a claim
// about its inputs), down to the raw partitions, and finds an input
// version that has been replaced since: the partition that read it is
// stale, and so is everything computed from it.
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
// recursive query from the inputs last known fresh before seq.
func (s *Store) checkNotStale(ctx context.Context, tx Tx, p pipeline.Prepared, seq int64) error {
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
		args = append(args, w.Table, w.From, w.To)
	}
	var (
		table         string
		d             pipeline.Date
		read, current int
	)
	err := tx.QueryRow(ctx, fmt.Sprintf(staleQuery, strings.Join(where, " OR ")), append(args, seq)...).Scan(&table, &d, &read, &current)
	switch {
	case errors.Is(err, ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	return pipeline.StaleInput(table, d, read, current)
}
