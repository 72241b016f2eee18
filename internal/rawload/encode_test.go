package rawload_test

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/dataset"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/rawload"
)

// TestEncodeCSVRoundTrip: every bundled raw file, written by EncodeCSV and
// read again, gives the same rows.
func TestEncodeCSVRoundTrip(t *testing.T) {
	for _, f := range dataset.Raw {
		tb := nba.Catalog.Table(f.Table)
		rows, err := rawload.DecodeFiles(tb, dataset.FS(), []string{f.File})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := rawload.EncodeCSV(&b, tb, rows); err != nil {
			t.Fatal(err)
		}
		got, err := rawload.Decode(tb, f.Table+".csv", &b)
		if err != nil {
			t.Fatalf("%s: decode what EncodeCSV wrote: %v", f.Table, err)
		}
		if diff := cmp.Diff(rows, got); diff != "" {
			t.Errorf("%s: round trip mismatch (-bundled +written and read):\n%s", f.Table, diff)
		}
	}
}
