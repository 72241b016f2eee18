package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/statgate/statgate/internal/pipeline"
)

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

const versionColumns = `pv.table_name, pv.game_date, pv.version, pv.row_count, pv.content_hash, pv.source,
	pv.partial, pv.processor_version, pv.build_revision, COALESCE(pv.restored_from, 0), pv.created_at,
	pv.coverage, pv.input_fingerprint, p.first_recorded_at`

const currentJoin = ` FROM partitions p JOIN partition_versions pv
	ON pv.table_name = p.table_name AND pv.game_date = p.game_date AND pv.version = p.current_version`

type scanner interface{ Scan(dest ...any) error }

func scanVersion(sc scanner) (pipeline.PartitionVersion, error) {
	var (
		v       pipeline.PartitionVersion
		date    string
		partial int64
		created int64
		cover   string
		first   sql.NullInt64
	)
	if err := sc.Scan(&v.Table, &date, &v.Version, &v.RowCount, &v.ContentHash, &v.Source,
		&partial, &v.ProcessorVersion, &v.BuildRevision, &v.RestoredFrom, &created, &cover, &v.Fingerprint, &first); err != nil {
		return v, err
	}
	v.FirstRecorded = timeOf(first)
	var err error
	if v.Coverage, err = pipeline.DecodeCoverage(cover); err != nil {
		return v, err
	}
	d, err := pipeline.ParseDate(date)
	if err != nil {
		return v, err
	}
	v.Date, v.Partial, v.CreatedAt = d, partial != 0, fromMicros(created)
	return v, nil
}

func currentVersion(ctx context.Context, q querier, table string, d pipeline.Date) (pipeline.PartitionVersion, error) {
	v, err := scanVersion(q.QueryRowContext(ctx, "SELECT "+versionColumns+currentJoin+
		" WHERE p.table_name = ? AND p.game_date = ?", table, d.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("partition %s %s: %w", table, d, pipeline.ErrNotFound)
	}
	return v, err
}

func lineage(ctx context.Context, q querier, v *pipeline.PartitionVersion) error {
	rows, err := q.QueryContext(ctx, `SELECT input_table, input_date, input_version FROM lineage
		WHERE table_name = ? AND game_date = ? AND version = ? ORDER BY input_table, input_date`,
		v.Table, v.Date.String(), v.Version)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			in   pipeline.InputVersion
			date string
		)
		if err := rows.Scan(&in.Table, &date, &in.Version); err != nil {
			return err
		}
		if in.Date, err = pipeline.ParseDate(date); err != nil {
			return err
		}
		v.Inputs = append(v.Inputs, in)
	}
	return rows.Err()
}

// CurrentVersion implements pipeline.Store.
func (s *Store) CurrentVersion(ctx context.Context, table string, d pipeline.Date) (pipeline.PartitionVersion, error) {
	v, err := currentVersion(ctx, s.read, table, d)
	if err != nil {
		return v, err
	}
	return v, lineage(ctx, s.read, &v)
}

// ReadPartition implements pipeline.Store.
func (s *Store) ReadPartition(ctx context.Context, t *pipeline.Table, d pipeline.Date) ([]pipeline.Row, pipeline.PartitionVersion, error) {
	parts, err := s.ReadRange(ctx, t, d, d)
	return pipeline.OnePartition(t, d, parts, err)
}

// ReadRange implements pipeline.Store. The versions and the rows are read in
// one read-only transaction, which is one snapshot, so a publish committing
// in between cannot mix two versions.
func (s *Store) ReadRange(ctx context.Context, t *pipeline.Table, from, to pipeline.Date) ([]pipeline.PartitionRows, error) {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin read: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	vs, err := s.partitions(ctx, tx, pipeline.PartitionFilter{Table: t.Name, From: from, To: to, HasRange: true})
	if err != nil || len(vs) == 0 {
		return nil, err
	}
	rows, err := readRows(ctx, tx, t, from, to)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read %s %s..%s: %w", t.Name, from, to, err)
	}
	return pipeline.GroupByDate(t, vs, rows), nil
}

