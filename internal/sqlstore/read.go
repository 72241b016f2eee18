package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/statgate/statgate/internal/pipeline"
)

// VersionColumns and CurrentJoin select partition versions: with
// CurrentJoin, the current version of each partition.
const (
	VersionColumns = `pv.table_name, pv.game_date, pv.version, pv.row_count, pv.content_hash, pv.source,
	pv.partial, pv.processor_version, pv.build_revision, COALESCE(pv.restored_from, 0), pv.created_at,
	pv.coverage, pv.input_fingerprint, p.first_recorded_at`
	CurrentJoin = ` FROM partitions p JOIN partition_versions pv
	ON pv.table_name = p.table_name AND pv.game_date = p.game_date AND pv.version = p.current_version`
)

// ScanVersion reads a row of VersionColumns.
func ScanVersion(r Row) (pipeline.PartitionVersion, error) {
	var (
		v     pipeline.PartitionVersion
		cover string
	)
	if err := r.Scan(&v.Table, &v.Date, &v.Version, &v.RowCount, &v.ContentHash, &v.Source,
		&v.Partial, &v.ProcessorVersion, &v.BuildRevision, &v.RestoredFrom, &v.CreatedAt, &cover, &v.Fingerprint, &v.FirstRecorded); err != nil {
		return v, err
	}
	var err error
	v.Coverage, err = pipeline.DecodeCoverage(cover)
	return v, err
}

// CurrentVersionQuery selects one partition's current version.
const CurrentVersionQuery = "SELECT " + VersionColumns + CurrentJoin + " WHERE p.table_name = ? AND p.game_date = ?"

// CurrentVersionIn reads a partition's current version through q, without
// its lineage; ErrNotFound when it has none.
func CurrentVersionIn(ctx context.Context, q Querier, table string, d pipeline.Date) (pipeline.PartitionVersion, error) {
	v, err := ScanVersion(q.QueryRow(ctx, CurrentVersionQuery, table, d))
	if errors.Is(err, ErrNoRows) {
		return v, fmt.Errorf("partition %s %s: %w", table, d, pipeline.ErrNotFound)
	}
	return v, err
}

func lineage(ctx context.Context, q Querier, v *pipeline.PartitionVersion) error {
	rows, err := q.Query(ctx, `SELECT input_table, input_date, input_version FROM lineage
		WHERE table_name = ? AND game_date = ? AND version = ? ORDER BY input_table, input_date`,
		v.Table, v.Date, v.Version)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var in pipeline.InputVersion
		if err := rows.Scan(&in.Table, &in.Date, &in.Version); err != nil {
			return err
		}
		v.Inputs = append(v.Inputs, in)
	}
	return rows.Err()
}

// CurrentVersion implements pipeline.Store.
func (s *Store) CurrentVersion(ctx context.Context, table string, d pipeline.Date) (pipeline.PartitionVersion, error) {
	v, err := CurrentVersionIn(ctx, s.db, table, d)
	if err != nil {
		return v, err
	}
	return v, lineage(ctx, s.db, &v)
}

// ReadPartition implements pipeline.Store.
func (s *Store) ReadPartition(ctx context.Context, t *pipeline.Table, d pipeline.Date) ([]pipeline.Row, pipeline.PartitionVersion, error) {
	parts, err := s.ReadRange(ctx, t, d, d)
	return onePartition(t, d, parts, err)
}

// ReadRange implements pipeline.Store. The versions and the rows are read in
// one snapshot, so a publication committing in between cannot mix two
// versions.
func (s *Store) ReadRange(ctx context.Context, t *pipeline.Table, from, to pipeline.Date) ([]pipeline.PartitionRows, error) {
	var out []pipeline.PartitionRows
	err := s.db.Read(ctx, func(q Querier) error {
		vs, err := s.partitions(ctx, q, pipeline.PartitionFilter{Table: t.Name, From: from, To: to, HasRange: true})
		if err != nil || len(vs) == 0 {
			return err
		}
		rows, err := s.ReadRows(ctx, q, t, from, to)
		if err != nil {
			return s.errorf(fmt.Sprintf("read %s %s..%s", t.Name, from, to), err)
		}
		out = groupByDate(t, vs, rows)
		return nil
	})
	return out, err
}

