package rawload_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/rawload"
)

const (
	lineLimit = 1 << 20
	// readBound is what a decoder may read of a line that never ends
	// before rejecting it: the limit plus its buffers, far from "all".
	readBound = 4 << 20
	// giveUp stops an endless input that a decoder keeps reading, so that
	// an unbounded decoder fails the test instead of hanging it.
	giveUp = 256 << 20
)

var errRanAway = errors.New("test input: decoder read 256 MiB of one line")

// endless produces prefix, then fill repeated without end, and counts the
// bytes it has handed out. It never holds more than prefix and fill.
type endless struct {
	prefix, fill []byte
	n            int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.n >= giveUp {
		return 0, errRanAway
	}
	w := 0
	for w < len(p) {
		if e.n < int64(len(e.prefix)) {
			c := copy(p[w:], e.prefix[e.n:])
			w += c
			e.n += int64(c)
			continue
		}
		off := (e.n - int64(len(e.prefix))) % int64(len(e.fill))
		c := copy(p[w:], e.fill[off:])
		w += c
		e.n += int64(c)
	}
	return w, nil
}

// gzipStream compresses what src produces as it is read, so that an endless
// input has an endless gzip form without either being held in memory. It
// flushes after every chunk so that it compresses no more than was asked
// for: the bytes it takes from src bound what the decoder decompressed.
type gzipStream struct {
	src   io.Reader
	zw    *gzip.Writer
	out   bytes.Buffer
	chunk []byte
}

func newGzipStream(t *testing.T, src io.Reader, level int) *gzipStream {
	g := &gzipStream{src: src, chunk: make([]byte, 16<<10)}
	zw, err := gzip.NewWriterLevel(&g.out, level)
	if err != nil {
		t.Fatal(err)
	}
	g.zw = zw
	return g
}

func (g *gzipStream) Read(p []byte) (int, error) {
	for g.out.Len() == 0 {
		n, err := g.src.Read(g.chunk)
		if _, werr := g.zw.Write(g.chunk[:n]); werr != nil {
			return 0, werr
		}
		if err != nil {
			return 0, err
		}
		if err := g.zw.Flush(); err != nil {
			return 0, err
		}
	}
	return g.out.Read(p)
}

// Defect 6: a 1 GB line was read whole (5.6 GB of memory for 27 s) before
// it was rejected. A line (a CSV record) over 1 MiB is rejected as soon as
// it is seen, so the decoder reads little more than the limit of it.
func TestDecodeLongLineBounded(t *testing.T) {
	t.Parallel()
	gbt := nba.GamebookTable
	tests := []struct {
		name         string
		file         string
		prefix, fill string
		gzipLevel    int // 0: not compressed
		want         rawload.LineError
	}{
		{"csv row", "g.csv", lines(gbHeader, wiggins), "a", 0,
			rawload.LineError{File: "g.csv", Line: 3, Reason: "line is longer than 1048576 bytes"}},
		{"csv row of many fields", "g.csv", lines(gbHeader, wiggins), `"",`, 0,
			rawload.LineError{File: "g.csv", Line: 3, Reason: "line is longer than 1048576 bytes"}},
		// Line ends inside quotes do not end the record, nor reset the count.
		{"csv quoted field across lines", "g.csv", lines(gbHeader, wiggins) + `20221018_LAL_GSW,"`, "ab\r\n", 0,
			rawload.LineError{File: "g.csv", Line: 3, Reason: "record is longer than 1048576 bytes"}},
		{"csv header", "g.csv", "", "game_id,", 0,
			rawload.LineError{File: "g.csv", Line: 1, Reason: "line is longer than"}},
		{"csv named .gz", "g.csv.gz", lines(gbHeader), "a", 0,
			rawload.LineError{File: "g.csv.gz", Line: 2, Reason: "line is longer than"}},
		{"sniffed", "upload", "", "a", 0,
			rawload.LineError{File: "upload", Line: 1, Reason: "line is longer than"}},
		{"ndjson", "g.ndjson", wigginsJSON + "\n" + `{"player_name":"`, "a", 0,
			rawload.LineError{File: "g.ndjson", Line: 2, Reason: "line is longer than 1048576 bytes"}},
		// Compressed input is bounded by what it decompresses to: a few
		// KiB of gzip can hold a line of gigabytes.
		{"gzip csv", "g.csv.gz", lines(gbHeader, wiggins), "a", gzip.BestCompression,
			rawload.LineError{File: "g.csv.gz", Line: 3, Reason: "line is longer than"}},
		{"gzip csv stored", "g.csv.gz", lines(gbHeader, wiggins), "abcdefgh", gzip.NoCompression,
			rawload.LineError{File: "g.csv.gz", Line: 3, Reason: "line is longer than"}},
		{"gzip ndjson", "g.ndjson.gz", `{"player_name":"`, "a", gzip.BestSpeed,
			rawload.LineError{File: "g.ndjson.gz", Line: 1, Reason: "line is longer than"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := &endless{prefix: []byte(tt.prefix), fill: []byte(tt.fill)}
			var r io.Reader = src
			if tt.gzipLevel != 0 {
				r = newGzipStream(t, src, tt.gzipLevel)
			}
			rows, err := rawload.Decode(gbt, tt.file, r)
			// The decision cannot be made before the limit is read, and
			// must be made soon after.
			t.Logf("Decode read %d bytes of an endless line", src.n)
			if src.n < lineLimit || src.n > readBound {
				t.Errorf("Decode read %d bytes of an endless line, want between %d and %d", src.n, lineLimit, readBound)
			}
			if rows != nil {
				t.Errorf("Decode returned %d rows with the error, want none", len(rows))
			}
			checkLineError(t, err, tt.want)
		})
	}
}

// The limit is exact: a line of 1 MiB loads, one byte more does not,
// whatever the line end.
func TestDecodeLineLimitBoundary(t *testing.T) {
	t.Parallel()
	gbt := nba.GamebookTable
	// A real row whose player_name is padded to make the line n bytes.
	row := func(n int) string {
		name := "Andrew Wiggins "
		pad := n - len(gb("player_name", name))
		return gb("player_name", name+strings.Repeat("a", pad))
	}
	json := func(n int) string {
		name := "Andrew Wiggins "
		pad := n - len(jsonWith("Andrew Wiggins", name))
		return jsonWith("Andrew Wiggins", name+strings.Repeat("a", pad))
	}
	for _, eol := range []string{"\n", "\r\n", ""} {
		for _, tt := range []struct {
			file string
			n    int
			line int // of the error; 0 when the file loads
		}{
			{"g.csv", lineLimit, 0},
			{"g.csv", lineLimit + 1, 2},
			{"g.ndjson", lineLimit, 0},
			{"g.ndjson", lineLimit + 1, 1},
		} {
			data := gbHeader + "\n" + row(tt.n) + eol
			if tt.file == "g.ndjson" {
				data = json(tt.n) + eol
			}
			rows, err := rawload.Decode(gbt, tt.file, strings.NewReader(data))
			what := fmt.Sprintf("%s with a line of %d bytes ending %q", tt.file, tt.n, eol)
			if tt.line == 0 {
				if err != nil || len(rows) != 1 {
					t.Errorf("Decode(%s) = %d rows, %v; want 1 row", what, len(rows), err)
				}
				continue
			}
			var le *rawload.LineError
			if !errors.As(err, &le) || le.Line != tt.line || !strings.Contains(le.Reason, "line is longer than 1048576 bytes") {
				t.Errorf("Decode(%s) error = %v, want line %d longer than 1048576 bytes", what, err, tt.line)
			}
		}
	}
}
