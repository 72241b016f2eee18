package pipeline_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/dataset"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/rawload"
)

// Every raw partition of the real 2022-23 season prepares for publication,
// and its canonical encoding decodes back to exactly its rows (in key order)
// with a hash that does not depend on the order the rows were loaded in.
func TestPrepareRealSeason(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("decodes the whole embedded season")
	}
	wantDates := map[string]int{nba.Schedule: 212, nba.Gamebook: 212, nba.TeamBox: 212}
	for _, f := range dataset.Raw {
		tb := nba.Catalog.Table(f.Table)
		rows, err := rawload.DecodeFiles(tb, dataset.FS(), []string{f.File})
		if err != nil {
			t.Fatalf("DecodeFiles(%s) error = %v", f.File, err)
		}
		byDate := rawload.ByDate(tb, rows)
		if got := len(byDate); got != wantDates[f.Table] {
			t.Errorf("%s has %d dates, want %d", f.Table, got, wantDates[f.Table])
		}
		hashes := map[string]pipeline.Date{}
		for d, part := range byDate {
			prep, err := pipeline.Prepare(pipeline.Publication{Table: tb, Date: d, Rows: part, Source: pipeline.SourceLoad})
			if err != nil {
				t.Errorf("Prepare(%s %v) error = %v", f.Table, d, err)
				continue
			}
			if other, dup := hashes[prep.Hash]; dup {
				t.Errorf("%s %v and %v have the same content hash %s", f.Table, d, other, prep.Hash)
			}
			hashes[prep.Hash] = d

			decoded, err := tb.DecodeRows(prep.Encoded)
			if err != nil {
				t.Errorf("DecodeRows(%s %v) error = %v", f.Table, d, err)
				continue
			}
			sorted := slices.Clone(part)
			tb.SortRows(sorted)
			if diff := cmp.Diff(sorted, decoded); diff != "" {
				t.Errorf("DecodeRows(EncodeRows(%s %v)) mismatch (-want +got):\n%s", f.Table, d, diff)
			}
			reversed := slices.Clone(part)
			slices.Reverse(reversed)
			if got := tb.ContentHash(reversed); got != prep.Hash {
				t.Errorf("ContentHash(%s %v reversed) = %s, want %s", f.Table, d, got, prep.Hash)
			}
			if got, err := pipeline.Decompress(pipeline.Compress(prep.Encoded)); err != nil || string(got) != string(prep.Encoded) {
				t.Errorf("Decompress(Compress(%s %v)) = %d bytes, %v, want the %d encoded bytes", f.Table, d, len(got), err, len(prep.Encoded))
			}
		}
	}
}
