package rawload_test

import (
	"archive/zip"
	"bytes"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/rawload"
)

// realLines returns the header and the first n rows of an embedded raw file
// (the same bytes as ../shared/data/nba/2022-23), without their CRLF line
// ends. The raw files hold no quoted fields, so a row splits on commas.
func realLines(t testing.TB, file string, n int) (string, []string) {
	t.Helper()
	plain := gunzip(t, readEmbedded(t, file))
	ls := strings.SplitN(string(plain), "\r\n", n+2)
	return ls[0], ls[1 : n+1]
}

// dropColumn removes column col from a header and its rows.
func dropColumn(header string, rows []string, col string) (string, []string) {
	names := strings.Split(header, ",")
	i := 0
	for names[i] != col {
		i++
	}
	del := func(s string) string {
		f := strings.Split(s, ",")
		return strings.Join(append(f[:i:i], f[i+1:]...), ",")
	}
	out := make([]string, len(rows))
	for n, r := range rows {
		out[n] = del(r)
	}
	return del(header), out
}

type rejectCase struct {
	name  string
	table *pipeline.Table
	file  string
	data  string
	want  rawload.LineError // Reason holds a part of the reason
}

func runRejects(t *testing.T, tests []rejectCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rows, err := rawload.Decode(tt.table, tt.file, strings.NewReader(tt.data))
			if rows != nil {
				t.Errorf("Decode returned %d rows with the error, want none", len(rows))
			}
			checkLineError(t, err, tt.want)
		})
	}
}

// Defect 1: a header without a nullable column loaded, its values silently
// NULL. Every column must be named (CSV) or be a key (NDJSON).
func TestDecodeRequiresEveryColumn(t *testing.T) {
	t.Parallel()
	sched := nba.ScheduleTable
	header, rows := realLines(t, "nbac_schedule.csv.gz", 3)
	var tests []rejectCase
	for _, col := range []string{"away_score", "home_score", "game_status_text", "game_id"} {
		h, rs := dropColumn(header, rows, col)
		tests = append(tests, rejectCase{"csv without " + col, sched, "s.csv", lines(append([]string{h}, rs...)...),
			rawload.LineError{File: "s.csv", Line: 1, Column: col, Reason: "column missing from header"}})
	}
	gbHead, gbRows := realLines(t, "nbac_gamebook_player_stats.csv.gz", 2)
	h, rs := dropColumn(gbHead, gbRows, "dnp_reason")
	tests = append(tests, rejectCase{"gamebook csv without dnp_reason", nba.GamebookTable, "g.csv", lines(append([]string{h}, rs...)...),
		rawload.LineError{File: "g.csv", Line: 1, Column: "dnp_reason", Reason: "column missing from header"}})

	decoded, err := rawload.Decode(sched, "s.csv", strings.NewReader(lines(append([]string{header}, rows...)...)))
	if err != nil {
		t.Fatalf("Decode(real schedule rows) error: %v", err)
	}
	for _, col := range []string{"away_score", "game_status_text", "game_id"} {
		objs := objects(sched, decoded)
		delete(objs[1], col)
		tests = append(tests, rejectCase{"ndjson without " + col, sched, "s.ndjson", string(marshalLines(t, objs)),
			rawload.LineError{File: "s.ndjson", Line: 2, Column: col, Reason: "key is missing"}})
	}
	runRejects(t, tests)

	// Nullable columns named but empty (CSV) or null (NDJSON) still load.
	blank := set(header, set(header, set(header, rows[0], "home_score", ""), "away_score", ""), "game_status_text", "")
	blank = set(header, blank, "game_status", "1")
	got, err := rawload.Decode(sched, "s.csv", strings.NewReader(lines(header, blank)))
	if err != nil {
		t.Fatalf("Decode(nullable columns empty) error: %v", err)
	}
	objs := objects(sched, got)
	got2, err := rawload.Decode(sched, "s.ndjson", bytes.NewReader(marshalLines(t, objs)))
	if err != nil {
		t.Fatalf("Decode(nullable keys null) error: %v", err)
	}
	for _, r := range [][]pipeline.Row{got, got2} {
		if r[0][8] != nil || r[0][9] != nil || r[0][10] != nil {
			t.Errorf("Decode(nullable columns empty) = %v, want status text and scores nil", r[0])
		}
	}
}

