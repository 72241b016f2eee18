// Package rawload decodes raw-table input files (SPEC §3) into validated rows:
// CSV or NDJSON, each optionally gzip-compressed. It is what `statgate load`
// and the demo read files with.
//
// A file is accepted whole or not at all: the first bad row rejects it with a
// *LineError naming the file, the line, the column and the reason, and no rows
// are returned. Every rejection unwraps to pipeline.ErrInvalid. Errors of the
// underlying reader or file system are returned as they are, wrapped with the
// file name, so that a caller can tell bad input from a failing disk.
//
// The contract is strict so that what loads is exactly what was meant:
// every column of the table is named in the CSV header and is a key of every
// NDJSON object (a nullable one may be empty or null); types are exact (no
// quoted numbers in NDJSON, no '+' signs, integers without fraction or
// exponent); no field holds a NUL byte or invalid UTF-8; a file has at least
// one row; and a line (a CSV record) longer than 1 MiB is refused as soon as
// it is seen, so memory stays bounded whatever the input.
package rawload

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/statgate/statgate/internal/pipeline"
)

// LineError is every rejection of an input file.
type LineError struct {
	File string
	// Line is the 1-based physical line: the CSV header is line 1 and the
	// first data row line 2; for NDJSON it is the line of the object.
	Line int
	// Column is the column (or NDJSON key) at fault, "" when the reason is
	// not about one column.
	Column string
	Reason string
}

// Error renders "file:line: column: reason", or "file:line: reason" when the
// error is not about one column, the form editors and terminals link to.
func (e *LineError) Error() string {
	s := fmt.Sprintf("%s:%d: ", e.File, e.Line)
	if e.Column != "" {
		s += e.Column + ": "
	}
	return s + e.Reason
}

// Unwrap makes every LineError an ErrInvalid, which the HTTP layer maps to a
// client error.
func (e *LineError) Unwrap() error { return pipeline.ErrInvalid }

type format int

const (
	formatSniff format = iota
	formatCSV
	formatNDJSON
)

// formatOf picks the format from the file name; ".gz" is ignored here
// because compression is recognised by its magic bytes.
func formatOf(name string) format {
	lower := strings.ToLower(name)
	lower = strings.TrimSuffix(lower, ".gz")
	switch {
	case strings.HasSuffix(lower, ".csv"):
		return formatCSV
	case strings.HasSuffix(lower, ".ndjson"), strings.HasSuffix(lower, ".jsonl"), strings.HasSuffix(lower, ".json"):
		return formatNDJSON
	}
	return formatSniff
}

// Decode reads one file's rows for table t. name is the file name used in
// errors and to pick the format: ".csv", ".ndjson", ".jsonl", ".json"
// (NDJSON), each optionally followed by ".gz". Gzip is recognised by its
// magic bytes, not by the name: a file named .gz that holds plain text is read
// as text, and one that holds neither gzip nor text is refused, as is data
// compressed in another format (zip, bzip2, xz, zstd). When the extension
// says nothing, the first non-space byte decides: '{' means NDJSON, anything
// else CSV.
func Decode(t *pipeline.Table, name string, r io.Reader) ([]pipeline.Row, error) {
	return decode(t, name, r, newKeySet(t))
}

// DecodeFiles decodes several files for one table and additionally rejects
// keys repeated across them; the error names both places. Nothing is
// returned unless every row of every file is valid. A nil fsys means the
// operating system's file system, with names used as given.
func DecodeFiles(t *pipeline.Table, fsys fs.FS, names []string) ([]pipeline.Row, error) {
	keys := newKeySet(t)
	var all []pipeline.Row
	for _, name := range names {
		rows, err := decodeFile(t, fsys, name, keys)
		if err != nil {
			return nil, err
		}
		if all == nil {
			all = rows
		} else {
			all = append(all, rows...)
		}
	}
	return all, nil
}

// Checker decodes files one at a time for one table, rejecting keys
// repeated across them (as DecodeFiles does), so that a caller can check
// files too many to hold at once and keep only what it needs of each.
type Checker struct {
	t    *pipeline.Table
	fsys fs.FS
	keys *keySet
}

// NewChecker returns a Checker; a nil fsys means the operating system's
// file system.
func NewChecker(t *pipeline.Table, fsys fs.FS) *Checker {
	return &Checker{t: t, fsys: fsys, keys: newKeySet(t)}
}

// File decodes one file; a key one of the earlier files had is an error
// naming both places.
func (c *Checker) File(name string) ([]pipeline.Row, error) {
	return decodeFile(c.t, c.fsys, name, c.keys)
}

func decodeFile(t *pipeline.Table, fsys fs.FS, name string, keys *keySet) ([]pipeline.Row, error) {
	var (
		f   io.ReadCloser
		err error
	)
	if fsys == nil {
		f, err = os.Open(name)
	} else {
		f, err = fsys.Open(name)
	}
	if err != nil {
		return nil, err // a *fs.PathError: "open NAME: reason"
	}
	defer f.Close()
	return decode(t, name, f, keys)
}

// ByDate groups rows by their game_date value. The rows must be valid rows of
// t, such as Decode returns; a row without a date is a programming error and
// panics rather than being dropped from a load without a word.
func ByDate(t *pipeline.Table, rows []pipeline.Row) map[pipeline.Date][]pipeline.Row {
	out := make(map[pipeline.Date][]pipeline.Row)
	di := t.DateIndex()
	for _, r := range rows {
		d, ok := r[di].(pipeline.Date)
		if !ok {
			panic(fmt.Sprintf("rawload.ByDate: %s row has game_date %#v, want a pipeline.Date", t.Name, r[di]))
		}
		out[d] = append(out[d], r)
	}
	return out
}

// sourceReader remembers the error of the caller's reader, so that a failing
// disk or network is reported as such and not as malformed input.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

func decode(t *pipeline.Table, name string, r io.Reader, keys *keySet) ([]pipeline.Row, error) {
	src := &sourceReader{r: r}
	br, err := plainText(name, bufio.NewReaderSize(src, bufSize), src)
	if err != nil {
		return nil, err
	}
	f := formatOf(name)
	if f == formatSniff {
		f = sniff(br)
	}
	keys.startFile(name)
	d := newDecoder(t, name, keys)
	if f == formatNDJSON {
		err = d.ndjson(br, src)
	} else {
		err = d.csv(br, src)
	}
	if src.err != nil {
		// The readers ahead of the parser deliver what they had before
		// the failure as if the data ended there, so whatever the parser
		// made of it, the caller's reader is at fault.
		return nil, fmt.Errorf("read %s: %w", name, src.err)
	}
	if err != nil {
		return nil, err
	}
	return d.rows, nil
}

// sniff looks at the first non-space byte within the buffer's reach.
func sniff(br *bufio.Reader) format {
	head, _ := br.Peek(bufSize)
	for _, c := range head {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return formatNDJSON
		}
		return formatCSV
	}
	return formatCSV
}

// readError turns an error met while reading into either the caller's own
// I/O error or, when the bytes themselves are bad (a truncated or corrupt
// gzip stream), a rejection of the file.
func readError(name string, line int, src *sourceReader, err error) error {
	if src.err != nil {
		return fmt.Errorf("read %s: %w", name, src.err)
	}
	reason := err.Error()
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		reason = "unexpected end of data (truncated file?)"
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
		reason = "corrupt gzip data: " + err.Error()
	}
	return &LineError{File: name, Line: line, Reason: reason}
}
