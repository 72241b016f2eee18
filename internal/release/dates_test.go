package release_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/release"
)

func TestParseDates(t *testing.T) {
	t.Parallel()
	d := pipeline.MustDate
	tests := []struct {
		in      string
		want    []pipeline.Date
		wantErr bool
	}{
		{"", nil, false},
		{"  ", nil, false},
		{"2023-02-03", []pipeline.Date{d("2023-02-03")}, false},
		{"2023-02-03,2023-02-01, 2023-02-03", []pipeline.Date{d("2023-02-01"), d("2023-02-03")}, false},
		{"2023-02-30", nil, true},
		{"2023-02-01,tomorrow", nil, true},
		{strings.Repeat("2023-02-01,", 70) + "2023-02-02", []pipeline.Date{d("2023-02-01"), d("2023-02-02")}, false},
	}
	for _, tt := range tests {
		got, err := release.ParseDates(tt.in)
		if (err != nil) != tt.wantErr || !cmp.Equal(got, tt.want) {
			t.Errorf("ParseDates(%q) = %v, %v; want %v, error %t", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	var many []string
	for day := d("2023-01-01"); day < d("2023-03-15"); day++ {
		many = append(many, day.String())
	}
	if _, err := release.ParseDates(strings.Join(many, ",")); err == nil {
		t.Errorf("ParseDates(%d dates) accepted, want at most %d", len(many), release.MaxCanaryDates)
	}
}
