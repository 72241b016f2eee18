package sqlstore

import (
	"context"
	"errors"
)

var errBatchDone = errors.New("sqlstore: read past the end of a batch")

// Batch is statements queued to travel to the database in one round trip
// where it allows (PostgreSQL's pipeline); elsewhere they run one by one as
// their results are read.
type Batch struct {
	Items []Statement
}

// Statement is one statement of a batch, with "?" placeholders.
type Statement struct {
	Query string
	Args  []any
}

// Queue adds a statement.
func (b *Batch) Queue(query string, args ...any) {
	b.Items = append(b.Items, Statement{query, args})
}

// BatchResults reads a sent batch's results in the order queued.
type BatchResults interface {
	// Exec reads the next statement's result, discarding its rows.
	Exec() error
	// Query reads the next statement's rows; close them before the next.
	Query() (Rows, error)
	// QueryRow reads the next statement's single row.
	QueryRow() Row
	// Close runs and discards what was not read; it returns the first
	// error of those statements.
	Close() error
}

// Sequential runs a batch one statement at a time through q: for a
// database where a round trip costs nothing.
func Sequential(ctx context.Context, q Querier, b *Batch) BatchResults {
	return &sequential{q: q, ctx: ctx, items: b.Items}
}

type sequential struct {
	q     Querier
	ctx   context.Context
	items []Statement
}

func (s *sequential) next() (Statement, bool) {
	if len(s.items) == 0 {
		return Statement{}, false
	}
	st := s.items[0]
	s.items = s.items[1:]
	return st, true
}

func (s *sequential) Exec() error {
	st, ok := s.next()
	if !ok {
		return errBatchDone
	}
	_, err := s.q.Exec(s.ctx, st.Query, st.Args...)
	return err
}

func (s *sequential) Query() (Rows, error) {
	st, ok := s.next()
	if !ok {
		return nil, errBatchDone
	}
	return s.q.Query(s.ctx, st.Query, st.Args...)
}

func (s *sequential) QueryRow() Row {
	st, ok := s.next()
	if !ok {
		return errRow{errBatchDone}
	}
	return s.q.QueryRow(s.ctx, st.Query, st.Args...)
}

func (s *sequential) Close() error {
	for len(s.items) > 0 {
		if err := s.Exec(); err != nil {
			s.items = nil
			return err
		}
	}
	return nil
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
