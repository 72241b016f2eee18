package release

import (
	"fmt"
	"slices"
	"strings"

	"github.com/statgate/statgate/internal/pipeline"
)

// A canary's default sample (Sample): the newest dates with rows, and a
// few more drawn with a seed.
const (
	SampleNewest = 7
	SampleExtra  = 3
	// MaxCanaryDates bounds what one canary asked over HTTP computes.
	MaxCanaryDates = 62
)

// ParseDates reads a canary's dates as a person writes them, "D1,D2"
// (spaces allowed): sorted, without repeats, at most MaxCanaryDates.
// An empty list is nil: the caller samples.
func ParseDates(s string) ([]pipeline.Date, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []pipeline.Date
	for part := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		d, err := pipeline.ParseDate(part)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > MaxCanaryDates {
		return nil, fmt.Errorf("%d dates: a canary computes at most %d", len(out), MaxCanaryDates)
	}
	return out, nil
}
