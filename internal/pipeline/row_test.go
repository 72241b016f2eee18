package pipeline_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/statgate/statgate/internal/pipeline"
)

// everyType has one optional column of every type besides its key, so that
// each type can be round-tripped with and without a value.
var everyType = pipeline.NewTable("every_type", pipeline.Analytics, []string{"id"},
	pipeline.Column{Name: "id", Type: pipeline.Text, Required: true},
	pipeline.Column{Name: "game_date", Type: pipeline.DateType, Required: true},
	pipeline.Column{Name: "text", Type: pipeline.Text},
	pipeline.Column{Name: "int", Type: pipeline.Int},
	pipeline.Column{Name: "float", Type: pipeline.Float},
	pipeline.Column{Name: "bool", Type: pipeline.Bool},
	pipeline.Column{Name: "date", Type: pipeline.DateType},
	pipeline.Column{Name: "ts", Type: pipeline.Timestamp},
)

func roundTrip(t *testing.T, tb *pipeline.Table, rows []pipeline.Row) []pipeline.Row {
	t.Helper()
	enc := tb.EncodeRows(rows)
	if !json.Valid(enc) {
		t.Errorf("EncodeRows(%v) = %s, which is not valid JSON", rows, enc)
	}
	got, err := tb.DecodeRows(enc)
	if err != nil {
		t.Fatalf("DecodeRows(%s) error = %v", enc, err)
	}
	return got
}

// rowsEqual compares decoded rows with what was encoded: values of the same
// Go type, NaN equal to NaN, timestamps equal as instants.
var rowsEqual = cmpopts.EquateNaNs()

func TestEncodeDecodeRoundTrip(t *testing.T) {
	t.Parallel()
	d := opening
	ny := time.FixedZone("EDT", -4*3600)
	tests := []struct {
		name string
		row  pipeline.Row
	}{
		{"all NULL", pipeline.Row{"a", d, nil, nil, nil, nil, nil, nil}},
		{"empty text is not NULL", pipeline.Row{"a", d, "", int64(0), 0.0, false, pipeline.Date(0), time.Unix(0, 0).UTC()}},
		{"quotes", pipeline.Row{"a", d, `he said "over 30.5"`, nil, nil, nil, nil, nil}},
		{"backslash", pipeline.Row{"a", d, `C:\stats\line.csv`, nil, nil, nil, nil, nil}},
		{"json-looking text", pipeline.Row{"a", d, `["null",null]`, nil, nil, nil, nil, nil}},
		{"the word null", pipeline.Row{"a", d, "null", nil, nil, nil, nil, nil}},
		{"unicode", pipeline.Row{"a", d, "Nikola Jokić, Luka Dončić, Théo Maledon", nil, nil, nil, nil, nil}},
		{"emoji and cjk", pipeline.Row{"a", d, "🏀 八村塁", nil, nil, nil, nil, nil}},
		{"whitespace escapes", pipeline.Row{"a", d, "line\nbreak\ttab\rreturn", nil, nil, nil, nil, nil}},
		{"no-break space and line separator", pipeline.Row{"a", d, "a\u00a0b\u2028c", nil, nil, nil, nil, nil}},
		{"int extremes", pipeline.Row{"a", d, nil, int64(math.MaxInt64), nil, nil, nil, nil}},
		{"int min", pipeline.Row{"a", d, nil, int64(math.MinInt64), nil, nil, nil, nil}},
		{"negative int", pipeline.Row{"a", d, nil, int64(-17), nil, nil, nil, nil}},
		{"float 0.1", pipeline.Row{"a", d, nil, nil, 0.1, nil, nil, nil}},
		{"float 1e-300", pipeline.Row{"a", d, nil, nil, 1e-300, nil, nil, nil}},
		{"float subnormal", pipeline.Row{"a", d, nil, nil, 5e-324, nil, nil, nil}},
		{"float max", pipeline.Row{"a", d, nil, nil, math.MaxFloat64, nil, nil, nil}},
		{"float large", pipeline.Row{"a", d, nil, nil, 1e21, nil, nil, nil}},
		{"float negative zero", pipeline.Row{"a", d, nil, nil, math.Copysign(0, -1), nil, nil, nil}},
		{"float negative", pipeline.Row{"a", d, nil, nil, -112.34567890123, nil, nil, nil}},
		{"float whole", pipeline.Row{"a", d, nil, nil, 240.0, nil, nil, nil}},
		{"float ts_pct", pipeline.Row{"a", d, nil, nil, 0.6265664160401002, nil, nil, nil}},
		{"float NaN", pipeline.Row{"a", d, nil, nil, math.NaN(), nil, nil, nil}},
		{"float +Inf", pipeline.Row{"a", d, nil, nil, math.Inf(1), nil, nil, nil}},
		{"float -Inf", pipeline.Row{"a", d, nil, nil, math.Inf(-1), nil, nil, nil}},
		{"bool true", pipeline.Row{"a", d, nil, nil, nil, true, nil, nil}},
		{"date pre-1970", pipeline.Row{"a", pipeline.MustDate("1946-11-01"), nil, nil, nil, nil, pipeline.MustDate("1900-02-28"), nil}},
		{"date leap day", pipeline.Row{"a", pipeline.MustDate("2024-02-29"), nil, nil, nil, nil, pipeline.MustDate("2000-02-29"), nil}},
		{"timestamp nanoseconds", pipeline.Row{"a", d, nil, nil, nil, nil, nil, capturedA}},
		{"timestamp one nanosecond", pipeline.Row{"a", d, nil, nil, nil, nil, nil, time.Date(2023, 1, 15, 0, 0, 0, 1, time.UTC)}},
		{"timestamp pre-1970", pipeline.Row{"a", d, nil, nil, nil, nil, nil, time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC)}},
		{"timestamp in another zone", pipeline.Row{"a", d, nil, nil, nil, nil, nil, time.Date(2022, 10, 18, 19, 30, 0, 500, ny)}},
	}
	for _, tt := range tests {
		got := roundTrip(t, everyType, []pipeline.Row{tt.row})
		if diff := cmp.Diff([]pipeline.Row{tt.row}, got, rowsEqual); diff != "" {
			t.Errorf("DecodeRows(EncodeRows(%v)) [%s] mismatch (-want +got):\n%s", tt.row, tt.name, diff)
		}
		if len(got) == 1 {
			if ts, ok := got[0][7].(time.Time); ok && ts.Location() != time.UTC {
				t.Errorf("DecodeRows [%s] timestamp %v is in %v, want UTC", tt.name, ts, ts.Location())
			}
		}
	}
}

