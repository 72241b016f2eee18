package rawload

import (
	"errors"
	"fmt"
	"strings"

	"github.com/statgate/statgate/internal/pipeline"
)

// decoder holds what both formats share while one file is read: the rows so
// far, the caches that keep per-cell allocations down, and the key set.
type decoder struct {
	t     *pipeline.Table
	name  string
	keys  *keySet
	types []pipeline.Type
	rows  []pipeline.Row

	// slab hands out rows from larger blocks: one allocation per block of
	// rows instead of one per row.
	slab []any

	// texts interns text values (team abbreviations, game ids, player
	// names repeat on every row of a game) and dates caches parsed dates by
	// their text, so that a repeated value costs a map lookup rather than a
	// new boxed value.
	texts map[string]any
	dates map[string]any
}

// Interning stops adding entries past these sizes, so that a file of unique
// values cannot grow the caches without bound; lookups continue.
const (
	maxTexts    = 1 << 16
	maxDates    = 1 << 12
	rowsPerSlab = 256
)

func newDecoder(t *pipeline.Table, name string, keys *keySet) *decoder {
	types := make([]pipeline.Type, len(t.Columns))
	for i, c := range t.Columns {
		types[i] = c.Type
	}
	return &decoder{
		t: t, name: name, keys: keys, types: types,
		texts: make(map[string]any),
		dates: make(map[string]any),
	}
}

// newRow returns an all-nil row of the table's width.
func (d *decoder) newRow() pipeline.Row {
	n := len(d.types)
	if len(d.slab) < n {
		d.slab = make([]any, n*rowsPerSlab)
	}
	// The capacity is cut to the row's width so that appending to one row
	// can never write into the next.
	r := d.slab[:n:n]
	d.slab = d.slab[n:]
	return r
}

// finish validates a converted row against the schema and its key against
// the rows seen before, then keeps it.
func (d *decoder) finish(r pipeline.Row, line int) error {
	if err := d.t.Validate(r); err != nil {
		var fe *pipeline.FieldError
		if errors.As(err, &fe) {
			return d.errorf(line, fe.Column, "%s", fe.Reason)
		}
		return d.errorf(line, "", "%v", err)
	}
	if err := d.keys.add(line, r); err != nil {
		return err
	}
	d.rows = append(d.rows, r)
	return nil
}

func (d *decoder) errorf(line int, column, format string, args ...any) *LineError {
	return &LineError{File: d.name, Line: line, Column: column, Reason: fmt.Sprintf(format, args...)}
}

// text converts a text value, interning it. Only values not seen before
// are checked for bad bytes: the cache holds checked values only.
func (d *decoder) text(s string) (any, string) {
	if v, ok := d.texts[s]; ok {
		return v, ""
	}
	if reason := badBytes(s); reason != "" {
		return nil, reason
	}
	if len(d.texts) >= maxTexts {
		return s, ""
	}
	// The clone lets the cached value outlive the reader's line buffer
	// without keeping the whole line alive.
	v := any(strings.Clone(s))
	d.texts[v.(string)] = v
	return v, ""
}

func (d *decoder) date(s string) (any, string) {
	if v, ok := d.dates[s]; ok {
		return v, ""
	}
	dt, err := pipeline.ParseDate(s)
	if err != nil {
		return nil, err.Error()
	}
	v := any(dt)
	if len(d.dates) < maxDates {
		d.dates[strings.Clone(s)] = v
	}
	return v, ""
}

// convert turns the text form of a value (a CSV field, or a JSON string for
// a text, date or timestamp column) into the column's Go type. The empty
// string is NULL. On failure it returns the reason.
func (d *decoder) convert(typ pipeline.Type, s string) (any, string) {
	if s == "" {
		return nil, ""
	}
	v, reason := d.parse(typ, s)
	if reason != "" && typ != pipeline.Text {
		// The parsers of the other types accept only ASCII without NUL,
		// so a value they accept needs no check; one they refuse is
		// reported for its bad bytes first, the more telling reason.
		if bad := badBytes(s); bad != "" {
			return nil, bad
		}
	}
	return v, reason
}

func (d *decoder) parse(typ pipeline.Type, s string) (any, string) {
	switch typ {
	case pipeline.Text:
		return d.text(s)
	case pipeline.Int:
		n, reason := parseInt(s)
		if reason != "" {
			return nil, reason
		}
		return boxInt(n), ""
	case pipeline.Float:
		f, reason := parseFloat(s)
		if reason != "" {
			return nil, reason
		}
		return f, ""
	case pipeline.Bool:
		b, reason := parseBool(s)
		if reason != "" {
			return nil, reason
		}
		return b, ""
	case pipeline.DateType:
		return d.date(s)
	case pipeline.Timestamp:
		ts, reason := parseTimestamp(s)
		if reason != "" {
			return nil, reason
		}
		return ts, ""
	}
	return nil, fmt.Sprintf("column type %v is not supported", typ)
}
