package nba

import (
	"fmt"

	p "github.com/statgate/statgate/internal/pipeline"
)

// readRows fetches one declared partition and checks its shape (unless the
// input set checked it once already, p.ShapeChecked): the right arity, the
// documented Go type in every column, required values present; and
// game_date equal to the partition's date. The accessors below can then use
// plain type assertions, and a row that belongs to another partition (an
// engine or store bug) fails the task instead of leaking into its output.
func readRows(in p.InputSet, t *p.Table, d p.Date) ([]p.Row, error) {
	rows, err := in.Rows(t.Name, d)
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", t.Name, d, err)
	}
	_, checked := in.(p.ShapeChecked)
	for i, r := range rows {
		if !checked {
			if err := t.CheckShape(r); err != nil {
				return nil, fmt.Errorf("read %s %s row %d: %w", t.Name, d, i, err)
			}
		}
		if got := r[t.DateIndex()].(p.Date); got != d {
			return nil, fmt.Errorf("read %s %s row %d: %w: game_date %s in partition %s", t.Name, d, i, p.ErrInvalid, got, d)
		}
	}
	return rows, nil
}

// readDays reads every date of a window, newest first, one slice per date;
// consumers that look for the latest games stop early and copy nothing.
func readDays(in p.InputSet, t *p.Table, w p.Window, d p.Date) ([][]p.Row, error) {
	dates := w.Dates(d)
	out := make([][]p.Row, 0, len(dates))
	for i := len(dates) - 1; i >= 0; i-- {
		rows, err := readRows(in, t, dates[i])
		if err != nil {
			return nil, err
		}
		out = append(out, rows)
	}
	return out, nil
}

// readWindow reads every date of a window into one slice, oldest first.
func readWindow(in p.InputSet, t *p.Table, w p.Window, d p.Date) ([]p.Row, error) {
	days, err := readDays(in, t, w, d)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, rows := range days {
		n += len(rows)
	}
	out := make([]p.Row, 0, n)
	for i := len(days) - 1; i >= 0; i-- {
		out = append(out, days[i]...)
	}
	return out, nil
}

// Accessors for rows whose shape was checked (Table.CheckShape): a NULL reads as the zero value
// with ok false.

func text(r p.Row, i int) string { s, _ := r[i].(string); return s }

func integer(r p.Row, i int) (int64, bool) { n, ok := r[i].(int64); return n, ok }

func decimal(r p.Row, i int) (float64, bool) { f, ok := r[i].(float64); return f, ok }

func boolean(r p.Row, i int) bool { b, _ := r[i].(bool); return b }

func date(r p.Row, i int) p.Date { d, _ := r[i].(p.Date); return d }

// rowBuilder fills one output row by column name, so a row is always in its
// table's column order whatever order the code sets the values in; unset
// columns stay NULL.
type rowBuilder struct {
	t   *p.Table
	row p.Row
}

func newRow(t *p.Table) rowBuilder { return rowBuilder{t: t, row: make(p.Row, len(t.Columns))} }

func (b rowBuilder) set(name string, v any) rowBuilder {
	b.row[b.t.MustCol(name)] = v
	return b
}

// setInt stores an integer that is only meaningful when ok.
func (b rowBuilder) setInt(name string, v int64, ok bool) rowBuilder {
	if ok {
		return b.set(name, v)
	}
	return b.set(name, nil)
}