// The canonical encoding is what content hashes are computed over and what
// version history stores, so its exact bytes are part of the contract: a
// change here changes the hash of every partition ever published.
func TestEncodeRowsCanonicalBytes(t *testing.T) {
	t.Parallel()
	rows := []pipeline.Row{
		{"b", opening, "Nikola Jokić", int64(27), 0.1, true, pipeline.MustDate("1969-12-31"), capturedA},
		{"a", opening, `say "hi"`, nil, 1e-300, false, nil, time.Date(2022, 10, 18, 19, 30, 0, 0, time.FixedZone("EDT", -4*3600))},
	}
	want := `[["a","2022-10-18","say \"hi\"",null,1e-300,false,null,"2022-10-18T23:30:00Z"],` +
		`["b","2022-10-18","Nikola Jokić",27,0.1,true,"1969-12-31","2022-10-18T22:15:03.123456789Z"]]`
	if got := string(everyType.EncodeRows(rows)); got != want {
		t.Errorf("EncodeRows(%v) =\n%s\nwant\n%s", rows, got, want)
	}
	sum := sha256.Sum256([]byte(want))
	if got, want := everyType.ContentHash(rows), hex.EncodeToString(sum[:]); got != want {
		t.Errorf("ContentHash(%v) = %s, want %s", rows, got, want)
	}
	if got := string(everyType.EncodeRows(nil)); got != "[]" {
		t.Errorf("EncodeRows(nil) = %q, want %q", got, "[]")
	}
	// SHA-256 of "[]": an empty partition (a day without games) has a
	// fixed, well-known hash.
	if got, want := everyType.ContentHash(nil), "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"; got != want {
		t.Errorf("ContentHash(nil) = %s, want %s", got, want)
	}
}

