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

// querier is what both the pool and a transaction offer.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

const versionColumns = `pv.table_name, pv.game_date, pv.version, pv.row_count, pv.content_hash, pv.source,
	pv.partial, pv.processor_version, pv.build_revision, COALESCE(pv.restored_from, 0), pv.created_at,
	pv.coverage, pv.input_fingerprint, p.first_recorded_at`

const currentJoin = ` FROM partitions p JOIN partition_versions pv
	ON pv.table_name = p.table_name AND pv.game_date = p.game_date AND pv.version = p.current_version`

func scanVersion(row pgx.Row) (pipeline.PartitionVersion, error) {
	var (
		v     pipeline.PartitionVersion
		date  time.Time
		cover string
		first *time.Time
	)
	if err := row.Scan(&v.Table, &date, &v.Version, &v.RowCount, &v.ContentHash, &v.Source,
		&v.Partial, &v.ProcessorVersion, &v.BuildRevision, &v.RestoredFrom, &v.CreatedAt, &cover, &v.Fingerprint, &first); err != nil {
		return v, err
	}
	if first != nil {
		v.FirstRecorded = first.UTC()
	}
	v.Date, v.CreatedAt = pipeline.DateOf(date), v.CreatedAt.UTC()
	var err error
	v.Coverage, err = pipeline.DecodeCoverage(cover)
	return v, err
}

func currentVersion(ctx context.Context, q querier, table string, d pipeline.Date) (pipeline.PartitionVersion, error) {
	v, err := scanVersion(q.QueryRow(ctx, "SELECT "+versionColumns+currentJoin+
		" WHERE p.table_name = $1 AND p.game_date = $2", table, d.Time()))
	if errors.Is(err, pgx.ErrNoRows) {
		return v, fmt.Errorf("partition %s %s: %w", table, d, pipeline.ErrNotFound)
	}
	return v, err
}

func lineage(ctx context.Context, q querier, v *pipeline.PartitionVersion) error {
	rows, err := q.Query(ctx, `SELECT input_table, input_date, input_version FROM lineage
		WHERE table_name = $1 AND game_date = $2 AND version = $3 ORDER BY input_table, input_date`,
		v.Table, v.Date.Time(), v.Version)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			in   pipeline.InputVersion
			date time.Time
		)
		if err := rows.Scan(&in.Table, &date, &in.Version); err != nil {
			return err
		}
		in.Date = pipeline.DateOf(date)
		v.Inputs = append(v.Inputs, in)
	}
	return rows.Err()
}

// CurrentVersion implements pipeline.Store.
func (s *Store) CurrentVersion(ctx context.Context, table string, d pipeline.Date) (pipeline.PartitionVersion, error) {
	v, err := currentVersion(ctx, s.pool, table, d)
	if err != nil {
		return v, err
	}
	return v, lineage(ctx, s.pool, &v)
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
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("postgres: begin read: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only
	vs, err := s.partitions(ctx, tx, pipeline.PartitionFilter{Table: t.Name, From: from, To: to, HasRange: true})
	if err != nil || len(vs) == 0 {
		return nil, err
	}
	rows, err := readRows(ctx, tx, t, from, to)
	if err != nil {
		return nil, fmt.Errorf("postgres: read %s %s..%s: %w", t.Name, from, to, err)
	}
	return pipeline.GroupByDate(t, vs, rows), nil
}

func readRows(ctx context.Context, q querier, t *pipeline.Table, from, to pipeline.Date) ([]pipeline.Row, error) {
	rs, err := q.Query(ctx, "SELECT "+strings.Join(t.ColumnNames(), ", ")+" FROM "+t.Name+
		" WHERE game_date BETWEEN $1 AND $2", from.Time(), to.Time())
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []pipeline.Row
	for rs.Next() {
		vals, err := rs.Values()
		if err != nil {
			return nil, err
		}
		r := make(pipeline.Row, len(vals))
		for i, c := range t.Columns {
			if r[i], err = fromDB(c.Type, vals[i]); err != nil {
				return nil, fmt.Errorf("%w: %w", pipeline.ErrInvalid, &pipeline.FieldError{Column: c.Name, Reason: err.Error()})
			}
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// Partitions implements pipeline.Store.
func (s *Store) Partitions(ctx context.Context, f pipeline.PartitionFilter) ([]pipeline.PartitionVersion, error) {
	return s.partitions(ctx, s.pool, f)
}

func (s *Store) partitions(ctx context.Context, qr querier, f pipeline.PartitionFilter) ([]pipeline.PartitionVersion, error) {
	q := "SELECT " + versionColumns + currentJoin + " WHERE 1 = 1"
	var args []any
	if f.Table != "" {
		args = append(args, f.Table)
		q += fmt.Sprintf(" AND p.table_name = $%d", len(args))
	}
	if f.HasRange {
		args = append(args, f.From.Time(), f.To.Time())
		q += fmt.Sprintf(" AND p.game_date BETWEEN $%d AND $%d", len(args)-1, len(args))
	}
	rows, err := qr.Query(ctx, q+" ORDER BY p.table_name, p.game_date", args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: partitions: %w", err)
	}
	defer rows.Close()
	var out []pipeline.PartitionVersion
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: partitions: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Triggers implements pipeline.Store.
func (s *Store) Triggers(ctx context.Context, after int64, limit int) ([]pipeline.Trigger, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, message_id, table_name, game_date, status,
		record_count, content_hash, source, received_at FROM triggers WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: triggers: %w", err)
	}
	defer rows.Close()
	var out []pipeline.Trigger
	for rows.Next() {
		var (
			t    pipeline.Trigger
			date time.Time
		)
		if err := rows.Scan(&t.ID, &t.MessageID, &t.Table, &date, &t.Status, &t.RecordCount,
			&t.ContentHash, &t.Source, &t.ReceivedAt); err != nil {
			return nil, fmt.Errorf("postgres: triggers: %w", err)
		}
		t.Date, t.ReceivedAt = pipeline.DateOf(date), t.ReceivedAt.UTC()
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
	if err := s.pool.QueryRow(ctx, "SELECT COUNT(*) FROM "+t.Name).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count %s: %w", table, err)
	}
	return n, nil
}

// History implements pipeline.Store.
func (s *Store) History(ctx context.Context, table string, d pipeline.Date) ([]pipeline.PartitionVersion, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+versionColumns+` FROM partition_versions pv JOIN partitions p
			ON p.table_name = pv.table_name AND p.game_date = pv.game_date
		WHERE pv.table_name = $1 AND pv.game_date = $2 ORDER BY pv.version`, table, d.Time())
	if err != nil {
		return nil, fmt.Errorf("postgres: history: %w", err)
	}
	var out []pipeline.PartitionVersion
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres: history: %w", err)
		}
		out = append(out, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if err := lineage(ctx, s.pool, &out[i]); err != nil {
			return nil, fmt.Errorf("postgres: history: %w", err)
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
	err = s.pool.QueryRow(ctx, `SELECT rows_gz FROM partition_contents
		WHERE table_name = $1 AND game_date = $2 AND version = $3`, t.Name, d.Time(), version).Scan(&blob)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%s %s version %d: %w", t.Name, d, version, pipeline.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: version rows: %w", err)
	}
	enc, err := pipeline.Decompress(blob)
	if err != nil {
		return nil, fmt.Errorf("%s %s version %d: %w", t.Name, d, version, err)
	}
	return t.DecodeRows(enc)
}
