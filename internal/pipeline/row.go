package pipeline

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// Row is one row of a table: values in column order (see Type for the Go
// type of each column type; nil is NULL).
type Row []any

// SortRows orders rows by the table's key, which makes every encoding of a
// partition independent of the order its rows were produced in.
func (t *Table) SortRows(rows []Row) {
	slices.SortFunc(rows, func(a, b Row) int { return t.compareKeys(a, b) })
}

func (t *Table) compareKeys(a, b Row) int {
	for _, i := range t.key {
		if c := compareValues(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}

// DuplicateKey reports the first pair of rows (indexes into rows, which must
// be sorted with SortRows) that share a key, or -1, -1.
func (t *Table) DuplicateKey(rows []Row) (int, int) {
	for i := 1; i < len(rows); i++ {
		if t.compareKeys(rows[i-1], rows[i]) == 0 {
			return i - 1, i
		}
	}
	return -1, -1
}

func compareValues(a, b any) int {
	switch x := a.(type) {
	case nil:
		if b == nil {
			return 0
		}
		return -1
	case string:
		if y, ok := b.(string); ok {
			return cmp.Compare(x, y)
		}
	case int64:
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y)
		}
	case float64:
		if y, ok := b.(float64); ok {
			return cmp.Compare(x, y)
		}
	case bool:
		if y, ok := b.(bool); ok {
			return cmp.Compare(boolInt(x), boolInt(y))
		}
	case Date:
		if y, ok := b.(Date); ok {
			return cmp.Compare(x, y)
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y)
		}
	}
	if b == nil {
		return 1
	}
	return cmp.Compare(fmt.Sprintf("%T", a), fmt.Sprintf("%T", b))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// EncodeRows writes rows (sorted by key first) as a JSON array of arrays, the
// canonical form of a partition's content: the content hash is computed over
// it and version history stores it. Floats use the shortest representation
// that round-trips, so equal values always encode to equal bytes.
func (t *Table) EncodeRows(rows []Row) []byte {
	sorted := slices.Clone(rows)
	t.SortRows(sorted)
	return t.encodeSorted(sorted)
}

// encodeSorted is EncodeRows for rows already sorted by key.
func (t *Table) encodeSorted(sorted []Row) []byte {
	buf := make([]byte, 0, 64+len(sorted)*len(t.Columns)*8)
	buf = append(buf, '[')
	for i, r := range sorted {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '[')
		for j, v := range r {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = appendValue(buf, v)
		}
		buf = append(buf, ']')
	}
	return append(buf, ']')
}

func appendValue(buf []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(buf, "null"...)
	case string:
		return appendJSONString(buf, x)
	case int64:
		return strconv.AppendInt(buf, x, 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			// JSON has no NaN; analytics formulas store NULL instead, so
			// this only guards against a bug becoming unreadable history.
			return strconv.AppendQuote(buf, strconv.FormatFloat(x, 'g', -1, 64))
		}
		if x == 0 {
			x = 0 // -0 equals 0 and must hash alike
		}
		return strconv.AppendFloat(buf, x, 'g', -1, 64)
	case bool:
		return strconv.AppendBool(buf, x)
	case Date:
		return strconv.AppendQuote(buf, x.String())
	case time.Time:
		return strconv.AppendQuote(buf, x.UTC().Format(time.RFC3339Nano))
	}
	panic(fmt.Sprintf("pipeline: cannot encode %T", v))
}

// appendJSONString quotes s as a JSON string. Plain printable ASCII, which
// is nearly every value, is copied as is; anything else goes through
// encoding/json so control characters and invalid UTF-8 stay valid JSON.
func appendJSONString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s)
			return append(buf, b...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// DecodeRows reverses EncodeRows using the table's column types.
func (t *Table) DecodeRows(data []byte) ([]Row, error) {
	var raw [][]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("decode %s rows: %w", t.Name, err)
	}
	for i, vals := range raw {
		if len(vals) != len(t.Columns) {
			return nil, fmt.Errorf("decode %s row %d: %d values, want %d", t.Name, i, len(vals), len(t.Columns))
		}
	}
	return t.decodeRaw(raw, nil)
}

