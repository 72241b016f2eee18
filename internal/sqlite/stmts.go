package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// statements keeps statements prepared on the writer connection. Preparing
// costs more than running most of ours, and a season's publications run
// some 100,000 of them. A statement cannot be prepared on the database
// handle while a transaction holds its only writer connection, so the first
// use of a query prepares it inside the transaction, and once that
// transaction ends the query is prepared for good (promote).
type statements struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (s *statements) get(query string) *sql.Stmt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[query]
}

func (s *statements) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.m {
		st.Close()
	}
	s.m = nil
}

// txq runs statements inside a write transaction through the store's
// prepared statements. It has the methods of *sql.Tx that the store uses,
// so code reads the same.
type txq struct {
	*sql.Tx
	s     *Store
	stmts map[string]*sql.Stmt
	fresh []string // queries first seen in this transaction
}

func (s *Store) newTxq(tx *sql.Tx) *txq { return &txq{Tx: tx, s: s, stmts: map[string]*sql.Stmt{}} }

func (q *txq) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := q.stmts[query]; ok {
		return st, nil
	}
	var st *sql.Stmt
	if pre := q.s.stmts.get(query); pre != nil {
		st = q.Tx.StmtContext(ctx, pre) // already prepared on this connection
	} else {
		var err error
		if st, err = q.Tx.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
		q.fresh = append(q.fresh, query)
	}
	q.stmts[query] = st
	return st, nil
}

// commit commits the transaction and promotes its new queries.
func (q *txq) commit(ctx context.Context) error {
	if err := q.Tx.Commit(); err != nil {
		return err
	}
	q.promote(ctx)
	return nil
}

// promote prepares, outside any transaction, the queries this one used
// for the first time. Call it after Commit or Rollback.
func (q *txq) promote(ctx context.Context) {
	for _, query := range q.fresh {
		if q.s.stmts.get(query) != nil {
			continue
		}
		st, err := q.s.write.PrepareContext(ctx, query)
		if err != nil {
			continue // it is prepared per transaction instead
		}
		q.s.stmts.mu.Lock()
		if q.s.stmts.m == nil {
			q.s.stmts.m = map[string]*sql.Stmt{}
		}
		q.s.stmts.m[query] = st
		q.s.stmts.mu.Unlock()
	}
	q.fresh = nil
}

func (q *txq) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := q.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (q *txq) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := q.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (q *txq) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := q.prepared(ctx, query)
	if err != nil {
		return q.Tx.QueryRowContext(ctx, query, args...) // reports the same error
	}
	return st.QueryRowContext(ctx, args...)
}