func TestEncodeRowsDoesNotReorderInput(t *testing.T) {
	t.Parallel()
	rows := []pipeline.Row{jokic(), wiggins(), baldwin()}
	before := slices.Clone(rows)
	lineTable.EncodeRows(rows)
	lineTable.ContentHash(rows)
	if diff := cmp.Diff(before, rows); diff != "" {
		t.Errorf("EncodeRows reordered its input (-before +after):\n%s", diff)
	}
}

// permutations calls f with every ordering of rows.
func permutations(rows []pipeline.Row, f func([]pipeline.Row)) {
	var rec func(k int)
	rec = func(k int) {
		if k == len(rows) {
			f(slices.Clone(rows))
			return
		}
		for i := k; i < len(rows); i++ {
			rows[k], rows[i] = rows[i], rows[k]
			rec(k + 1)
			rows[k], rows[i] = rows[i], rows[k]
		}
	}
	rec(0)
}

func TestContentHashIgnoresRowOrder(t *testing.T) {
	t.Parallel()
	w2 := wiggins()
	w2[0] = "20221020_GSW_DEN" // the same player in another game
	rows := []pipeline.Row{wiggins(), baldwin(), jokic(), w2}
	want := lineTable.ContentHash(rows)
	wantEnc := string(lineTable.EncodeRows(rows))
	n := 0
	permutations(rows, func(perm []pipeline.Row) {
		n++
		if got := lineTable.ContentHash(perm); got != want {
			t.Errorf("ContentHash(%v) = %s, want %s (the hash of the same rows in another order)", perm, got, want)
		}
		if got := string(lineTable.EncodeRows(perm)); got != wantEnc {
			t.Errorf("EncodeRows(%v) = %s, want %s", perm, got, wantEnc)
		}
	})
	if n != 24 {
		t.Fatalf("permutations of 4 rows = %d, want 24", n)
	}
	// A partition is decoded in key order.
	got, err := lineTable.DecodeRows([]byte(wantEnc))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]pipeline.Row{jokic(), wiggins(), baldwin(), w2}, got); diff != "" {
		t.Errorf("DecodeRows order mismatch (-want +got):\n%s", diff)
	}
}

// Any change a reader could observe changes the hash; the engine relies on
// equal hashes to skip work, so a collision here would hide new data.
func TestContentHashDetectsChanges(t *testing.T) {
	t.Parallel()
	base := []pipeline.Row{
		{"a", opening, "Stephen Curry", int64(33), 0.1, true, pipeline.MustDate("2022-10-17"), capturedA},
		{"b", opening, "", int64(0), 0.0, false, nil, nil},
	}
	change := func(row, col int, v any) []pipeline.Row {
		out := []pipeline.Row{slices.Clone(base[0]), slices.Clone(base[1])}
		out[row][col] = v
		return out
	}
	variants := map[string][]pipeline.Row{
		"base":                      base,
		"key":                       change(0, 0, "c"),
		"game_date":                 change(0, 1, opening.AddDays(1)),
		"text":                      change(0, 2, "Steph Curry"),
		"text trailing space":       change(0, 2, "Stephen Curry "),
		"empty text to NULL":        change(1, 2, nil),
		"int":                       change(0, 3, int64(34)),
		"zero int to NULL":          change(1, 3, nil),
		"float last digit":          change(0, 4, 0.10000000000000002),
		"zero float to NULL":        change(1, 4, nil),
		"bool":                      change(0, 5, false),
		"false to NULL":             change(1, 5, nil),
		"date":                      change(0, 6, pipeline.MustDate("2022-10-16")),
		"NULL date to date":         change(1, 6, pipeline.Date(0)),
		"timestamp nanosecond":      change(0, 7, capturedA.Add(time.Nanosecond)),
		"NULL ts to epoch":          change(1, 7, time.Unix(0, 0).UTC()),
		"one row fewer":             base[:1],
		"no rows":                   nil,
		"a row repeated":            {base[0], base[1], base[1]},
		"text with quote and comma": change(0, 2, "Stephen Curry\",\"x"),
	}
	seen := map[string]string{}
	for name, rows := range variants {
		h := everyType.ContentHash(rows)
		if len(h) != 64 {
			t.Errorf("ContentHash [%s] = %q, want 64 hex digits", name, h)
		}
		if other, dup := seen[h]; dup {
			t.Errorf("ContentHash [%s] = ContentHash [%s] = %s, want different hashes", name, other, h)
		}
		seen[h] = name
	}
}

