package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/sqlstore"
)

// db is the store's database as sqlstore sees it. SQLite keeps dates as
// 'YYYY-MM-DD' text, times as microseconds since the epoch and booleans as
// 0 and 1; one connection writes (the single writer is the partition lock),
// a pool of others reads.
type db struct{ s *Store }

var _ sqlstore.DB = db{}

func (db) Name() string { return "sqlite" }

// arg converts a Go value to what this database stores.
func arg(v any) any {
	switch x := v.(type) {
	case pipeline.Date:
		return x.String()
	case time.Time:
		return micros(x)
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	case int:
		return int64(x)
	}
	return v
}

// valueScanner reads one stored value into a Go destination.
type valueScanner struct {
	dest any
	v    any
}

func (sc *valueScanner) Scan(src any) error {
	sc.v = src
	return nil
}

// finish converts the scanned value for its destination.
func (sc *valueScanner) finish() error {
	switch d := sc.dest.(type) {
	case *pipeline.Date:
		s, ok := sc.v.(string)
		if !ok {
			return fmt.Errorf("read %T as a date", sc.v)
		}
		v, err := pipeline.ParseDate(s)
		*d = v
		return err
	case *time.Time:
		switch x := sc.v.(type) {
		case nil:
			*d = time.Time{}
		case int64:
			*d = fromMicros(x)
		default:
			return fmt.Errorf("read %T as a time", sc.v)
		}
	case *bool:
		x, ok := sc.v.(int64)
		if !ok {
			return fmt.Errorf("read %T as a boolean", sc.v)
		}
		*d = x != 0
	}
	return nil
}

// scan scans through dest, converting stored dates, times and booleans.
func scan(fn func(...any) error, dest []any) error {
	var conv []*valueScanner
	targets := dest
	for i, d := range dest {
		switch d.(type) {
		case *pipeline.Date, *time.Time, *bool:
			if conv == nil {
				targets = append([]any(nil), dest...)
			}
			sc := &valueScanner{dest: d}
			conv = append(conv, sc)
			targets[i] = sc
		}
	}
	if err := fn(targets...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return sqlstore.ErrNoRows
		}
		return err
	}
	for _, sc := range conv {
		if err := sc.finish(); err != nil {
			return err
		}
	}
	return nil
}

type rows struct{ *sql.Rows }

func (r rows) Scan(dest ...any) error { return scan(r.Rows.Scan, dest) }
func (r rows) Close()                 { r.Rows.Close() }

type row struct{ *sql.Row }

func (r row) Scan(dest ...any) error { return scan(r.Row.Scan, dest) }

// Outside a transaction, reads go to the reader pool and writes to the
// writer connection.