// ReadRows reads the rows of t dated from..to through q.
func (s *Store) ReadRows(ctx context.Context, q Querier, t *pipeline.Table, from, to pipeline.Date) ([]pipeline.Row, error) {
	rs, err := q.Query(ctx, "SELECT "+strings.Join(t.ColumnNames(), ", ")+" FROM "+t.Name+
		" WHERE game_date BETWEEN ? AND ?", from, to)
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
			if r[i], err = s.db.Decode(c.Type, raw[i]); err != nil {
				return nil, fmt.Errorf("%w: %w", pipeline.ErrInvalid, &pipeline.FieldError{Column: c.Name, Reason: err.Error()})
			}
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// Partitions implements pipeline.Store.
func (s *Store) Partitions(ctx context.Context, f pipeline.PartitionFilter) ([]pipeline.PartitionVersion, error) {
	return s.partitions(ctx, s.db, f)
}

func (s *Store) partitions(ctx context.Context, qr Querier, f pipeline.PartitionFilter) ([]pipeline.PartitionVersion, error) {
	q := "SELECT " + VersionColumns + CurrentJoin + " WHERE 1 = 1"
	var args []any
	if f.Table != "" {
		q += " AND p.table_name = ?"
		args = append(args, f.Table)
	}
	if f.HasRange {
		q += " AND p.game_date BETWEEN ? AND ?"
		args = append(args, f.From, f.To)
	}
	rows, err := qr.Query(ctx, q+" ORDER BY p.table_name, p.game_date", args...)
	if err != nil {
		return nil, s.errorf("partitions", err)
	}
	defer rows.Close()
	var out []pipeline.PartitionVersion
	for rows.Next() {
		v, err := ScanVersion(rows)
		if err != nil {
			return nil, s.errorf("partitions", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Triggers implements pipeline.Store.
func (s *Store) Triggers(ctx context.Context, after int64, limit int) ([]pipeline.Trigger, error) {
	rows, err := s.db.Query(ctx, `SELECT id, message_id, table_name, game_date, status,
		record_count, content_hash, source, received_at FROM triggers WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, s.errorf("triggers", err)
	}
	defer rows.Close()
	var out []pipeline.Trigger
	for rows.Next() {
		var t pipeline.Trigger
		if err := rows.Scan(&t.ID, &t.MessageID, &t.Table, &t.Date, &t.Status, &t.RecordCount,
			&t.ContentHash, &t.Source, &t.ReceivedAt); err != nil {
			return nil, s.errorf("triggers", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RowCount implements pipeline.Store.
func (s *Store) RowCount(ctx context.Context, table string) (int64, error) {
	t := s.catalog.Table(table)
	if t == nil {
		return 0, fmt.Errorf("%w: unknown table %q", pipeline.ErrInvalid, table)
	}
	var n int64
	if err := s.db.QueryRow(ctx, "SELECT COUNT(*) FROM "+t.Name).Scan(&n); err != nil {
		return 0, s.errorf("count "+table, err)
	}
	return n, nil
}

// History implements pipeline.Store.
func (s *Store) History(ctx context.Context, table string, d pipeline.Date) ([]pipeline.PartitionVersion, error) {
	rows, err := s.db.Query(ctx, "SELECT "+VersionColumns+` FROM partition_versions pv JOIN partitions p
			ON p.table_name = pv.table_name AND p.game_date = pv.game_date
		WHERE pv.table_name = ? AND pv.game_date = ? ORDER BY pv.version`, table, d)
	if err != nil {
		return nil, s.errorf("history", err)
	}
	var out []pipeline.PartitionVersion
	for rows.Next() {
		v, err := ScanVersion(rows)
		if err != nil {
			rows.Close()
			return nil, s.errorf("history", err)
		}
		out = append(out, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.errorf("history", err)
	}
	for i := range out {
		if err := lineage(ctx, s.db, &out[i]); err != nil {
			return nil, s.errorf("history", err)
		}
	}
	return out, nil
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
	err = s.db.QueryRow(ctx, `SELECT rows_gz FROM partition_contents
		WHERE table_name = ? AND game_date = ? AND version = ?`, t.Name, d, version).Scan(&blob)
	if errors.Is(err, ErrNoRows) {
		return nil, fmt.Errorf("%s %s version %d: %w", t.Name, d, version, pipeline.ErrNotFound)
	}
	if err != nil {
		return nil, s.errorf("version rows", err)
	}
	enc, err := pipeline.Decompress(blob)
	if err != nil {
		return nil, fmt.Errorf("%s %s version %d: %w", t.Name, d, version, err)
	}
	return t.DecodeArchive(enc)
}

// groupByDate pairs each version (one per date) with its rows; it answers ReadRange from one query for versions and one for rows.
func groupByDate(t *pipeline.Table, versions []pipeline.PartitionVersion, rows []pipeline.Row) []pipeline.PartitionRows {
	out := make([]pipeline.PartitionRows, len(versions))
	index := make(map[pipeline.Date]int, len(versions))
	for i, v := range versions {
		out[i].Version = v
		index[v.Date] = i
	}
	di := t.DateIndex()
	for _, r := range rows {
		if i, ok := index[r[di].(pipeline.Date)]; ok {
			out[i].Rows = append(out[i].Rows, r)
		}
	}
	return out
}

// onePartition turns a one-date ReadRange into ReadPartition's answer:
// ErrNotFound when the partition was never published.
func onePartition(t *pipeline.Table, d pipeline.Date, parts []pipeline.PartitionRows, err error) ([]pipeline.Row, pipeline.PartitionVersion, error) {
	if err != nil {
		return nil, pipeline.PartitionVersion{}, err
	}
	if len(parts) == 0 {
		return nil, pipeline.PartitionVersion{}, fmt.Errorf("partition %s %s: %w", t.Name, d, pipeline.ErrNotFound)
	}
	return parts[0].Rows, parts[0].Version, nil
}
