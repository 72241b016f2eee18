package rawload

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// place is where a key was first seen: a file (an index into keySet.files,
// since one name may be passed twice) and a line.
type place struct {
	file int
	line int
}

// keySet finds rows that repeat a key, within one file or across the files
// of one DecodeFiles call. Keys are stored as a compact binary encoding of
// the key values, so that a lookup costs no allocation and only a new key
// costs one.
type keySet struct {
	t     *pipeline.Table
	seen  map[string]place
	files []string
	buf   []byte
}

func newKeySet(t *pipeline.Table) *keySet {
	return &keySet{t: t, seen: make(map[string]place)}
}

// startFile is called before the rows of each file are added.
func (k *keySet) startFile(name string) { k.files = append(k.files, name) }

// add records r's key, or returns a LineError when an earlier row had it.
func (k *keySet) add(line int, r pipeline.Row) error {
	file := len(k.files) - 1
	k.buf = k.buf[:0]
	for _, i := range k.t.KeyIndexes() {
		k.buf = appendKeyValue(k.buf, r[i])
	}
	if first, dup := k.seen[string(k.buf)]; dup {
		where := fmt.Sprintf("line %d", first.line)
		if first.file != file {
			where = fmt.Sprintf("%s:%d", k.files[first.file], first.line)
		}
		return &LineError{File: k.files[file], Line: line,
			Reason: fmt.Sprintf("duplicate key %s: first seen on %s", k.describe(r), where)}
	}
	k.seen[string(k.buf)] = place{file: file, line: line}
	return nil
}

// describe renders a row's key for people: game_id="…", player_lookup="…".
func (k *keySet) describe(r pipeline.Row) string {
	var b strings.Builder
	for n, i := range k.t.KeyIndexes() {
		if n > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k.t.Columns[i].Name)
		b.WriteByte('=')
		if s, ok := r[i].(string); ok {
			fmt.Fprintf(&b, "%q", s)
		} else {
			fmt.Fprintf(&b, "%v", r[i])
		}
	}
	return b.String()
}

// appendKeyValue encodes one value so that distinct values never encode
// alike: a type tag, then a fixed-size or length-prefixed payload.
func appendKeyValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, 'n')
	case string:
		b = append(b, 's')
		b = binary.AppendUvarint(b, uint64(len(x)))
		return append(b, x...)
	case int64:
		return binary.BigEndian.AppendUint64(append(b, 'i'), uint64(x))
	case float64:
		if x == 0 {
			x = 0 // -0 and 0 are the same key, as pipeline orders them.
		}
		return binary.BigEndian.AppendUint64(append(b, 'f'), math.Float64bits(x))
	case bool:
		if x {
			return append(b, 'b', 1)
		}
		return append(b, 'b', 0)
	case pipeline.Date:
		return binary.BigEndian.AppendUint32(append(b, 'd'), uint32(x))
	case time.Time:
		b = binary.BigEndian.AppendUint64(append(b, 't'), uint64(x.Unix()))
		return binary.BigEndian.AppendUint32(b, uint32(x.Nanosecond()))
	}
	// Validate has already rejected any other type; this keeps the
	// encoding total all the same.
	return fmt.Appendf(append(b, '?'), "%T:%v;", v, v)
}
