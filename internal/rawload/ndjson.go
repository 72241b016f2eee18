package rawload

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/statgate/statgate/internal/pipeline"
)

// maxLine bounds one NDJSON line, so that a file without newlines cannot make
// the decoder buffer all of it.
const maxLine = 1 << 20

// ndjson reads one JSON object per non-blank line, keyed by column name.
func (d *decoder) ndjson(r io.Reader, src *sourceReader) error {
	sc := bufio.NewScanner(r)
	// Room for the line's own "\r\n" on top of the limit.
	sc.Buffer(make([]byte, 0, bufSize), maxLine+2)
	seen := make([]bool, len(d.types))
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		if err := d.ndjsonLine(b, line, seen); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) && src.err == nil {
			return d.errorf(line+1, "", "line is longer than %d bytes", maxLine)
		}
		return readError(d.name, line+1, src, err)
	}
	return nil
}

// ndjsonLine decodes one object. It walks the object token by token rather
// than unmarshalling into a map so that a repeated key, which a map would
// silently resolve to its last value, is an error, and so that nested
// values are refused before they are built.
func (d *decoder) ndjsonLine(b []byte, line int, seen []bool) error {
	if !utf8.Valid(b) {
		return d.errorf(line, "", "not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return d.jsonSyntax(line, err)
	}
	if tok != json.Delim('{') {
		return d.errorf(line, "", "want one JSON object per line, got %s", jsonKind(tok))
	}
	clear(seen)
	row := d.newRow()
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return d.jsonSyntax(line, err)
		}
		key, ok := tok.(string)
		if !ok {
			return d.errorf(line, "", "invalid JSON: object key is %s", jsonKind(tok))
		}
		ci := d.t.Col(key)
		if ci < 0 {
			return d.errorf(line, key, "unknown key%s (table %s has no such column)", spelled(key), d.t.Name)
		}
		if seen[ci] {
			return d.errorf(line, key, "key appears twice in the object")
		}
		seen[ci] = true
		if tok, err = dec.Token(); err != nil {
			return d.jsonSyntax(line, err)
		}
		v, reason := d.jsonValue(d.types[ci], tok)
		if reason != "" {
			return d.errorf(line, key, "%s", reason)
		}
		row[ci] = v
	}
	if _, err := dec.Token(); err != nil {
		return d.jsonSyntax(line, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return d.errorf(line, "", "trailing data after the JSON object")
	}
	for ci, c := range d.t.Columns {
		if c.Required && !seen[ci] {
			return d.errorf(line, c.Name, "required key is missing")
		}
	}
	return d.finish(row, line)
}

func (d *decoder) jsonSyntax(line int, err error) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return d.errorf(line, "", "invalid JSON: the line ends inside the object")
	}
	return d.errorf(line, "", "invalid JSON: %v", err)
}

// jsonValue converts one JSON value for a column. Strings are accepted for
// every type but bool and go through the same parsing as CSV fields, so
// exporters that quote numbers and dates still load. null is NULL, and so
// is "" as in CSV, so that the same rows give the same content hash in
// either format.
func (d *decoder) jsonValue(typ pipeline.Type, tok json.Token) (any, string) {
	switch v := tok.(type) {
	case nil:
		return nil, ""
	case string:
		if typ == pipeline.Bool {
			break
		}
		return d.convert(typ, v)
	case json.Number:
		switch typ {
		case pipeline.Int:
			n, reason := jsonInt(v.String())
			if reason != "" {
				return nil, reason
			}
			return boxInt(n), ""
		case pipeline.Float:
			f, reason := parseFloat(v.String())
			if reason != "" {
				return nil, reason
			}
			return f, ""
		}
	case bool:
		if typ == pipeline.Bool {
			return v, ""
		}
	}
	return nil, fmt.Sprintf("wrong JSON type: want %s, got %s", jsonWant(typ), jsonKind(tok))
}

func jsonWant(typ pipeline.Type) string {
	switch typ {
	case pipeline.Text:
		return "a string"
	case pipeline.Int:
		return "an integer"
	case pipeline.Float:
		return "a number"
	case pipeline.Bool:
		return "true or false"
	case pipeline.DateType:
		return "a date string (YYYY-MM-DD)"
	case pipeline.Timestamp:
		return "an RFC 3339 timestamp string"
	}
	return typ.String()
}

func jsonKind(tok json.Token) string {
	switch v := tok.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case json.Delim:
		if v == '[' {
			return "an array"
		}
		if v == '{' {
			return "an object"
		}
		return fmt.Sprintf("%q", string(v))
	}
	return fmt.Sprintf("%T", tok)
}
