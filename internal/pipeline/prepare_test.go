package pipeline_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/pipeline"
)

func publication(rows ...pipeline.Row) pipeline.Publication {
	return pipeline.Publication{Table: lineTable, Date: opening, Rows: rows, Source: pipeline.SourceCompute, ProcessorVersion: "1"}
}

func TestPrepare(t *testing.T) {
	t.Parallel()
	rows := []pipeline.Row{jokic(), wiggins(), baldwin()}
	before := slices.Clone(rows)
	pub := publication(rows...)
	got, err := pipeline.Prepare(pub)
	if err != nil {
		t.Fatalf("Prepare(%v) error = %v", rows, err)
	}
	if want := lineTable.ContentHash(rows); got.Hash != want {
		t.Errorf("Prepare(...).Hash = %s, want ContentHash %s", got.Hash, want)
	}
	if want := lineTable.EncodeRows(rows); !bytes.Equal(got.Encoded, want) {
		t.Errorf("Prepare(...).Encoded = %s, want %s", got.Encoded, want)
	}
	if want := pipeline.HashBytes(got.Encoded); got.Hash != want {
		t.Errorf("Prepare(...).Hash = %s, want the hash of Encoded %s", got.Hash, want)
	}
	if got.Table != lineTable || got.Date != opening || got.Source != pipeline.SourceCompute || got.ProcessorVersion != "1" {
		t.Errorf("Prepare(...).Publication = %+v, want the publication unchanged", got.Publication)
	}
	if diff := cmp.Diff(before, rows); diff != "" {
		t.Errorf("Prepare reordered the caller's rows (-before +after):\n%s", diff)
	}
	decoded, err := lineTable.DecodeRows(got.Encoded)
	if err != nil {
		t.Fatalf("DecodeRows(Prepare(...).Encoded) error = %v", err)
	}
	if diff := cmp.Diff([]pipeline.Row{jokic(), wiggins(), baldwin()}, decoded); diff != "" {
		t.Errorf("DecodeRows(Prepare(...).Encoded) mismatch (-want +got):\n%s", diff)
	}

	// The same rows in another order prepare to the same hash.
	again, err := pipeline.Prepare(publication(baldwin(), jokic(), wiggins()))
	if err != nil || again.Hash != got.Hash {
		t.Errorf("Prepare(reordered rows).Hash = %s, %v, want %s", again.Hash, err, got.Hash)
	}
}

// A day without games publishes an empty partition.
func TestPrepareEmpty(t *testing.T) {
	t.Parallel()
	got, err := pipeline.Prepare(publication())
	if err != nil {
		t.Fatalf("Prepare(no rows) error = %v", err)
	}
	if string(got.Encoded) != "[]" || got.Hash != lineTable.ContentHash(nil) {
		t.Errorf("Prepare(no rows) = %s, %s, want [] and its hash", got.Encoded, got.Hash)
	}
}

func TestPrepareRejects(t *testing.T) {
	t.Parallel()
	dnpWithPoints := baldwin()
	dnpWithPoints[lineTable.MustCol("points")] = int64(2)
	nextDay := jokic()
	nextDay[lineTable.MustCol("game_date")] = opening.AddDays(1)
	dateAsText := jokic()
	dateAsText[lineTable.MustCol("game_date")] = "2022-10-18"
	again := wiggins()
	again[lineTable.MustCol("points")] = int64(22)
	tests := []struct {
		name   string
		pub    pipeline.Publication
		column string   // the FieldError's column, if any
		want   []string // fragments of the error
	}{
		{"no table", pipeline.Publication{Date: opening, Source: pipeline.SourceLoad}, "", []string{"without a table"}},
		{"no source", pipeline.Publication{Table: lineTable, Date: opening, Rows: []pipeline.Row{wiggins()}}, "",
			[]string{"player_line", "2022-10-18", "without a source"}},
		{"invalid row", publication(wiggins(), dnpWithPoints), "points",
			[]string{"publish player_line 2022-10-18 row 1", "points"}},
		{"short row", publication(wiggins()[:3]), "", []string{"row 0", "3 values"}},
		{"row of another date", publication(wiggins(), baldwin(), nextDay), "game_date",
			[]string{"row 2", "2022-10-19 is not the partition's date"}},
		{"date as text", publication(dateAsText), "game_date", []string{"row 0", "game_date"}},
		{"duplicate key", publication(wiggins(), jokic(), baldwin(), again), "",
			[]string{"publish player_line 2022-10-18", "duplicate key [20221018_LAL_GSW andrewwiggins]"}},
		{"identical rows", publication(jokic(), jokic()), "", []string{"duplicate key [20221018_DEN_UTA nikolajokic]"}},
	}
	for _, tt := range tests {
		got, err := pipeline.Prepare(tt.pub)
		if !errors.Is(err, pipeline.ErrInvalid) {
			t.Errorf("Prepare [%s] = %+v, %v, want ErrInvalid", tt.name, got.Hash, err)
			continue
		}
		if missing := mentions(err.Error(), tt.want...); len(missing) > 0 {
			t.Errorf("Prepare [%s] error = %q, want it to mention %q", tt.name, err, missing)
		}
		var fe *pipeline.FieldError
		if tt.column != "" && (!errors.As(err, &fe) || fe.Column != tt.column) {
			t.Errorf("Prepare [%s] error = %v, want a FieldError for %s", tt.name, err, tt.column)
		}
		if got.Encoded != nil || got.Hash != "" {
			t.Errorf("Prepare [%s] = %s, %s with an error, want nothing prepared", tt.name, got.Encoded, got.Hash)
		}
	}
}

