package rawload

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// csv reads a CSV file whose first record is a header of column names.
func (d *decoder) csv(r io.Reader, src *sourceReader) error {
	lim := newRecordLimiter(r, maxLine)
	cr := csv.NewReader(lim)
	// The record slice is reused because every field is converted before
	// the next read; field counts are checked here to say what was wanted.
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1

	header, err := cr.Read()
	if err == io.EOF {
		return d.errorf(1, "", "no rows: empty file; want a header row naming the columns of %s, then rows", d.t.Name)
	}
	if err != nil {
		return d.csvReadError(err, 1, src, lim)
	}
	headerLine, _ := cr.FieldPos(0)
	cols, err := d.csvHeader(header, headerLine)
	if err != nil {
		return err
	}

	next := headerLine + 1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			if len(d.rows) == 0 {
				return d.errorf(headerLine, "", "no rows: the header is not followed by any row")
			}
			return nil
		}
		if err != nil {
			return d.csvReadError(err, next, src, lim)
		}
		line, _ := cr.FieldPos(0)
		last, _ := cr.FieldPos(len(rec) - 1)
		next = last + 1
		if len(rec) != len(cols) {
			return d.errorf(line, "", "row has %d fields, header has %d", len(rec), len(cols))
		}
		row := d.newRow()
		for j, s := range rec {
			ci := cols[j]
			v, reason := d.convert(d.types[ci], s)
			if reason != "" {
				return d.errorf(line, d.t.Columns[ci].Name, "%s", reason)
			}
			row[ci] = v
		}
		if err := d.finish(row, line); err != nil {
			return err
		}
	}
}

// csvHeader maps each header field to its column index. The header must name
// every column of the table, each once, and nothing else: a nullable column
// is named all the same and left empty in the rows that have no value, so
// that a column dropped by mistake is never read as a column of NULLs.
func (d *decoder) csvHeader(header []string, line int) ([]int, error) {
	cols := make([]int, len(header))
	at := make(map[int]int, len(header))
	for j, name := range header {
		ci := d.t.Col(name)
		if ci < 0 {
			if reason := badBytes(name); reason != "" {
				return nil, d.errorf(line, strconv.Quote(name), "bad column name in header field %d: %s", j+1, reason)
			}
			return nil, d.errorf(line, name, "unknown column in header%s (table %s has no such column)", spelled(name), d.t.Name)
		}
		if prev, dup := at[ci]; dup {
			return nil, d.errorf(line, name, "column appears twice in header (fields %d and %d)", prev+1, j+1)
		}
		at[ci] = j
		cols[j] = ci
	}
	for ci, c := range d.t.Columns {
		if _, ok := at[ci]; !ok {
			return nil, d.errorf(line, c.Name, "column missing from header: every column of %s must be named (a nullable column may have empty values)", d.t.Name)
		}
	}
	return cols, nil
}

// csvReadError reports a record over the length limit at the line it starts
// on, a malformed record at the line the CSV reader names, and anything else
// at the first line not yet read.
func (d *decoder) csvReadError(err error, next int, src *sourceReader, lim *recordLimiter) error {
	if lim.tooLong && src.err == nil {
		if lim.line > lim.start {
			return d.errorf(lim.start, "", "record is longer than %d bytes (a quoted field runs on past the end of this line)", maxLine)
		}
		return d.errorf(lim.start, "", "line is longer than %d bytes", maxLine)
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) && src.err == nil {
		return d.errorf(pe.Line, "", "malformed CSV: %s", csvReason(pe))
	}
	return readError(d.name, next, src, err)
}

// spelled shows a name quoted when it holds characters that would not
// survive being printed plainly, such as the "\r" of a stray line end.
func spelled(name string) string {
	if q := strconv.Quote(name); q[1:len(q)-1] != name {
		return " " + q
	}
	return ""
}

func csvReason(pe *csv.ParseError) string {
	if pe.StartLine != pe.Line {
		return fmt.Sprintf("%v (in the record that starts on line %d)", pe.Err, pe.StartLine)
	}
	return pe.Err.Error()
}
