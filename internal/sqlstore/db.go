// Package sqlstore is the store written once: every operation of
// pipeline.Store — the write-audit-publish transaction, announcements, task
// claims, circuits, events, backfills and reads — as SQL and Go over a small
// adapter per database (DB). An adapter says only what really differs:
// placeholders, how dates, times and booleans are stored, how a write
// transaction begins, how many statements travel in one round trip, and the
// locks and notifications a database with several writers needs.
//
// Queries are written with "?" placeholders and Go values: pipeline.Date,
// time.Time, bool, int, int64, float64, string and nil. An adapter rewrites
// the placeholders for its database and converts arguments and scan
// destinations (*pipeline.Date, *time.Time, *bool, …) to what its driver
// stores, so the shared code never sees a storage type.
package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// ErrNoRows is what Row.Scan returns when a query matched nothing, whatever
// the driver's own error for it.
var ErrNoRows = errors.New("sqlstore: no rows")

// Querier runs statements: a connection pool outside a transaction, or a
// transaction.
type Querier interface {
	// Exec runs a statement and returns the rows it affected.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
	// ExecMany runs one statement once per argument list, in as few round
	// trips as the database allows (a prepared statement, or a batch).
	ExecMany(ctx context.Context, query string, args [][]any) error
}

// Rows iterates a query's result.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is a single-row result; Scan returns ErrNoRows when there is none.
type Row interface {
	Scan(dest ...any) error
}

// Tx is a write transaction.
type Tx interface {
	Querier
	// SendBatch sends the statements of b (see Batch).
	SendBatch(ctx context.Context, b *Batch) BatchResults
}

// DB is one database as the shared code sees it.
type DB interface {
	// Querier reads outside a transaction (each statement sees a
	// consistent state of its own).
	Querier
	// Write runs fn in a write transaction and commits when fn returns
	// nil; otherwise it rolls back and returns fn's error.
	Write(ctx context.Context, fn func(tx Tx) error) error
	// Read runs fn in a read-only transaction that sees one snapshot.
	Read(ctx context.Context, fn func(q Querier) error) error
	// Encode converts a row value of a data table to what the database
	// stores; Decode converts what a query scanned into an any back.
	Encode(v any) any
	Decode(t pipeline.Type, v any) (any, error)

	// InsertRows writes rows of data table t in tx, the fastest way the
	// database has (COPY, or a prepared insert).
	InsertRows(ctx context.Context, tx Tx, t *pipeline.Table, rows []pipeline.Row) error
	// Locks says how publications of several writers are ordered; nil
	// when the database has one writer, which orders them all.
	Locks() *Locks
	// Relax, first in a write transaction, lets it commit without waiting
	// for its flush to disk: a crash of the database server may lose the
	// whole transaction, never part of it, and a later transaction that
	// waits for its flush makes it durable too. For records the engine
	// rewrites or re-checks anyway (claims, leases, waiting verdicts).
	Relax(ctx context.Context, tx Tx) error
	// Notify, in a transaction that changed partitions, tells other
	// processes once it commits which ones (nothing to do with one
	// process).
	Notify(ctx context.Context, tx Tx, changed []pipeline.PartKey) error
	// Name prefixes errors ("sqlite", "postgres").
	Name() string
}

// NullTime is t, or nil (NULL) when t is zero.
func NullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// NullInt is n, or nil (NULL) when n is 0.
func NullInt(n int) any {
	if n == 0 {
		return nil
	}
	return int64(n)
}

// NullID is n, or nil (NULL) when n is 0.
func NullID(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// Locks are the statements that order publications when several processes
// write at once; each takes its lock until the transaction ends.
type Locks struct {
	// Replacements takes the replacement lock: exclusively by a
	// transaction that may replace a version, shared by one that computes
	// first versions only, so no input is replaced while a publication
	// checks that what it read is current.
	Replacements, ReplacementsShared string
	// Partition takes one partition's lock (argument: PartitionKey), so
	// that its publishers queue and number versions one at a time.
	Partition string
	// PartitionsShared takes several partitions' locks shared (argument:
	// their keys, []string): a computation that found no partition there
	// waits for one being published.
	PartitionsShared string
}

// PartitionKey names a partition's lock.
func PartitionKey(table string, d pipeline.Date) string { return table + "/" + d.String() }

// Args converts every argument of a statement with conv (an adapter's
// conversion to what its database stores).
func Args(vs []any, conv func(any) any) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = conv(v)
	}
	return out
}
