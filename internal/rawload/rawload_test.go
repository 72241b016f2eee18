package rawload_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/dataset"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/rawload"
)

// rawTables maps the embedded files' table names to their schemas.
var rawTables = map[string]*pipeline.Table{
	nba.Schedule: nba.ScheduleTable,
	nba.Gamebook: nba.GamebookTable,
	nba.TeamBox:  nba.TeamBoxTable,
}

// seasonRows decodes every embedded raw file once per test binary: several
// tests compare against the whole season and decoding it is not free.
var seasonRows = sync.OnceValues(func() (map[string][]pipeline.Row, error) {
	rows := make(map[string][]pipeline.Row)
	for _, f := range dataset.Raw {
		r, err := rawload.DecodeFiles(rawTables[f.Table], dataset.FS(), []string{f.File})
		if err != nil {
			return nil, err
		}
		rows[f.Table] = r
	}
	return rows, nil
})

// season returns the decoded season; callers must not modify it.
func season(t testing.TB) map[string][]pipeline.Row {
	t.Helper()
	rows, err := seasonRows()
	if err != nil {
		t.Fatalf("decode embedded season: %v", err)
	}
	return rows
}

func readEmbedded(t testing.TB, name string) []byte {
	t.Helper()
	b, err := fs.ReadFile(dataset.FS(), name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// toNDJSON writes rows the way an upstream exporter would: one object per
// row keyed by column name, every column a key, NULLs as null.
func toNDJSON(t testing.TB, tab *pipeline.Table, rows []pipeline.Row) []byte {
	t.Helper()
	return marshalLines(t, objects(tab, rows))
}

// objects turns rows into JSON objects keyed by column name, for tests that
// edit them before writing them out.
func objects(tab *pipeline.Table, rows []pipeline.Row) []map[string]any {
	objs := make([]map[string]any, len(rows))
	for n, r := range rows {
		obj := make(map[string]any, len(r))
		for i, v := range r {
			obj[tab.Columns[i].Name] = v
		}
		objs[n] = obj
	}
	return objs
}

// marshalLines writes one object per line.
func marshalLines(t testing.TB, objs []map[string]any) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, obj := range objs {
		b, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

// sameRows compares rows value by value; every value type a row can hold
// is comparable with ==.
func sameRows(a, b []pipeline.Row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}

func TestDecodeRealSeason(t *testing.T) {
	t.Parallel()
	rows := season(t)
	for table, want := range map[string]int{nba.Schedule: 1320, nba.Gamebook: 33516, nba.TeamBox: 2604} {
		if got := len(rows[table]); got != want {
			t.Errorf("DecodeFiles(%s) returned %d rows, want %d", table, got, want)
		}
	}
	d := pipeline.MustDate("2022-10-18")
	wantFirst := pipeline.Row{"20221018_LAL_GSW", d, int64(2022), "GSW", "LAL", "wiggian01", "andrewwiggins",
		"Andrew Wiggins", "active", nil, true, "29:28", int64(20), int64(8), int64(14), int64(4), int64(7),
		int64(0), int64(0), int64(1), int64(5), int64(6), int64(4), int64(1), int64(1), int64(1), int64(5), int64(25)}
	if diff := cmp.Diff(wantFirst, rows[nba.Gamebook][0]); diff != "" {
		t.Errorf("first gamebook row mismatch (-want +got):\n%s", diff)
	}
	// Line 12 of the file: a bench player who did not play has no stats.
	wantDNP := pipeline.Row{"20221018_LAL_GSW", d, int64(2022), "GSW", "LAL", "baldwpa01", "patrickbaldwinjr",
		"Patrick Baldwin Jr.", "dnp", "Did Not Play", false, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
		nil, nil, nil, nil, nil, nil}
	if diff := cmp.Diff(wantDNP, rows[nba.Gamebook][10]); diff != "" {
		t.Errorf("dnp gamebook row mismatch (-want +got):\n%s", diff)
	}
	wantLast := pipeline.Row{"20230612_MIA_DEN", "0042200405", pipeline.MustDate("2023-06-12"), int64(2022),
		"playoffs", "DEN", "MIA", int64(3), "Final", int64(94), int64(89)}
	sched := rows[nba.Schedule]
	if diff := cmp.Diff(wantLast, sched[len(sched)-1]); diff != "" {
		t.Errorf("last schedule row mismatch (-want +got):\n%s", diff)
	}
}

// The three files describe the same games, so a value decoded wrongly in
// one shows up as a disagreement with the others.
func TestDecodeRealSeasonAgrees(t *testing.T) {
	t.Parallel()
	rows := season(t)
	gb, box, sched := nba.GamebookTable, nba.TeamBoxTable, nba.ScheduleTable
	playerPoints := map[[2]string]int64{}
	for _, r := range rows[nba.Gamebook] {
		if p, ok := r[gb.MustCol("points")].(int64); ok {
			playerPoints[[2]string{r[gb.MustCol("game_id")].(string), r[gb.MustCol("team_abbr")].(string)}] += p
		}
	}
	homeScore := map[string]any{}
	for _, r := range rows[nba.Schedule] {
		homeScore[r[sched.MustCol("game_id")].(string)] = r[sched.MustCol("home_score")]
	}
	mismatches := 0
	for _, r := range rows[nba.TeamBox] {
		game, team := r[box.MustCol("game_id")].(string), r[box.MustCol("team_abbr")].(string)
		points := r[box.MustCol("points")].(int64)
		if got := playerPoints[[2]string{game, team}]; got != points {
			mismatches++
			t.Errorf("%s %s: gamebook points sum to %d, team box says %d", game, team, got, points)
		}
		if r[box.MustCol("is_home")] == true && homeScore[game] != points {
			t.Errorf("%s: schedule home_score %v, team box says %d", game, homeScore[game], points)
		}
		if mismatches > 5 {
			t.Fatal("too many mismatches")
		}
	}
}

func TestByDate(t *testing.T) {
	t.Parallel()
	sched := season(t)[nba.Schedule]
	byDate := rawload.ByDate(nba.ScheduleTable, sched)
	if got, want := len(byDate), 212; got != want {
		t.Errorf("ByDate(schedule) has %d dates, want %d", got, want)
	}
	var ids []string
	for _, r := range byDate[pipeline.MustDate("2022-10-18")] {
		ids = append(ids, r[0].(string))
	}
	if diff := cmp.Diff([]string{"20221018_LAL_GSW", "20221018_PHI_BOS"}, ids); diff != "" {
		t.Errorf("games on 2022-10-18 mismatch (-want +got):\n%s", diff)
	}
	total := 0
	for d, rs := range byDate {
		total += len(rs)
		for _, r := range rs {
			if r[nba.ScheduleTable.DateIndex()] != d {
				t.Fatalf("row %v grouped under %v", r, d)
			}
		}
	}
	if total != len(sched) {
		t.Errorf("ByDate groups hold %d rows, want %d", total, len(sched))
	}
}

// The same rows must decode identically whatever the container: gzip or
// not (whatever the name says), CSV or NDJSON, with or without a name that
// reveals the format.
func TestDecodeFormatsAgree(t *testing.T) {
	t.Parallel()
	rows := season(t)
	tab := nba.GamebookTable
	want := rows[nba.Gamebook]
	gz := readEmbedded(t, "nbac_gamebook_player_stats.csv.gz")
	plain := gunzip(t, gz)
	nd := toNDJSON(t, tab, want)
	// Decoding NDJSON is slower than CSV, so the name variants use a part
	// of the season.
	part := want[:1000]
	ndPart := toNDJSON(t, tab, part)
	// The embedded files end lines with CRLF; Unix line ends must work too.
	lf := bytes.ReplaceAll(plain, []byte("\r\n"), []byte("\n"))
	bom := append([]byte("\xef\xbb\xbf"), plain...)
	tests := []struct {
		name string
		data []byte
		want []pipeline.Row
	}{
		{"season.csv", plain, want},
		{"season.csv.gz", plain, want},
		{"season.csv", gz, want},
		{"season.csv.gz", gz, want},
		{"season-lf.csv", lf, want},
		{"season-bom.csv", bom, want},
		{"upload", gz, want},
		{"season.ndjson", nd, want},
		{"season.jsonl.gz", gzipBytes(t, ndPart), part},
		{"season.json", ndPart, part},
		{"upload", ndPart, part},
	}
	for _, tt := range tests {
		got, err := rawload.Decode(tab, tt.name, bytes.NewReader(tt.data))
		if err != nil {
			t.Errorf("Decode(%s) error: %v", tt.name, err)
			continue
		}
		// cmp.Diff over a whole season takes seconds; it runs only to
		// explain a difference.
		if sameRows(tt.want, got) {
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Decode(%s) mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}

// The types are exact, but the object is still JSON: key order, spacing
// and string escapes are the writer's choice and give the same row, and an
// empty string in a text column is NULL as an empty CSV field is.
func TestDecodeNDJSONSpellings(t *testing.T) {
	t.Parallel()
	want := pipeline.Row{"20221018_LAL_GSW", "0022200002", pipeline.MustDate("2022-10-18"), int64(2022), "regular",
		"GSW", "LAL", int64(3), "Final", int64(123), int64(109)}
	base := `"game_id":"20221018_LAL_GSW","nba_game_id":"0022200002","season_year":2022,"game_type":"regular",` +
		`"home_team_abbr":"GSW","away_team_abbr":"LAL","game_status":3`
	for _, line := range []string{
		`{` + base + `,"game_status_text":"Final","game_date":"2022-10-18","home_score":123,"away_score":109}`,
		`{"away_score":109,"home_score":123,"game_date":"2022-10-18","game_status_text":"Final",` + base + `}`,
		` { ` + strings.ReplaceAll(base, ",", " , ") + ` , "game_status_text" : "Fin\u0061l", "game_date":"2022-10-18","home_score":123,"away_score":109 } `,
	} {
		got, err := rawload.Decode(nba.ScheduleTable, "s.ndjson", strings.NewReader(line))
		if err != nil {
			t.Errorf("Decode(%s) error: %v", line, err)
			continue
		}
		if diff := cmp.Diff([]pipeline.Row{want}, got); diff != "" {
			t.Errorf("Decode(%s) mismatch (-want +got):\n%s", line, diff)
		}
	}
	// Nullable columns are keys all the same, with null (or, for text, "").
	for _, tail := range []string{
		`"game_status_text":null,"home_score":null,"away_score":null`,
		`"game_status_text":"","home_score":null,"away_score":null`,
	} {
		line := "{" + strings.Replace(base, `"game_status":3`, `"game_status":1`, 1) + `,"game_date":"2022-10-18",` + tail + "}"
		got, err := rawload.Decode(nba.ScheduleTable, "s.ndjson", strings.NewReader(line))
		if err != nil {
			t.Fatalf("Decode(%s) error: %v", line, err)
		}
		if got[0][8] != nil || got[0][9] != nil || got[0][10] != nil {
			t.Errorf("Decode(%s) status text and scores = %v, %v, %v, want nil, nil, nil", line, got[0][8], got[0][9], got[0][10])
		}
	}
}

func BenchmarkDecodeGamebook(b *testing.B) {
	data := readEmbedded(b, "nbac_gamebook_player_stats.csv.gz")
	b.ReportAllocs()
	var n int
	for b.Loop() {
		rows, err := rawload.Decode(nba.GamebookTable, "nbac_gamebook_player_stats.csv.gz", bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		n = len(rows)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
