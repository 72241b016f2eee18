package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/sqlstore"
)

// db is the store's database as sqlstore sees it: dates are DATE, times
// TIMESTAMPTZ and booleans BOOLEAN; statements of one batch travel in one
// round trip.
type db struct{ s *Store }

var _ sqlstore.DB = db{}

func (db) Name() string { return "postgres" }

// rebound caches each query with its "?" placeholders numbered ($1, $2, …).
var rebound sync.Map

func rebind(query string) string {
	if q, ok := rebound.Load(query); ok {
		return q.(string)
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	q := b.String()
	rebound.Store(query, q)
	return q
}

func arg(v any) any {
	switch x := v.(type) {
	case pipeline.Date:
		return x.Time()
	case int:
		return int64(x)
	}
	return v
}

// scan scans through dest, converting DATE to pipeline.Date and a NULL
// time to the zero time.
func scan(fn func(...any) error, dest []any) error {
	targets, copied := dest, false
	for i, d := range dest {
		switch d.(type) {
		case *pipeline.Date, *time.Time:
			if !copied {
				targets, copied = append([]any(nil), dest...), true
			}
			targets[i] = new(*time.Time)
		}
	}
	return scanInto(fn, dest, targets)
}

// scanInto scans into targets, then moves dates and times to dest.
func scanInto(fn func(...any) error, dest, targets []any) error {
	if err := fn(targets...); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.ErrNoRows
		}
		return err
	}
	for i, d := range dest {
		p, ok := targets[i].(**time.Time)
		if !ok {
			continue
		}
		var t time.Time
		if *p != nil {
			t = (**p).UTC()
		}
		switch x := d.(type) {
		case *pipeline.Date:
			*x = pipeline.DateOf(t)
		case *time.Time:
			*x = t
		}
	}
	return nil
}

type rows struct{ pgx.Rows }

func (r rows) Scan(dest ...any) error { return scan(r.Rows.Scan, dest) }

type row struct{ pgx.Row }

func (r row) Scan(dest ...any) error { return scan(r.Row.Scan, dest) }