func (d db) Exec(ctx context.Context, query string, vs ...any) (int64, error) {
	res, err := d.s.write.ExecContext(ctx, query, sqlstore.Args(vs, arg)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (d db) Query(ctx context.Context, query string, vs ...any) (sqlstore.Rows, error) {
	r, err := d.s.read.QueryContext(ctx, query, sqlstore.Args(vs, arg)...)
	if err != nil {
		return nil, err
	}
	return rows{r}, nil
}

func (d db) QueryRow(ctx context.Context, query string, vs ...any) sqlstore.Row {
	return row{d.s.read.QueryRowContext(ctx, query, sqlstore.Args(vs, arg)...)}
}

func (d db) ExecMany(ctx context.Context, query string, vs [][]any) error {
	return d.Write(ctx, func(tx sqlstore.Tx) error { return tx.ExecMany(ctx, query, vs) })
}

// Write runs fn in a transaction on the writer connection, through the
// store's prepared statements.
func (d db) Write(ctx context.Context, fn func(sqlstore.Tx) error) error {
	tx, err := d.s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit or Rollback
	q := d.s.newTxq(tx)
	if err := fn(q); err != nil {
		tx.Rollback() //nolint:errcheck // the error that matters is fn's
		// Only once the transaction has given back the writer connection
		// can its new statements be prepared for good.
		q.promote(ctx)
		return err
	}
	return q.commit(ctx)
}

// The transaction's side of sqlstore.Tx.

func (q *txq) Exec(ctx context.Context, query string, vs ...any) (int64, error) {
	res, err := q.ExecContext(ctx, query, sqlstore.Args(vs, arg)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q *txq) Query(ctx context.Context, query string, vs ...any) (sqlstore.Rows, error) {
	r, err := q.QueryContext(ctx, query, sqlstore.Args(vs, arg)...)
	if err != nil {
		return nil, err
	}
	return rows{r}, nil
}

func (q *txq) QueryRow(ctx context.Context, query string, vs ...any) sqlstore.Row {
	return row{q.QueryRowContext(ctx, query, sqlstore.Args(vs, arg)...)}
}

func (q *txq) ExecMany(ctx context.Context, query string, vs [][]any) error {
	if len(vs) == 0 {
		return nil
	}
	st, err := q.prepared(ctx, query)
	if err != nil {
		return err
	}
	for _, a := range vs {
		if _, err := st.ExecContext(ctx, sqlstore.Args(a, arg)...); err != nil {
			return err
		}
	}
	return nil
}

// Read runs fn in a read-only transaction of a reader connection: one
// snapshot.
func (d db) Read(ctx context.Context, fn func(sqlstore.Querier) error) error {
	tx, err := d.s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: begin read: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	return fn(readTx{tx})
}

// readTx reads within a read-only transaction.
type readTx struct{ tx *sql.Tx }

func (r readTx) Exec(context.Context, string, ...any) (int64, error) {
	return 0, errors.New("sqlite: a write in a read-only transaction")
}

func (r readTx) Query(ctx context.Context, query string, vs ...any) (sqlstore.Rows, error) {
	rs, err := r.tx.QueryContext(ctx, query, sqlstore.Args(vs, arg)...)
	if err != nil {
		return nil, err
	}
	return rows{rs}, nil
}

func (r readTx) QueryRow(ctx context.Context, query string, vs ...any) sqlstore.Row {
	return row{r.tx.QueryRowContext(ctx, query, sqlstore.Args(vs, arg)...)}
}

func (r readTx) ExecMany(context.Context, string, [][]any) error {
	return errors.New("sqlite: a write in a read-only transaction")
}

func (db) Encode(v any) any                           { return toDB(v) }
func (db) Decode(t pipeline.Type, v any) (any, error) { return fromDB(t, v) }

// SendBatch runs the batch's statements one by one: a round trip to an
// embedded database costs nothing.
func (q *txq) SendBatch(ctx context.Context, b *sqlstore.Batch) sqlstore.BatchResults {
	return sqlstore.Sequential(ctx, q, b)
}

// insertChunks are the numbers of rows one INSERT statement carries: a
// partition's rows go in as few statements as these sizes allow, each
// prepared once per table, since a statement costs more than a row.
var insertChunks = []int{64, 16, 4, 1}

// InsertRows inserts rows through prepared multi-row inserts.
func (db) InsertRows(ctx context.Context, tx sqlstore.Tx, t *pipeline.Table, rows []pipeline.Row) error {
	q := tx.(*txq)
	cols := len(t.Columns)
	vals := make([]any, 0, insertChunks[0]*cols)
	for _, n := range insertChunks {
		if len(rows) < n {
			continue
		}
		st, err := q.prepared(ctx, insertQuery(t, n))
		if err != nil {
			return err
		}
		for len(rows) >= n {
			vals = vals[:0]
			for _, r := range rows[:n] {
				for _, v := range r {
					vals = append(vals, toDB(v))
				}
			}
			if _, err := st.ExecContext(ctx, vals...); err != nil {
				return err
			}
			rows = rows[n:]
		}
	}
	return nil
}

// insertQuery inserts n rows of t.
func insertQuery(t *pipeline.Table, n int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.Columns)), ", ") + ")"
	return "INSERT INTO " + t.Name + " (" + strings.Join(t.ColumnNames(), ", ") + ") VALUES " +
		strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// Locks is nil: the single writer connection orders every write.
func (db) Locks() *sqlstore.Locks { return nil }

// Relax does nothing: with the write-ahead log and synchronous=NORMAL no
// commit waits for a flush (a checkpoint does).
func (db) Relax(context.Context, sqlstore.Tx) error { return nil }

// Notify does nothing: an embedded database has one process.
func (db) Notify(context.Context, sqlstore.Tx, []pipeline.PartKey) error { return nil }
