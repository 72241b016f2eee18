package rawload_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/rawload"
)

// A damaged gzip file must be rejected, never read as the rows that happen
// to come before the damage.
func TestDecodeDamagedGzip(t *testing.T) {
	t.Parallel()
	gz := readEmbedded(t, "nbac_schedule.csv.gz")
	corruptCRC := bytes.Clone(gz)
	corruptCRC[len(corruptCRC)-8] ^= 0xff
	corruptBody := bytes.Clone(gz)
	corruptBody[len(corruptBody)/2] ^= 0xff
	tests := []struct {
		name string
		data []byte
	}{
		{"cut in half", gz[:len(gz)/2]},
		{"cut after the header", gz[:12]},
		{"trailer missing", gz[:len(gz)-8]},
		{"last byte missing", gz[:len(gz)-1]},
		{"checksum wrong", corruptCRC},
		{"body corrupt", corruptBody},
		{"garbage after the stream", append(bytes.Clone(gz), "not gzip"...)},
	}
	for _, tt := range tests {
		rows, err := rawload.Decode(nba.ScheduleTable, "s.csv.gz", bytes.NewReader(tt.data))
		if err == nil {
			t.Errorf("%s: Decode returned %d rows and no error, want an error", tt.name, len(rows))
			continue
		}
		if rows != nil {
			t.Errorf("%s: Decode returned %d rows with the error, want none", tt.name, len(rows))
		}
		var le *rawload.LineError
		if !errors.As(err, &le) || !errors.Is(err, pipeline.ErrInvalid) {
			t.Errorf("%s: Decode error %v (%T) is not an invalid-input *LineError", tt.name, err, err)
		}
	}
}

// errDisk stands for a failing disk or connection.
var errDisk = errors.New("disk on fire")

type failingReader struct {
	r     io.Reader
	after int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errDisk
	}
	if len(p) > f.after {
		p = p[:f.after]
	}
	n, err := f.r.Read(p)
	f.after -= n
	return n, err
}

// A reader that fails is the caller's I/O problem, not bad input: the error
// must say so and must not be mistaken for a rejection.
func TestDecodeReaderError(t *testing.T) {
	t.Parallel()
	gz := readEmbedded(t, "nbac_schedule.csv.gz")
	plain := gunzip(t, gz)
	nd := toNDJSON(t, nba.ScheduleTable, season(t)[nba.Schedule])
	for _, tt := range []struct {
		name string
		data []byte
	}{{"s.csv.gz", gz}, {"s.csv", plain}, {"s.ndjson", nd}, {"plain.csv.gz", plain}, {"s.ndjson.gz", gzipBytes(t, nd)}} {
		// At the first byte, while the start is examined for magic bytes
		// and text, and half way.
		for _, after := range []int{0, 3, 100, len(tt.data) / 2} {
			r := &failingReader{r: bytes.NewReader(tt.data), after: after}
			rows, err := rawload.Decode(nba.ScheduleTable, tt.name, r)
			if !errors.Is(err, errDisk) || rows != nil {
				t.Errorf("Decode(%s failing after %d bytes) = %d rows, %v; want no rows and %v", tt.name, after, len(rows), err, errDisk)
			}
			var le *rawload.LineError
			if errors.As(err, &le) || errors.Is(err, pipeline.ErrInvalid) {
				t.Errorf("Decode(%s failing after %d bytes) error %v is a rejection, want an I/O error", tt.name, after, err)
			}
		}
	}
}