// decodeRaw converts decoded values; at[j] is the table column of stored
// value j (nil: the same position), and a column no stored value fills is
// NULL.
func (t *Table) decodeRaw(raw [][]json.RawMessage, at []int) ([]Row, error) {
	rows := make([]Row, len(raw))
	for i, vals := range raw {
		r := make(Row, len(t.Columns))
		for j, rv := range vals {
			c := j
			if at != nil {
				c = at[j]
			}
			if c < 0 || c >= len(t.Columns) {
				continue
			}
			v, err := decodeValue(t.Columns[c].Type, rv)
			if err != nil {
				return nil, fmt.Errorf("decode %s row %d column %s: %w", t.Name, i, t.Columns[c].Name, err)
			}
			r[c] = v
		}
		rows[i] = r
	}
	return rows, nil
}

// EncodeArchive writes rows to be kept for rollback: the column names with
// EncodeRows, so that an archived version stays readable after the table
// gains or loses a column (a new migration).
func (t *Table) EncodeArchive(rows []Row) []byte {
	names, _ := json.Marshal(t.ColumnNames())
	buf := make([]byte, 0, 32+len(names))
	buf = append(buf, `{"columns":`...)
	buf = append(buf, names...)
	buf = append(buf, `,"rows":`...)
	buf = append(buf, t.EncodeRows(rows)...)
	return append(buf, '}')
}

// DecodeArchive reads what EncodeArchive wrote, matching columns by name:
// a column added to the table since is NULL, one dropped since is left
// out. It also reads archives written before names were kept (EncodeRows
// alone), by position, where columns added since come last and are NULL.
func (t *Table) DecodeArchive(data []byte) ([]Row, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if len(bytes.TrimSpace(data)) > 0 && bytes.TrimSpace(data)[0] == '[' {
		var raw [][]json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("decode %s archive: %w", t.Name, err)
		}
		for i, vals := range raw {
			if len(vals) > len(t.Columns) {
				return nil, fmt.Errorf("decode %s archive row %d: %d values, the table has %d columns", t.Name, i, len(vals), len(t.Columns))
			}
		}
		return t.decodeRaw(raw, nil)
	}
	var a struct {
		Columns []string            `json:"columns"`
		Rows    [][]json.RawMessage `json:"rows"`
	}
	if err := dec.Decode(&a); err != nil {
		return nil, fmt.Errorf("decode %s archive: %w", t.Name, err)
	}
	at := make([]int, len(a.Columns))
	for j, name := range a.Columns {
		at[j] = t.Col(name)
	}
	for i, vals := range a.Rows {
		if len(vals) != len(a.Columns) {
			return nil, fmt.Errorf("decode %s archive row %d: %d values, %d columns", t.Name, i, len(vals), len(a.Columns))
		}
	}
	return t.decodeRaw(a.Rows, at)
}

func decodeValue(typ Type, rv json.RawMessage) (any, error) {
	if string(rv) == "null" {
		return nil, nil
	}
	switch typ {
	case Text:
		var s string
		err := json.Unmarshal(rv, &s)
		return s, err
	case Int:
		return strconv.ParseInt(string(rv), 10, 64)
	case Float:
		if len(rv) > 0 && rv[0] == '"' {
			var s string
			if err := json.Unmarshal(rv, &s); err != nil {
				return nil, err
			}
			return strconv.ParseFloat(s, 64)
		}
		return strconv.ParseFloat(string(rv), 64)
	case Bool:
		return strconv.ParseBool(string(rv))
	case DateType:
		var s string
		if err := json.Unmarshal(rv, &s); err != nil {
			return nil, err
		}
		return ParseDate(s)
	case Timestamp:
		var s string
		if err := json.Unmarshal(rv, &s); err != nil {
			return nil, err
		}
		return time.Parse(time.RFC3339Nano, s)
	}
	return nil, fmt.Errorf("unknown type %v", typ)
}

// ContentHash is the hex SHA-256 of the canonical encoding of rows. Equal
// content gives an equal hash whatever the row order or the database.
func (t *Table) ContentHash(rows []Row) string {
	return HashBytes(t.EncodeRows(rows))
}

// HashBytes is the hex SHA-256 of an encoded partition.
func HashBytes(encoded []byte) string {
	sum := sha256.Sum256(encoded)
	return hex.EncodeToString(sum[:])
}
