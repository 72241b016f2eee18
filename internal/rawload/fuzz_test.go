package rawload_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/rawload"
)

// Seeds in the code cover one real row of each fuzzed table in each format;
// testdata/fuzz holds more, cut from the real season and broken on purpose.
func FuzzDecodeCSV(f *testing.F) {
	f.Add(false, []byte(lines(gbHeader, wiggins, divincenzo, baldwin)))
	f.Add(false, []byte(lines(gbHeader, wiggins, gb("points", "2x"))))
	f.Add(false, []byte(lines(gbHeader, wiggins, wiggins)))
	f.Add(true, []byte(lines(schedHeader, schedRow)))
	f.Add(true, []byte(lines(schedHeader, `"20221018_LAL_GSW",0022200002,2022-10-18,2022,regular,GSW,LAL,1,"Oct 18, 7:30 pm",,`)))
	f.Add(true, gzipBytes(f, []byte(lines(schedHeader, schedRow))))
	// The revised contract: every column named, exact types, no bad
	// bytes, at least one row, no other compression.
	f.Add(true, []byte(lines(strings.TrimSuffix(schedHeader, ",away_score"), strings.TrimSuffix(schedRow, ",109"))))
	f.Add(false, []byte(lines(gbHeader, gb("points", "+20"))))
	f.Add(true, []byte(lines(schedHeader, set(schedHeader, schedRow, "game_status_text", "Fi\x00nal"))))
	f.Add(true, []byte(lines(strings.Replace(schedHeader, "home_score", "home_sc\xf6re", 1), schedRow)))
	f.Add(true, []byte(schedHeader+"\r\n"))
	f.Add(true, []byte(lines(schedHeader, set(schedHeader, schedRow, "game_date", "9999-12-31"))))
	f.Add(true, []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"))
	f.Fuzz(func(t *testing.T, schedule bool, data []byte) {
		checkDecode(t, fuzzTable(schedule), "fuzz.csv", data)
	})
}

func FuzzDecodeNDJSON(f *testing.F) {
	f.Add(false, []byte(lines(wigginsJSON, jsonWith(`"andrewwiggins"`, `"wiggins2"`))))
	f.Add(false, []byte(jsonWith(`"points":20`, `"points":2.0e1`)))
	f.Add(false, []byte(jsonWith(`"points":20`, `"points":{"a":[1]}`)))
	f.Add(true, []byte(`{"game_id":"20221018_LAL_GSW","nba_game_id":"0022200002","game_date":"2022-10-18","season_year":2022,`+
		`"game_type":"regular","home_team_abbr":"GSW","away_team_abbr":"LAL","game_status":3,"home_score":"123","away_score":null}`))
	f.Add(true, gzipBytes(f, []byte(wigginsJSON)))
	f.Add(false, []byte(jsonWith(`"points":20`, `"points":"20"`)))
	f.Add(false, []byte(jsonWith(`"dnp_reason":null,`, "")))
	f.Add(false, []byte(jsonWith(`"Andrew Wiggins"`, `"Andrew\u0000Wiggins"`)))
	f.Add(false, []byte(jsonWith(`"Andrew Wiggins"`, "\"Andr\xe9 Wiggins\"")))
	f.Add(false, []byte("\n \r\n\t\n"))
	f.Add(false, []byte(jsonWith(`"2022-10-18"`, `"2122-10-18"`)))
	f.Add(false, []byte("\x28\xb5\x2f\xfd"+wigginsJSON))
	f.Fuzz(func(t *testing.T, schedule bool, data []byte) {
		checkDecode(t, fuzzTable(schedule), "fuzz.ndjson", data)
	})
}

func fuzzTable(schedule bool) *pipeline.Table {
	if schedule {
		return nba.ScheduleTable
	}
	return nba.GamebookTable
}

// checkDecode asserts what must hold for any input: Decode does not panic;
// it either rejects the input with a *LineError, or it returns at least one
// row, every row is valid, no two share a key, there are no more rows than
// lines, and the text it read held no NUL byte, no invalid UTF-8 and was not
// compressed in a format other than gzip.
func checkDecode(t *testing.T, tab *pipeline.Table, name string, data []byte) {
	rows, err := rawload.Decode(tab, name, bytes.NewReader(data))
	if err != nil {
		var le *rawload.LineError
		if !errors.As(err, &le) || !errors.Is(err, pipeline.ErrInvalid) {
			t.Fatalf("Decode error %v (%T) is not an invalid-input *LineError", err, err)
		}
		if le.Line < 1 {
			t.Fatalf("Decode error %v has line %d, want >= 1", err, le.Line)
		}
		if rows != nil {
			t.Fatalf("Decode returned %d rows with error %v", len(rows), err)
		}
		return
	}
	plain := data
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		zr, zerr := gzip.NewReader(bytes.NewReader(data))
		if zerr == nil {
			plain, zerr = io.ReadAll(zr)
		}
		if zerr != nil {
			t.Fatalf("Decode accepted %d rows from gzip data that does not decompress: %v", len(rows), zerr)
		}
	}
	if len(rows) == 0 {
		t.Fatalf("Decode accepted %d bytes without a row", len(data))
	}
	if i := bytes.IndexByte(plain, 0); i >= 0 {
		t.Fatalf("Decode accepted text with a NUL byte at offset %d", i)
	}
	if !utf8.Valid(plain) {
		t.Fatalf("Decode accepted text that is not valid UTF-8")
	}
	for _, magic := range []string{"PK\x03\x04", "BZh", "\xfd7zXZ\x00", "\x28\xb5\x2f\xfd"} {
		if bytes.HasPrefix(data, []byte(magic)) || bytes.HasPrefix(plain, []byte(magic)) {
			t.Fatalf("Decode accepted data compressed in a format other than gzip (magic %q)", magic)
		}
	}
	if n := bytes.Count(plain, []byte("\n")) + 1; len(rows) > n {
		t.Fatalf("Decode returned %d rows from %d lines", len(rows), n)
	}
	for i, r := range rows {
		if err := tab.Validate(r); err != nil {
			t.Fatalf("Decode returned row %d that fails Validate: %v (row %v)", i, err, r)
		}
	}
	sorted := append([]pipeline.Row(nil), rows...)
	tab.SortRows(sorted)
	if i, j := tab.DuplicateKey(sorted); i >= 0 {
		t.Fatalf("Decode returned rows with equal keys: %v and %v", sorted[i], sorted[j])
	}
}
