package sqlite

import (
	"context"
	"database/sql"
)

// txq runs statements inside a write transaction, preparing each distinct
// statement once per transaction: a publication of an upcoming context runs
// the lineage insert ninety times, and preparing costs more than running.
// (Statements cannot be prepared on the database handle while a
// transaction holds its only writer connection.) It has the methods of
// *sql.Tx that the store uses, so code reads the same.
type txq struct {
	*sql.Tx
	stmts map[string]*sql.Stmt
}

func newTxq(tx *sql.Tx) txq { return txq{Tx: tx, stmts: map[string]*sql.Stmt{}} }

func (q txq) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := q.stmts[query]; ok {
		return st, nil
	}
	st, err := q.Tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	q.stmts[query] = st
	return st, nil
}

func (q txq) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := q.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (q txq) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := q.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (q txq) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := q.prepared(ctx, query)
	if err != nil {
		return q.Tx.QueryRowContext(ctx, query, args...) // reports the same error
	}
	return st.QueryRowContext(ctx, args...)
}