func TestHashBytes(t *testing.T) {
	t.Parallel()
	// SHA-256 of "abc" (FIPS 180-2 test vector).
	if got, want := pipeline.HashBytes([]byte("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Errorf("HashBytes(%q) = %s, want %s", "abc", got, want)
	}
}

func TestDecodeRowsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string // fragments of the error
	}{
		{``, []string{"decode every_type rows"}},
		{`not json`, []string{"decode every_type rows"}},
		{`{"id":"a"}`, []string{"decode every_type rows"}},
		{`[["a","2022-10-18"]]`, []string{"row 0", "2 values, want 8"}},
		{`[["a","2022-10-18",null,null,null,null,null,null],["b"]]`, []string{"row 1", "1 values, want 8"}},
		{`[["a","2022-10-18",7,null,null,null,null,null]]`, []string{"row 0", "column text"}},
		{`[["a","2022-10-18",null,1.5,null,null,null,null]]`, []string{"column int"}},
		{`[["a","2022-10-18",null,"7",null,null,null,null]]`, []string{"column int"}},
		{`[["a","2022-10-18",null,1e3,null,null,null,null]]`, []string{"column int"}},
		{`[["a","2022-10-18",null,99999999999999999999,null,null,null,null]]`, []string{"column int"}},
		{`[["a","2022-10-18",null,null,"fast",null,null,null]]`, []string{"column float"}},
		{`[["a","2022-10-18",null,null,true,null,null,null]]`, []string{"column float"}},
		{`[["a","2022-10-18",null,null,null,"yes",null,null]]`, []string{"column bool"}},
		{`[["a","2022-10-18",null,null,null,null,"2023-02-30",null]]`, []string{"column date"}},
		{`[["a","2022-10-18",null,null,null,null,19372,null]]`, []string{"column date"}},
		{`[["a","2023/01/15",null,null,null,null,null,null]]`, []string{"column game_date"}},
		{`[["a","2022-10-18",null,null,null,null,null,"2022-10-18 22:15"]]`, []string{"column ts"}},
		{`[["a","2022-10-18",null,null,null,null,null,1666131303]]`, []string{"column ts"}},
	}
	for _, tt := range tests {
		rows, err := everyType.DecodeRows([]byte(tt.in))
		if err == nil {
			t.Errorf("DecodeRows(%s) = %v, nil, want an error", tt.in, rows)
			continue
		}
		if missing := mentions(err.Error(), tt.want...); len(missing) > 0 {
			t.Errorf("DecodeRows(%s) error = %q, want it to mention %q", tt.in, err, missing)
		}
	}
}

func TestDecodeRowsEmpty(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`[]`, ` [ ] `, `null`} {
		rows, err := everyType.DecodeRows([]byte(in))
		if err != nil || len(rows) != 0 {
			t.Errorf("DecodeRows(%s) = %v, %v, want no rows and no error", in, rows, err)
		}
	}
}

func TestSortRows(t *testing.T) {
	t.Parallel()
	// A key over several types: numbers sort as numbers, not as text.
	tb := pipeline.NewTable("sorted", pipeline.Raw, []string{"team", "n", "game_date", "home", "at"},
		pipeline.Column{Name: "team", Type: pipeline.Text, Required: true},
		pipeline.Column{Name: "n", Type: pipeline.Int, Required: true},
		pipeline.Column{Name: "game_date", Type: pipeline.DateType, Required: true},
		pipeline.Column{Name: "home", Type: pipeline.Bool, Required: true},
		pipeline.Column{Name: "at", Type: pipeline.Timestamp, Required: true},
		pipeline.Column{Name: "note", Type: pipeline.Text},
	)
	d1, d2 := pipeline.MustDate("1969-12-31"), pipeline.MustDate("2023-01-15")
	t1, t2 := capturedA, capturedA.Add(time.Nanosecond)
	want := []pipeline.Row{
		{"BOS", int64(-1), d2, true, t1, "z"},
		{"BOS", int64(9), d2, true, t1, "y"},
		{"BOS", int64(10), d1, true, t1, "x"},
		{"BOS", int64(10), d2, false, t2, "w"},
		{"BOS", int64(10), d2, true, t1, "v"},
		{"BOS", int64(10), d2, true, t2, "u"},
		{"GSW", int64(1), d1, false, t1, "t"},
		{"LAL", int64(1), d1, false, t1, "s"},
	}
	permutations(slices.Clone(want[:6]), func(perm []pipeline.Row) {
		rows := append(perm, want[6:]...)
		slices.Reverse(rows)
		tb.SortRows(rows)
		if diff := cmp.Diff(want, rows); diff != "" {
			t.Fatalf("SortRows mismatch (-want +got):\n%s", diff)
		}
	})
}

