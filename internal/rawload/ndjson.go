package rawload

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/statgate/statgate/internal/pipeline"
)

// ndjson reads one JSON object per non-blank line, keyed by column name.
func (d *decoder) ndjson(r io.Reader, src *sourceReader) error {
	sc := bufio.NewScanner(r)
	// Room for the line's own "\r\n" on top of the limit; the scanner's
	// buffer never grows past it, which bounds memory.
	sc.Buffer(make([]byte, 0, bufSize), maxLine+2)
	seen := make([]bool, len(d.types))
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		// The buffer holds the line end too, so a line a byte or two
		// over the limit can still fit in it.
		if len(b) > maxLine {
			return d.errorf(line, "", "line is longer than %d bytes", maxLine)
		}
		if isBlank(b) {
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
	if len(d.rows) == 0 {
		if line == 0 {
			return d.errorf(1, "", "no rows: empty file; want one JSON object per line")
		}
		return d.errorf(1, "", "no rows: the file's %d lines are blank; want one JSON object per line", line)
	}
	return nil
}

// isBlank reports whether b holds only JSON whitespace. Other Unicode
// spaces are not blank: such a line is invalid JSON.
func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

// ndjsonLine decodes one object. It walks the object token by token rather
// than unmarshalling into a map so that a repeated key, which a map would
// silently resolve to its last value, is an error, and so that nested
// values are refused before they are built.
func (d *decoder) ndjsonLine(b []byte, line int, seen []bool) error {
	// encoding/json would turn invalid UTF-8 into U+FFFD without a word,
	// and a raw NUL is a syntax error that names no key; both are found
	// here, before parsing, and blamed on the key they are in.
	if bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(b) {
		return d.jsonBadBytes(b, line)
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
			if reason := badBytes(key); reason != "" {
				return d.errorf(line, strconv.Quote(key), "bad key: %s", reason)
			}
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
		if !seen[ci] {
			return d.errorf(line, c.Name, "key is missing: every column of %s must be a key of each object (null where the column is nullable)", d.t.Name)
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

// jsonValue converts one JSON value for a column. Types are exact: integer
// and decimal columns take JSON numbers, an integer column only an integer
// literal (20, not 20.0 or 2e1), a boolean column true or false, and text,
// date and timestamp columns strings. null is NULL, and so is "" in a
// string column as in CSV, so that the same rows give the same content hash
// in either format.
func (d *decoder) jsonValue(typ pipeline.Type, tok json.Token) (any, string) {
	switch v := tok.(type) {
	case nil:
		return nil, ""
	case string:
		switch typ {
		case pipeline.Text, pipeline.DateType, pipeline.Timestamp:
			return d.convert(typ, v)
		}
	case json.Number:
		switch typ {
		case pipeline.Int:
			return jsonInt(v.String())
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

// jsonInt converts a JSON number for an integer column: only an integer
// literal is one, since a writer that puts 20.0 or 2e1 in an integer column
// is not writing the type the schema says.
func jsonInt(num string) (any, string) {
	if strings.ContainsAny(num, ".eE") {
		return nil, fmt.Sprintf("not an integer: %s (want an integer literal, without fraction or exponent)", num)
	}
	n, reason := parseInt(num)
	if reason != "" {
		return nil, reason
	}
	return boxInt(n), ""
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

// jsonBadBytes reports the first NUL byte or invalid UTF-8 on an NDJSON
// line, naming the key of the member it is in.
func (d *decoder) jsonBadBytes(b []byte, line int) error {
	at := firstBadByte(b)
	what := "NUL byte"
	if b[at] != 0 {
		what = fmt.Sprintf("not valid UTF-8 (byte 0x%02x)", b[at])
	}
	key, inKey := memberAt(b, at)
	switch {
	case inKey:
		what += " in the key"
	case key != "":
		what += " in the value"
	}
	return d.errorf(line, key, "%s at byte %d of the line", what, at+1)
}

// firstBadByte returns the offset of the first NUL byte or byte of invalid
// UTF-8 in b, or -1.
func firstBadByte(b []byte) int {
	for i := 0; i < len(b); {
		c := b[i]
		if c == 0 {
			return i
		}
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// memberAt finds the member of the object on line b that byte at lies in.
// It returns the member's key, or, when at lies in the key itself, the key
// quoted with its bad bytes escaped and inKey set; "" when at lies in no
// member. It follows only strings, escapes and nesting, which is all it
// takes to tell keys from values on a line that is valid JSON up to at.
func memberAt(b []byte, at int) (key string, inKey bool) {
	var (
		depth            int
		inString, escape bool
		isKey, wantKey   bool
		start            int
	)
	for i := 0; i < at; i++ {
		c := b[i]
		if inString {
			switch {
			case escape:
				escape = false
			case c == '\\':
				escape = true
			case c == '"':
				inString = false
				if isKey {
					key, wantKey = jsonKeyName(b[start:i+1]), false
				}
			}
			continue
		}
		switch c {
		case '"':
			inString, start = true, i
			isKey = depth == 1 && wantKey
		case '{', '[':
			depth++
			wantKey = depth == 1 && c == '{'
		case '}', ']':
			depth--
		case ',':
			if depth == 1 {
				key, wantKey = "", true
			}
		}
	}
	if inString && isKey {
		raw := b[start+1:]
		if end := bytes.IndexByte(raw, '"'); end >= 0 {
			raw = raw[:end]
		}
		return strconv.Quote(string(raw)), true
	}
	return key, false
}

// jsonKeyName decodes a quoted JSON key, or returns it as written when it
// does not decode.
func jsonKeyName(quoted []byte) string {
	var s string
	if err := json.Unmarshal(quoted, &s); err != nil {
		return string(quoted)
	}
	return s
}