func readRows(ctx context.Context, q querier, t *pipeline.Table, from, to pipeline.Date) ([]pipeline.Row, error) {
	rs, err := q.QueryContext(ctx, "SELECT "+strings.Join(t.ColumnNames(), ", ")+" FROM "+t.Name+
		" WHERE game_date BETWEEN ? AND ?", from.String(), to.String())
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []pipeline.Row
	raw := make([]any, len(t.Columns))
	ptrs := make([]any, len(t.Columns))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	for rs.Next() {
		if err := rs.Scan(ptrs...); err != nil {
			return nil, err
		}
		r := make(pipeline.Row, len(raw))
		for i, c := range t.Columns {
			if r[i], err = fromDB(c.Type, raw[i]); err != nil {
				return nil, fmt.Errorf("%w: %w", pipeline.ErrInvalid, &pipeline.FieldError{Column: c.Name, Reason: err.Error()})
			}
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// Partitions implements pipeline.Store.
func (s *Store) Partitions(ctx context.Context, f pipeline.PartitionFilter) ([]pipeline.PartitionVersion, error) {
	return s.partitions(ctx, s.read, f)
}

func (s *Store) partitions(ctx context.Context, qr querier, f pipeline.PartitionFilter) ([]pipeline.PartitionVersion, error) {
	q := "SELECT " + versionColumns + currentJoin + " WHERE 1 = 1"
	var args []any
	if f.Table != "" {
		q += " AND p.table_name = ?"
		args = append(args, f.Table)
	}
	if f.HasRange {
		q += " AND p.game_date BETWEEN ? AND ?"
		args = append(args, f.From.String(), f.To.String())
	}
	rows, err := qr.QueryContext(ctx, q+" ORDER BY p.table_name, p.game_date", args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: partitions: %w", err)
	}
	defer rows.Close()
	var out []pipeline.PartitionVersion
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: partitions: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Triggers implements pipeline.Store.
func (s *Store) Triggers(ctx context.Context, after int64, limit int) ([]pipeline.Trigger, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, message_id, table_name, game_date, status,
		record_count, content_hash, source, received_at FROM triggers WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: triggers: %w", err)
	}
	defer rows.Close()
	var out []pipeline.Trigger
	for rows.Next() {
		var (
			t        pipeline.Trigger
			date     string
			received int64
		)
		if err := rows.Scan(&t.ID, &t.MessageID, &t.Table, &date, &t.Status, &t.RecordCount,
			&t.ContentHash, &t.Source, &received); err != nil {
			return nil, fmt.Errorf("sqlite: triggers: %w", err)
		}
		if t.Date, err = pipeline.ParseDate(date); err != nil {
			return nil, err
		}
		t.ReceivedAt = fromMicros(received)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RowCount implements pipeline.Store.
func (s *Store) RowCount(ctx context.Context, table string) (int64, error) {
	t, err := s.table(table)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := s.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t.Name).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count %s: %w", table, err)
	}
	return n, nil
}

// History implements pipeline.Store.
func (s *Store) History(ctx context.Context, table string, d pipeline.Date) ([]pipeline.PartitionVersion, error) {
	rows, err := s.read.QueryContext(ctx, "SELECT "+versionColumns+` FROM partition_versions pv JOIN partitions p
			ON p.table_name = pv.table_name AND p.game_date = pv.game_date
		WHERE pv.table_name = ? AND pv.game_date = ? ORDER BY pv.version`, table, d.String())
	if err != nil {
		return nil, fmt.Errorf("sqlite: history: %w", err)
	}
	var out []pipeline.PartitionVersion
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: history: %w", err)
		}
		out = append(out, v)
	}
	rows.Close()
	for i := range out {
		if err := lineage(ctx, s.read, &out[i]); err != nil {
			return nil, fmt.Errorf("sqlite: history: %w", err)
		}
	}
	return out, rows.Err()
}

// VersionRows implements pipeline.Store.
func (s *Store) VersionRows(ctx context.Context, t *pipeline.Table, d pipeline.Date, version int) ([]pipeline.Row, error) {
	rows, cur, err := s.ReadPartition(ctx, t, d)
	if err != nil {
		return nil, err
	}
	if cur.Version == version {
		return rows, nil
	}
	var blob []byte
	err = s.read.QueryRowContext(ctx, `SELECT rows_gz FROM partition_contents
		WHERE table_name = ? AND game_date = ? AND version = ?`, t.Name, d.String(), version).Scan(&blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s %s version %d: %w", t.Name, d, version, pipeline.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: version rows: %w", err)
	}
	enc, err := pipeline.Decompress(blob)
	if err != nil {
		return nil, fmt.Errorf("%s %s version %d: %w", t.Name, d, version, err)
	}
	return t.DecodeRows(enc)
}