// NULLs only reach a key column in rows that failed validation, but sorting
// them must still be total and deterministic: NULL sorts first.
func TestSortRowsNULLsFirst(t *testing.T) {
	t.Parallel()
	rows := []pipeline.Row{
		{"20221018_PHI_BOS", opening, "jaysontatum"},
		{nil, opening, "zz"},
		{"20221018_LAL_GSW", opening, nil},
		{"20221018_LAL_GSW", opening, "andrewwiggins"},
		{nil, opening, nil},
	}
	tb := pipeline.NewTable("nullable", pipeline.Raw, []string{"game_id", "player_lookup"},
		gameID, gameDate, pipeline.Column{Name: "player_lookup", Type: pipeline.Text, Required: true})
	tb.SortRows(rows)
	want := []pipeline.Row{
		{nil, opening, nil},
		{nil, opening, "zz"},
		{"20221018_LAL_GSW", opening, nil},
		{"20221018_LAL_GSW", opening, "andrewwiggins"},
		{"20221018_PHI_BOS", opening, "jaysontatum"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("SortRows with NULL keys mismatch (-want +got):\n%s", diff)
	}
}

func TestDuplicateKey(t *testing.T) {
	t.Parallel()
	w := wiggins()
	wAgain := wiggins()
	wAgain[lineTable.MustCol("points")] = int64(21) // same key, other values
	other := wiggins()
	other[0] = "20221020_GSW_DEN"
	tests := []struct {
		name string
		rows []pipeline.Row
		a, b int
	}{
		{"none", nil, -1, -1},
		{"one", []pipeline.Row{w}, -1, -1},
		{"distinct", []pipeline.Row{w, baldwin(), jokic(), other}, -1, -1},
		// Sorted: Jokić (DEN_UTA), then both Wiggins rows, then Baldwin.
		{"same key, other values", []pipeline.Row{baldwin(), jokic(), w, wAgain}, 1, 2},
		{"identical rows", []pipeline.Row{jokic(), jokic()}, 0, 1},
	}
	for _, tt := range tests {
		rows := slices.Clone(tt.rows)
		lineTable.SortRows(rows)
		a, b := lineTable.DuplicateKey(rows)
		if a != tt.a || b != tt.b {
			t.Errorf("DuplicateKey(%v) [%s] = %d, %d, want %d, %d", rows, tt.name, a, b, tt.a, tt.b)
		}
		if a >= 0 && (rows[a][0] != rows[b][0] || rows[a][2] != rows[b][2]) {
			t.Errorf("DuplicateKey [%s] = %d, %d, but rows %v and %v have different keys", tt.name, a, b, rows[a], rows[b])
		}
	}
}

// The canonical encoding must be JSON that any reader can parse; a player
// name with a control character (a stray escape in an upstream feed) must
// not make a partition's history unreadable.
func TestEncodeRowsControlCharacters(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"nul\x00", "bell\a", "vtab\v", "esc\x1b[0m", "del\x7f", "tag\U000E0001", "bad utf8 \xff"} {
		rows := []pipeline.Row{{"a", opening, s, nil, nil, nil, nil, nil}}
		enc := everyType.EncodeRows(rows)
		if !json.Valid(enc) {
			t.Errorf("EncodeRows(%q) = %s, which is not valid JSON", s, enc)
		}
		got, err := everyType.DecodeRows(enc)
		if err != nil {
			t.Errorf("DecodeRows(EncodeRows(%q)) error = %v", s, err)
			continue
		}
		if want := strings.ToValidUTF8(s, "\uFFFD"); got[0][2] != want {
			t.Errorf("DecodeRows(EncodeRows(%q)) = %q, want %q", s, got[0][2], want)
		}
	}
}