// Defect 2: quoted numbers and signed counts were accepted. Types are exact.
func TestDecodeExactTypes(t *testing.T) {
	t.Parallel()
	sched, gbt, props := nba.ScheduleTable, nba.GamebookTable, nba.PointsPropsTable
	header, rows := realLines(t, "nbac_schedule.csv.gz", 2)
	decoded, err := rawload.Decode(sched, "s.csv", strings.NewReader(lines(append([]string{header}, rows...)...)))
	if err != nil {
		t.Fatalf("Decode(real schedule rows) error: %v", err)
	}
	schedJSON := strings.TrimSpace(string(toNDJSON(t, sched, decoded[:1])))
	sj := func(old, new string) string {
		if !strings.Contains(schedJSON, old) {
			t.Fatalf("%s does not hold %s", schedJSON, old)
		}
		return strings.Replace(schedJSON, old, new, 1) + "\n"
	}
	propsRow := "20221018_LAL_GSW,2022-10-18,andrewwiggins,draftkings,19.5,2022-10-18T20:00:00Z"
	propsJSON := `{"game_id":"20221018_LAL_GSW","game_date":"2022-10-18","player_lookup":"andrewwiggins",` +
		`"bookmaker":"draftkings","points_line":19.5,"captured_at":"2022-10-18T20:00:00Z"}`
	pj := func(old, new string) string { return strings.Replace(propsJSON, old, new, 1) + "\n" }
	wrongType := func(col, want, got string) rawload.LineError {
		return rawload.LineError{File: "s.ndjson", Line: 1, Column: col, Reason: "wrong JSON type: want " + want + ", got " + got}
	}
	runRejects(t, []rejectCase{
		{"ndjson quoted integer", sched, "s.ndjson", sj(`"home_score":123`, `"home_score":"123"`),
			wrongType("home_score", "an integer", "a string")},
		{"ndjson quoted signed integer", sched, "s.ndjson", sj(`"home_score":123`, `"home_score":"+123"`),
			wrongType("home_score", "an integer", "a string")},
		{"ndjson empty string for integer", sched, "s.ndjson", sj(`"home_score":123`, `"home_score":""`),
			wrongType("home_score", "an integer", "a string")},
		{"ndjson quoted season", sched, "s.ndjson", sj(`"season_year":2022`, `"season_year":"2022"`),
			wrongType("season_year", "an integer", "a string")},
		{"ndjson integer with fraction", sched, "s.ndjson", sj(`"home_score":123`, `"home_score":123.0`),
			rawload.LineError{File: "s.ndjson", Line: 1, Column: "home_score", Reason: "not an integer: 123.0"}},
		{"ndjson integer with exponent", sched, "s.ndjson", sj(`"away_score":109`, `"away_score":1.09e2`),
			rawload.LineError{File: "s.ndjson", Line: 1, Column: "away_score", Reason: "not an integer: 1.09e2"}},
		{"ndjson integer 2e1", sched, "s.ndjson", sj(`"game_status":3`, `"game_status":3e0`),
			rawload.LineError{File: "s.ndjson", Line: 1, Column: "game_status", Reason: "not an integer: 3e0"}},
		{"ndjson plus sign is not JSON", sched, "s.ndjson", sj(`"home_score":123`, `"home_score":+123`),
			rawload.LineError{File: "s.ndjson", Line: 1, Reason: "invalid JSON"}},
		{"ndjson number for text", sched, "s.ndjson", sj(`"nba_game_id":"0022200002"`, `"nba_game_id":22200002`),
			wrongType("nba_game_id", "a string", "a number")},
		{"ndjson number for date", sched, "s.ndjson", sj(`"game_date":"2022-10-18"`, `"game_date":20221018`),
			wrongType("game_date", "a date string (YYYY-MM-DD)", "a number")},
		{"ndjson boolean for text", sched, "s.ndjson", sj(`"game_status_text":"Final"`, `"game_status_text":true`),
			wrongType("game_status_text", "a string", "a boolean")},
		{"ndjson number for bool", gbt, "s.ndjson", jsonWith(`"starter":true`, `"starter":1`),
			wrongType("starter", "true or false", "a number")},
		{"ndjson quoted decimal", props, "s.ndjson", pj(`"points_line":19.5`, `"points_line":"19.5"`),
			wrongType("points_line", "a number", "a string")},
		{"ndjson number for timestamp", props, "s.ndjson", pj(`"captured_at":"2022-10-18T20:00:00Z"`, `"captured_at":1666123200`),
			wrongType("captured_at", "an RFC 3339 timestamp string", "a number")},

		{"csv signed count", gbt, "g.csv", lines(gbHeader, gb("points", "+20")),
			rawload.LineError{File: "g.csv", Line: 2, Column: "points", Reason: `not an integer: "+20" (a leading '+' is not allowed)`}},
		{"csv signed plus_minus", gbt, "g.csv", lines(gbHeader, gb("plus_minus", "+25")),
			rawload.LineError{File: "g.csv", Line: 2, Column: "plus_minus", Reason: "a leading '+' is not allowed"}},
		{"csv signed season", sched, "s.csv", lines(header, set(header, rows[0], "season_year", "+2022")),
			rawload.LineError{File: "s.csv", Line: 2, Column: "season_year", Reason: "a leading '+' is not allowed"}},
		{"csv signed decimal", props, "p.csv", lines(propsHeader, set(propsHeader, propsRow, "points_line", "+19.5")),
			rawload.LineError{File: "p.csv", Line: 2, Column: "points_line", Reason: `not a number: "+19.5" (a leading '+' is not allowed)`}},
		{"csv hexadecimal decimal", props, "p.csv", lines(propsHeader, set(propsHeader, propsRow, "points_line", "0x13.8p0")),
			rawload.LineError{File: "p.csv", Line: 2, Column: "points_line", Reason: `not a number: "0x13.8p0"`}},
		{"csv infinite decimal", props, "p.csv", lines(propsHeader, set(propsHeader, propsRow, "points_line", "Inf")),
			rawload.LineError{File: "p.csv", Line: 2, Column: "points_line", Reason: `not a number: "Inf"`}},
		// The parser takes a '-'; the schema refuses it where a value
		// cannot be negative.
		{"csv negative count", gbt, "g.csv", lines(gbHeader, gb("points", "-20")),
			rawload.LineError{File: "g.csv", Line: 2, Column: "points", Reason: "-20 is negative"}},
		{"csv negative score", sched, "s.csv", lines(header, set(header, rows[0], "home_score", "-123")),
			rawload.LineError{File: "s.csv", Line: 2, Column: "home_score", Reason: "-123 is negative"}},
	})

	// A '-' where the schema allows it loads: DiVincenzo's real -5.
	got, err := rawload.Decode(gbt, "g.csv", strings.NewReader(lines(gbHeader, divincenzo)))
	if err != nil {
		t.Fatalf("Decode(plus_minus -5) error: %v", err)
	}
	if pm := got[0][gbt.MustCol("plus_minus")]; pm != int64(-5) {
		t.Errorf("Decode(plus_minus -5) plus_minus = %#v, want int64(-5)", pm)
	}
	for _, data := range []string{propsJSON, pj(`"points_line":19.5`, `"points_line":1.95e1`)} {
		got, err := rawload.Decode(props, "p.ndjson", strings.NewReader(data))
		if err != nil {
			t.Fatalf("Decode(%s) error: %v", data, err)
		}
		if v := got[0][props.MustCol("points_line")]; v != 19.5 {
			t.Errorf("Decode(%s) points_line = %#v, want 19.5", data, v)
		}
	}
}