func TestDecodeFiles(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"a.csv":        {Data: []byte(lines(gbHeader, wiggins, divincenzo))},
		"b.ndjson":     {Data: []byte(jsonWith(`"andrewwiggins"`, `"andrewwiggins2"`) + "\n")},
		"c.csv":        {Data: []byte(lines(gbHeader, baldwin, gb("points", "21")))},
		"bad.csv":      {Data: []byte(lines(gbHeader, baldwin, gb("starter", "maybe")))},
		"other/d.json": {Data: []byte(wigginsJSON)},
	}
	rows, err := rawload.DecodeFiles(nba.GamebookTable, fsys, []string{"a.csv", "b.ndjson"})
	if err != nil {
		t.Fatalf("DecodeFiles(a.csv, b.ndjson) error: %v", err)
	}
	var lookups []string
	for _, r := range rows {
		lookups = append(lookups, r[nba.GamebookTable.MustCol("player_lookup")].(string))
	}
	if diff := cmp.Diff([]string{"andrewwiggins", "dontedivincenzo", "andrewwiggins2"}, lookups); diff != "" {
		t.Errorf("DecodeFiles rows mismatch (-want +got):\n%s", diff)
	}

	rejects := []struct {
		names []string
		want  rawload.LineError
	}{
		{[]string{"a.csv", "b.ndjson", "c.csv"}, rawload.LineError{File: "c.csv", Line: 3,
			Reason: `duplicate key game_id="20221018_LAL_GSW", player_lookup="andrewwiggins": first seen on a.csv:2`}},
		{[]string{"a.csv", "other/d.json"}, rawload.LineError{File: "other/d.json", Line: 1, Reason: "first seen on a.csv:2"}},
		{[]string{"a.csv", "bad.csv"}, rawload.LineError{File: "bad.csv", Line: 3, Column: "starter", Reason: "not a boolean"}},
	}
	for _, tt := range rejects {
		rows, err := rawload.DecodeFiles(nba.GamebookTable, fsys, tt.names)
		if rows != nil {
			t.Errorf("DecodeFiles(%v) returned %d rows with the error, want none", tt.names, len(rows))
		}
		checkLineError(t, err, tt.want)
	}

	_, err = rawload.DecodeFiles(nba.GamebookTable, fsys, []string{"a.csv", "missing.csv"})
	var le *rawload.LineError
	if !errors.Is(err, fs.ErrNotExist) || errors.As(err, &le) {
		t.Errorf("DecodeFiles(missing.csv) error = %v, want a not-exist error that is no *LineError", err)
	}
}

// A nil file system means paths on disk, as `statgate load FILE…` passes them.
func TestDecodeFilesOS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "schedule.csv.gz")
	if err := os.WriteFile(path, readEmbedded(t, "nbac_schedule.csv.gz"), 0o600); err != nil {
		t.Fatal(err)
	}
	rows, err := rawload.DecodeFiles(nba.ScheduleTable, nil, []string{path})
	if err != nil {
		t.Fatalf("DecodeFiles(%s) error: %v", path, err)
	}
	if len(rows) != 1320 {
		t.Errorf("DecodeFiles(%s) returned %d rows, want 1320", path, len(rows))
	}
	_, err = rawload.DecodeFiles(nba.ScheduleTable, nil, []string{path, path})
	var le *rawload.LineError
	if !errors.As(err, &le) || le.File != path || le.Line != 2 || !strings.Contains(le.Reason, path+":2") {
		t.Errorf("DecodeFiles(same file twice) error = %v, want a duplicate key at %s:2 naming %s:2", err, path, path)
	}
}

// The header may list the columns in any order, and nullable ones may be
// empty: rows always come back in the table's column order.
func TestDecodeHeaderOrder(t *testing.T) {
	t.Parallel()
	data := lines(
		"away_team_abbr,home_team_abbr,game_id,home_score,game_date,nba_game_id,season_year,game_type,away_score,game_status,game_status_text",
		"LAL,GSW,20221018_LAL_GSW,,2022-10-18,0022200002,2022,regular,,1,",
	)
	got, err := rawload.Decode(nba.ScheduleTable, "s.csv", strings.NewReader(data))
	if err != nil {
		t.Fatalf("Decode error: %v", err)
	}
	want := []pipeline.Row{{"20221018_LAL_GSW", "0022200002", pipeline.MustDate("2022-10-18"), int64(2022), "regular",
		"GSW", "LAL", int64(1), nil, nil, nil}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Decode mismatch (-want +got):\n%s", diff)
	}
}