// EncodeRows documents that "equal values always encode to equal bytes";
// 0.0 == -0.0, yet they encode as "0" and "-0" and so hash differently.
func TestContentHashNegativeZero(t *testing.T) {
	t.Parallel()
	pos := []pipeline.Row{{"a", opening, nil, nil, 0.0, nil, nil, nil}}
	neg := []pipeline.Row{{"a", opening, nil, nil, math.Copysign(0, -1), nil, nil, nil}}
	if a, b := everyType.ContentHash(pos), everyType.ContentHash(neg); a != b {
		t.Errorf("ContentHash(0.0) = %s, ContentHash(-0.0) = %s, want equal", a, b)
	}
}

// TestArchiveSurvivesColumnChanges: a version archived for rollback reads
// back after the table gained a column (NULL in the old rows) or lost one,
// whether the archive names its columns or predates that (positional, the
// new column last, as ADD COLUMN puts it).
func TestArchiveSurvivesColumnChanges(t *testing.T) {
	d := pipeline.MustDate("2023-02-03")
	before := pipeline.NewTable("summary", pipeline.Analytics, []string{"id"},
		pipeline.Column{Name: "id", Type: pipeline.Text, Required: true},
		pipeline.Column{Name: "game_date", Type: pipeline.DateType, Required: true},
		pipeline.Column{Name: "points", Type: pipeline.Int},
		pipeline.Column{Name: "pace", Type: pipeline.Float},
	)
	after := pipeline.NewTable("summary", pipeline.Analytics, []string{"id"},
		pipeline.Column{Name: "id", Type: pipeline.Text, Required: true},
		pipeline.Column{Name: "game_date", Type: pipeline.DateType, Required: true},
		pipeline.Column{Name: "points", Type: pipeline.Int},
		pipeline.Column{Name: "pace", Type: pipeline.Float},
		pipeline.Column{Name: "rest_days", Type: pipeline.Int},
	)
	dropped := pipeline.NewTable("summary", pipeline.Analytics, []string{"id"},
		pipeline.Column{Name: "id", Type: pipeline.Text, Required: true},
		pipeline.Column{Name: "game_date", Type: pipeline.DateType, Required: true},
		pipeline.Column{Name: "pace", Type: pipeline.Float},
	)
	rows := []pipeline.Row{{"BOS", d, int64(126), 99.5}, {"PHI", d, int64(117), 98.0}}
	for _, tc := range []struct {
		name  string
		data  []byte
		table *pipeline.Table
		want  []pipeline.Row
	}{
		{"same columns", before.EncodeArchive(rows), before, rows},
		{"a column added since", before.EncodeArchive(rows), after,
			[]pipeline.Row{{"BOS", d, int64(126), 99.5, nil}, {"PHI", d, int64(117), 98.0, nil}}},
		{"a column dropped since", before.EncodeArchive(rows), dropped,
			[]pipeline.Row{{"BOS", d, 99.5}, {"PHI", d, 98.0}}},
		{"positional, a column added since", before.EncodeRows(rows), after,
			[]pipeline.Row{{"BOS", d, int64(126), 99.5, nil}, {"PHI", d, int64(117), 98.0, nil}}},
		{"positional, same columns", before.EncodeRows(rows), before, rows},
	} {
		got, err := tc.table.DecodeArchive(tc.data)
		if err != nil {
			t.Errorf("%s: DecodeArchive(%s) error = %v", tc.name, tc.data, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got, rowsEqual); diff != "" {
			t.Errorf("%s: DecodeArchive mismatch (-want +got):\n%s", tc.name, diff)
		}
	}
	if _, err := before.DecodeArchive(after.EncodeRows([]pipeline.Row{{"BOS", d, int64(1), 1.0, int64(2)}})); err == nil {
		t.Error("a positional archive wider than the table decoded, want an error")
	}
}