// Defect 3: a NUL byte loaded on SQLite and failed later on PostgreSQL with
// no file or line. A NUL byte or invalid UTF-8 anywhere rejects the file,
// naming the column.
func TestDecodeRejectsBadBytes(t *testing.T) {
	t.Parallel()
	sched := nba.ScheduleTable
	header, rows := realLines(t, "nbac_schedule.csv.gz", 2)
	s := func(col, v string) string { return lines(header, rows[0], set(header, rows[1], col, v)) }
	decoded, err := rawload.Decode(sched, "s.csv", strings.NewReader(lines(append([]string{header}, rows...)...)))
	if err != nil {
		t.Fatalf("Decode(real schedule rows) error: %v", err)
	}
	first := strings.TrimSpace(string(toNDJSON(t, sched, decoded[:1])))
	second := strings.TrimSpace(string(toNDJSON(t, sched, decoded[1:])))
	sj := func(old, new string) string {
		if !strings.Contains(second, old) {
			t.Fatalf("%s does not hold %s", second, old)
		}
		return lines(first, strings.Replace(second, old, new, 1))
	}
	csvErr := func(col, reason string) rawload.LineError {
		return rawload.LineError{File: "s.csv", Line: 3, Column: col, Reason: reason}
	}
	jsonErr := func(col, reason string) rawload.LineError {
		return rawload.LineError{File: "s.ndjson", Line: 2, Column: col, Reason: reason}
	}
	runRejects(t, []rejectCase{
		{"csv NUL in text", sched, "s.csv", s("game_status_text", "Fi\x00nal"), csvErr("game_status_text", "NUL byte at byte 3")},
		{"csv NUL in quoted text", sched, "s.csv", s("game_status_text", "\"Fi\x00nal\""), csvErr("game_status_text", "NUL byte")},
		{"csv NUL in key", sched, "s.csv", s("game_id", "20221018_PHI_BOS\x00"), csvErr("game_id", "NUL byte")},
		{"csv NUL in integer", sched, "s.csv", s("home_score", "12\x006"), csvErr("home_score", "NUL byte")},
		{"csv NUL in date", sched, "s.csv", s("game_date", "2022-10-1\x00"), csvErr("game_date", "NUL byte")},
		{"csv NUL alone", sched, "s.csv", s("game_status_text", "\x00"), csvErr("game_status_text", "NUL byte")},
		{"csv invalid UTF-8 in text", sched, "s.csv", s("game_status_text", "Fin\xe1l"), csvErr("game_status_text", "not valid UTF-8: byte 0xe1")},
		{"csv invalid UTF-8 in date", sched, "s.csv", s("game_date", "2022-10-1\xff"), csvErr("game_date", "not valid UTF-8")},
		{"csv NUL in header", sched, "s.csv", lines(strings.Replace(header, "home_score", "home\x00score", 1), rows[0]),
			rawload.LineError{File: "s.csv", Line: 1, Column: `"home\x00score"`, Reason: "bad column name in header field 10: NUL byte at byte 5"}},
		{"csv invalid UTF-8 in header", sched, "s.csv", lines(strings.Replace(header, "home_score", "home_sc\xf6re", 1), rows[0]),
			rawload.LineError{File: "s.csv", Line: 1, Column: `"home_sc\xf6re"`, Reason: "bad column name in header field 10: not valid UTF-8: byte 0xf6"}},
		{"gzip csv NUL in text", sched, "s.csv.gz", string(gzipBytes(t, []byte(s("game_status_text", "Fi\x00nal")))),
			rawload.LineError{File: "s.csv.gz", Line: 3, Column: "game_status_text", Reason: "NUL byte"}},

		{"ndjson raw NUL in value", sched, "s.ndjson", sj(`"Final"`, "\"Fi\x00nal\""), jsonErr("game_status_text", "NUL byte in the value at byte")},
		{"ndjson escaped NUL in value", sched, "s.ndjson", sj(`"Final"`, `"Fi\u0000nal"`), jsonErr("game_status_text", "NUL byte")},
		{"ndjson escaped NUL in date", sched, "s.ndjson", sj(`"2022-10-18"`, `"2022-10-1\u0000"`), jsonErr("game_date", "NUL byte")},
		{"ndjson invalid UTF-8 in value", sched, "s.ndjson", sj(`"Final"`, "\"Fin\xe1l\""), jsonErr("game_status_text", "not valid UTF-8 (byte 0xe1) in the value")},
		{"ndjson invalid UTF-8 in key", sched, "s.ndjson", sj(`"home_score"`, "\"home_sc\xf6re\""),
			jsonErr(`"home_sc\xf6re"`, "not valid UTF-8 (byte 0xf6) in the key at byte")},
		{"ndjson NUL in a nested value", sched, "s.ndjson", sj(`"home_score":126`, "\"home_score\":{\"q\":[\"\x00\"]}"),
			jsonErr("home_score", "NUL byte in the value")},
		// A byte between members belongs to no column.
		{"ndjson NUL between members", sched, "s.ndjson", sj(`,"home_score"`, ",\x00\"home_score\""), jsonErr("", "NUL byte at byte")},
		{"ndjson raw NUL in key", sched, "s.ndjson", sj(`"home_score"`, "\"home\x00score\""), jsonErr(`"home\x00score"`, "in the key")},
		{"ndjson escaped NUL in key", sched, "s.ndjson", sj(`"home_score"`, `"home\u0000score"`),
			jsonErr(`"home\x00score"`, "bad key: NUL byte at byte 5")},
	})
}