func TestAnnounceID(t *testing.T) {
	t.Parallel()
	h := lineTable.ContentHash([]pipeline.Row{wiggins()})
	got := pipeline.AnnounceID("nbac_team_boxscore", pipeline.MustDate("2023-01-15"), h)
	if want := "content:nbac_team_boxscore:2023-01-15:" + h; got != want {
		t.Errorf("AnnounceID(nbac_team_boxscore, 2023-01-15, %s) = %q, want %q", h, got, want)
	}
	ids := map[string]bool{
		got: true,
		pipeline.AnnounceID("nbac_team_boxscore", pipeline.MustDate("2023-01-16"), h):     true,
		pipeline.AnnounceID("nbac_schedule", pipeline.MustDate("2023-01-15"), h):          true,
		pipeline.AnnounceID("nbac_team_boxscore", pipeline.MustDate("2023-01-15"), h[1:]): true,
	}
	if len(ids) != 4 {
		t.Errorf("AnnounceID gave %d distinct ids for 4 different partitions or contents, want 4", len(ids))
	}
}

func TestCompressRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 1<<16)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	var many []pipeline.Row
	for i := range 2000 {
		r := wiggins()
		r[2] = "player" + strings.Repeat("x", i%17)
		r[0] = "20221018_LAL_GSW" + string(rune('a'+i%26))
		many = append(many, r)
	}
	partition := lineTable.EncodeRows(many)
	for name, in := range map[string][]byte{
		"empty":     {},
		"nil":       nil,
		"[]":        []byte("[]"),
		"partition": partition,
		"random":    random,
	} {
		z := pipeline.Compress(in)
		out, err := pipeline.Decompress(z)
		if err != nil {
			t.Errorf("Decompress(Compress(%s)) error = %v", name, err)
			continue
		}
		if !bytes.Equal(out, in) {
			t.Errorf("Decompress(Compress(%s)) = %d bytes, want the %d bytes compressed", name, len(out), len(in))
		}
		if _, err := gzip.NewReader(bytes.NewReader(z)); err != nil {
			t.Errorf("Compress(%s) is not gzip: %v", name, err)
		}
	}
	if z := pipeline.Compress(partition); len(z)*5 > len(partition) {
		t.Errorf("Compress(%d-byte partition) = %d bytes, want at most a fifth", len(partition), len(z))
	}
}

func TestDecompressRejectsDamage(t *testing.T) {
	t.Parallel()
	z := pipeline.Compress(lineTable.EncodeRows([]pipeline.Row{wiggins(), jokic()}))
	flipped := slices.Clone(z)
	flipped[len(flipped)-5] ^= 0xff // the stored length
	for name, in := range map[string][]byte{
		"empty":       nil,
		"not gzip":    []byte(`[["a"]]`),
		"truncated":   z[:len(z)/2],
		"no trailer":  z[:len(z)-8],
		"bad trailer": flipped,
	} {
		if out, err := pipeline.Decompress(in); err == nil {
			t.Errorf("Decompress(%s) = %q, nil, want an error", name, out)
		}
	}
}