// q adapts the pool or a transaction.
type q struct {
	tx       pgx.Tx // nil for the pool
	exec     func(ctx context.Context, sql string, args ...any) (int64, error)
	query    func(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	queryRow func(ctx context.Context, sql string, args ...any) pgx.Row
	batch    func(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

func (x q) Exec(ctx context.Context, query string, vs ...any) (int64, error) {
	return x.exec(ctx, rebind(query), sqlstore.Args(vs, arg)...)
}

func (x q) Query(ctx context.Context, query string, vs ...any) (sqlstore.Rows, error) {
	r, err := x.query(ctx, rebind(query), sqlstore.Args(vs, arg)...)
	if err != nil {
		return nil, err
	}
	return rows{r}, nil
}

func (x q) QueryRow(ctx context.Context, query string, vs ...any) sqlstore.Row {
	return row{x.queryRow(ctx, rebind(query), sqlstore.Args(vs, arg)...)}
}

func (x q) ExecMany(ctx context.Context, query string, vs [][]any) error {
	if len(vs) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	query = rebind(query)
	for _, a := range vs {
		b.Queue(query, sqlstore.Args(a, arg)...)
	}
	return x.batch(ctx, b).Close()
}

func txQuerier(tx pgx.Tx) q {
	return q{
		tx: tx,
		exec: func(ctx context.Context, sql string, a ...any) (int64, error) {
			tag, err := tx.Exec(ctx, sql, a...)
			return tag.RowsAffected(), err
		},
		query:    tx.Query,
		queryRow: tx.QueryRow,
		batch:    tx.SendBatch,
	}
}

func (d db) pool() q {
	p := d.s.pool
	return q{
		exec: func(ctx context.Context, sql string, a ...any) (int64, error) {
			tag, err := p.Exec(ctx, sql, a...)
			return tag.RowsAffected(), err
		},
		query:    p.Query,
		queryRow: p.QueryRow,
		batch:    p.SendBatch,
	}
}

func (d db) Exec(ctx context.Context, query string, vs ...any) (int64, error) {
	return d.pool().Exec(ctx, query, vs...)
}

func (d db) Query(ctx context.Context, query string, vs ...any) (sqlstore.Rows, error) {
	return d.pool().Query(ctx, query, vs...)
}

func (d db) QueryRow(ctx context.Context, query string, vs ...any) sqlstore.Row {
	return d.pool().QueryRow(ctx, query, vs...)
}

func (d db) ExecMany(ctx context.Context, query string, vs [][]any) error {
	return d.pool().ExecMany(ctx, query, vs)
}

// Write runs fn in a transaction from the pool.
func (d db) Write(ctx context.Context, fn func(sqlstore.Tx) error) error {
	tx, err := d.s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if err := fn(txQuerier(tx)); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Read runs fn in a read-only, repeatable-read transaction: one snapshot.
func (d db) Read(ctx context.Context, fn func(sqlstore.Querier) error) error {
	tx, err := d.s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres: begin read: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only
	return fn(txQuerier(tx))
}

func (db) Encode(v any) any                           { return toDB(v) }
func (db) Decode(t pipeline.Type, v any) (any, error) { return fromDB(t, v) }

// InsertRows writes rows with COPY.
func (db) InsertRows(ctx context.Context, tx sqlstore.Tx, t *pipeline.Table, rows []pipeline.Row) error {
	if len(rows) == 0 {
		return nil
	}
	_, err := tx.(q).tx.CopyFrom(ctx, pgx.Identifier{t.Name}, t.ColumnNames(), &rowSource{rows: rows, i: -1})
	return err
}

// locks are advisory locks, keyed by a hash of their names.
var locks = &sqlstore.Locks{
	Replacements:       "SELECT pg_advisory_xact_lock(hashtextextended('" + replacementLock + "', 0))",
	ReplacementsShared: "SELECT pg_advisory_xact_lock_shared(hashtextextended('" + replacementLock + "', 0))",
	Partition:          "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))",
	PartitionsShared:   "SELECT count(pg_advisory_xact_lock_shared(hashtextextended(k, 0))) FROM unnest(?::text[]) AS k",
}

// replacementLock names the lock that orders replacements of versions
// against the checks that inputs are not stale.
const replacementLock = "statgate/replacements"

// Relax turns off synchronous_commit for the transaction.
func (db) Relax(ctx context.Context, tx sqlstore.Tx) error {
	_, err := tx.Exec(ctx, "SET LOCAL synchronous_commit TO OFF")
	return err
}

// Locks orders the publications of several processes.
func (db) Locks() *sqlstore.Locks { return locks }

// Notify tells every listening process at commit (Listen).
func (d db) Notify(ctx context.Context, tx sqlstore.Tx, changed []pipeline.PartKey) error {
	_, err := tx.Exec(ctx, "SELECT pg_notify(?, ?)", notifyChannel, d.s.payload(changed))
	return err
}

// SendBatch sends the batch in one round trip.
func (x q) SendBatch(ctx context.Context, b *sqlstore.Batch) sqlstore.BatchResults {
	pb := &pgx.Batch{}
	for _, st := range b.Items {
		pb.Queue(rebind(st.Query), sqlstore.Args(st.Args, arg)...)
	}
	return batchResults{x.batch(ctx, pb)}
}

type batchResults struct{ br pgx.BatchResults }

func (r batchResults) Exec() error {
	_, err := r.br.Exec()
	return err
}

func (r batchResults) Query() (sqlstore.Rows, error) {
	rs, err := r.br.Query()
	if err != nil {
		return nil, err
	}
	return rows{rs}, nil
}

func (r batchResults) QueryRow() sqlstore.Row { return row{r.br.QueryRow()} }
func (r batchResults) Close() error           { return r.br.Close() }

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