// Defect 4: a file with a header and no rows loaded "0 rows". A file
// without rows is an error, in either format.
func TestDecodeRejectsNoRows(t *testing.T) {
	t.Parallel()
	sched := nba.ScheduleTable
	header, rows := realLines(t, "nbac_schedule.csv.gz", 1)
	runRejects(t, []rejectCase{
		{"csv header only", sched, "s.csv", header + "\r\n", rawload.LineError{File: "s.csv", Line: 1, Reason: "no rows"}},
		{"csv header without line end", sched, "s.csv", header, rawload.LineError{File: "s.csv", Line: 1, Reason: "no rows"}},
		{"csv header and blank lines", sched, "s.csv", header + "\r\n\r\n\n", rawload.LineError{File: "s.csv", Line: 1, Reason: "no rows"}},
		{"csv empty", sched, "s.csv", "", rawload.LineError{File: "s.csv", Line: 1, Reason: "no rows: empty file"}},
		{"gzip csv header only", sched, "s.csv.gz", string(gzipBytes(t, []byte(header+"\r\n"))),
			rawload.LineError{File: "s.csv.gz", Line: 1, Reason: "no rows"}},
		{"gzip of nothing", sched, "s.csv.gz", string(gzipBytes(t, nil)), rawload.LineError{File: "s.csv.gz", Line: 1, Reason: "no rows"}},
		{"ndjson empty", sched, "s.ndjson", "", rawload.LineError{File: "s.ndjson", Line: 1, Reason: "no rows"}},
		{"ndjson blank lines", sched, "s.ndjson", "\n  \r\n\t\n", rawload.LineError{File: "s.ndjson", Line: 1, Reason: "no rows"}},
		{"gzip ndjson blank lines", sched, "s.jsonl.gz", string(gzipBytes(t, []byte("\n\n"))),
			rawload.LineError{File: "s.jsonl.gz", Line: 1, Reason: "no rows"}},
	})

	// Among several files, the empty one is named.
	fsys := fstest.MapFS{
		"a.csv": {Data: []byte(lines(header, rows[0]))},
		"b.csv": {Data: []byte(header + "\r\n")},
	}
	got, err := rawload.DecodeFiles(sched, fsys, []string{"a.csv", "b.csv"})
	if got != nil {
		t.Errorf("DecodeFiles(a.csv, b.csv) returned %d rows with the error, want none", len(got))
	}
	checkLineError(t, err, rawload.LineError{File: "b.csv", Line: 1, Reason: "no rows"})
}

