package pipeline_test

import (
	"strings"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

func TestParsePublishDeadline(t *testing.T) {
	t.Parallel()
	d := pipeline.MustDate("2023-02-03")
	for _, tc := range []struct {
		in   string
		want string // the deadline's String
		due  time.Time
	}{
		{"D+1 12:00", "D+1 12:00", time.Date(2023, 2, 4, 12, 0, 0, 0, time.UTC)},
		{"D+1T12:00", "D+1 12:00", time.Date(2023, 2, 4, 12, 0, 0, 0, time.UTC)},
		{"D 23:30", "D+0 23:30", time.Date(2023, 2, 3, 23, 30, 0, 0, time.UTC)},
		{"D+2 06:05", "D+2 06:05", time.Date(2023, 2, 5, 6, 5, 0, 0, time.UTC)},
		{"none", "none", time.Time{}},
	} {
		p, err := pipeline.ParsePublishDeadline(tc.in)
		if err != nil {
			t.Errorf("ParsePublishDeadline(%q) = %v", tc.in, err)
			continue
		}
		if p.String() != tc.want || !p.Due(d).Equal(tc.due) {
			t.Errorf("ParsePublishDeadline(%q) = %s due %s, want %s due %s", tc.in, p, p.Due(d), tc.want, tc.due)
		}
		if again, err := pipeline.ParsePublishDeadline(p.String()); err != nil || again != p {
			t.Errorf("ParsePublishDeadline(%q) = %v, %v; want %v again", p.String(), again, err, p)
		}
	}
	for _, in := range []string{"", "12:00", "D-1 12:00", "D+x 12:00", "D+1 25:00", "D+1 noon", "D 00:00", "E+1 12:00"} {
		if _, err := pipeline.ParsePublishDeadline(in); err == nil || !strings.Contains(err.Error(), "want D+N HH:MM") {
			t.Errorf("ParsePublishDeadline(%q) = %v, want an error saying the form", in, err)
		}
	}
}