// Defect 5: a .gz file that was not gzip was reported as an unknown column.
// Compression is recognised by its magic bytes; other formats are named.
func TestDecodeCompressionByMagic(t *testing.T) {
	t.Parallel()
	sched := nba.ScheduleTable
	plain := gunzip(t, readEmbedded(t, "nbac_schedule.csv.gz"))
	for _, name := range []string{"s.csv.gz", "s.gz", "S.CSV.GZ"} {
		rows, err := rawload.Decode(sched, name, bytes.NewReader(plain))
		if err != nil || len(rows) != 1320 {
			t.Errorf("Decode(%s, plain CSV) = %d rows, %v; want 1320 rows", name, len(rows), err)
		}
	}

	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	w, err := zw.Create("nbac_schedule.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(plain); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	// Go's library writes no bzip2, xz or zstd; their headers are enough,
	// since nothing past them is read.
	bzip2 := "BZh91AY&SY\x8a\x1f\x02\x97\x00\x00\x01\x01\x80"
	xz := "\xfd7zXZ\x00\x00\x04\xe6\xd6\xb4F\x02\x00!\x01"
	zstd := "\x28\xb5\x2f\xfd\x04\x58\x85\x00\x00"
	binary := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"
	notGzip := rawload.LineError{File: "s.csv.gz", Line: 1, Reason: "data is not gzip (and not text)"}
	runRejects(t, []rejectCase{
		{"zip named .csv", sched, "s.csv", zipped.String(), rawload.LineError{File: "s.csv", Line: 1, Reason: "data is zip-compressed: only gzip is supported"}},
		{"zip named .csv.gz", sched, "s.csv.gz", zipped.String(), rawload.LineError{File: "s.csv.gz", Line: 1, Reason: "zip-compressed: only gzip"}},
		{"zip named .zip", sched, "s.zip", zipped.String(), rawload.LineError{File: "s.zip", Line: 1, Reason: "zip-compressed"}},
		{"zip in gzip", sched, "s.csv.gz", string(gzipBytes(t, zipped.Bytes())), rawload.LineError{File: "s.csv.gz", Line: 1, Reason: "zip-compressed"}},
		{"bzip2", sched, "s.csv.bz2", bzip2, rawload.LineError{File: "s.csv.bz2", Line: 1, Reason: "data is bzip2-compressed: only gzip is supported"}},
		{"bzip2 named .gz", sched, "s.csv.gz", bzip2, rawload.LineError{File: "s.csv.gz", Line: 1, Reason: "bzip2-compressed"}},
		{"xz", sched, "s.ndjson.xz", xz, rawload.LineError{File: "s.ndjson.xz", Line: 1, Reason: "data is xz-compressed: only gzip is supported"}},
		{"zstd", sched, "s.csv.zst", zstd, rawload.LineError{File: "s.csv.zst", Line: 1, Reason: "data is zstd-compressed: only gzip is supported"}},
		{"binary named .gz", sched, "s.csv.gz", binary, notGzip},
		{"latin-1 named .gz", sched, "s.csv.gz", "game_id,caf\xe9\n", notGzip},
		{"NUL named .gz", sched, "s.csv.gz", "game_id\x00\n", notGzip},
	})
}

// Defect 7: game_date bounds, applied by pipeline.Table.Validate and
// reported with the file, line and column.
func TestDecodeGameDateBounds(t *testing.T) {
	t.Parallel()
	sched, gbt, box := nba.ScheduleTable, nba.GamebookTable, nba.TeamBoxTable
	header, rows := realLines(t, "nbac_schedule.csv.gz", 3)
	s := func(date, season string) string {
		r := set(header, rows[1], "game_date", date)
		if season != "" {
			r = set(header, r, "season_year", season)
		}
		return lines(header, rows[0], r, rows[2])
	}
	notReal := func(file string) rawload.LineError {
		return rawload.LineError{File: file, Line: 3, Column: "game_date", Reason: "is not a real game date"}
	}
	outside := func(file, reason string) rawload.LineError {
		return rawload.LineError{File: file, Line: 3, Column: "game_date", Reason: reason}
	}
	today := pipeline.Today()
	last := pipeline.LastGameDate(today)
	seasonOf := func(d pipeline.Date) string {
		y, m := d.Time().Year(), d.Time().Month()
		if m < 8 {
			y--
		}
		return strconv.Itoa(y)
	}
	boxHead, boxRows := realLines(t, "nbac_team_boxscore.csv.gz", 2)
	gbHead, gbRows := realLines(t, "nbac_gamebook_player_stats.csv.gz", 2)
	tests := []rejectCase{
		{"far future", sched, "s.csv", s("9999-12-31", ""), notReal("s.csv")},
		{"typo year", sched, "s.csv", s("2122-10-18", ""), notReal("s.csv")},
		{"year zero", sched, "s.csv", s("0000-01-01", ""), notReal("s.csv")},
		{"before the first game", sched, "s.csv", s("1946-10-31", "1946"), notReal("s.csv")},
		{"a day too far ahead", sched, "s.csv", s(last.AddDays(1).String(), seasonOf(last.AddDays(1))), notReal("s.csv")},
		{"after its season", sched, "s.csv", s("2023-11-01", ""), outside("s.csv", "2023-11-01 is outside season 2022 (2022-08-01 to 2023-10-31)")},
		{"before its season", sched, "s.csv", s("2022-07-31", ""), outside("s.csv", "outside season 2022")},
		{"season a year off", sched, "s.csv", s("2022-10-18", "2023"), outside("s.csv", "outside season 2023")},
		{"gamebook after its season", gbt, "g.csv", lines(gbHead, gbRows[0], set(gbHead, gbRows[1], "game_date", "2024-10-22"), baldwin),
			outside("g.csv", "outside season 2022")},
		{"team box far future", box, "b.csv", lines(boxHead, boxRows[0], set(boxHead, boxRows[1], "game_date", "9999-12-31")), notReal("b.csv")},
		{"props far future", nba.PointsPropsTable, "p.csv",
			lines(propsHeader, "20221018_LAL_GSW,2022-10-18,andrewwiggins,draftkings,19.5,2022-10-18T20:00:00Z",
				"20221018_LAL_GSW,2122-10-18,andrewwiggins,draftkings,19.5,2022-10-18T20:00:00Z"), notReal("p.csv")},
	}
	// The same in NDJSON: the rule is the table's, not the format's.
	decoded, err := rawload.Decode(sched, "s.csv", strings.NewReader(lines(append([]string{header}, rows...)...)))
	if err != nil {
		t.Fatalf("Decode(real schedule rows) error: %v", err)
	}
	for _, date := range []string{"9999-12-31", "2122-10-18", "0000-01-01"} {
		objs := objects(sched, decoded)
		objs[1]["game_date"] = date
		tests = append(tests, rejectCase{"ndjson " + date, sched, "s.ndjson", string(marshalLines(t, objs)), rawload.LineError{
			File: "s.ndjson", Line: 2, Column: "game_date", Reason: "is not a real game date"}})
	}
	runRejects(t, tests)

	// The bounds themselves are game dates.
	for _, tt := range []struct{ date, season string }{
		{"1946-11-01", "1946"},
		{"2022-08-01", "2022"},
		{"2023-10-31", "2022"},
		{last.String(), seasonOf(last)},
	} {
		if _, err := rawload.Decode(sched, "s.csv", strings.NewReader(s(tt.date, tt.season))); err != nil {
			t.Errorf("Decode(game_date %s, season %s) error: %v", tt.date, tt.season, err)
		}
	}
}
