package pipeline_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/pipeline"
)

func dates(ss ...string) []pipeline.Date {
	out := make([]pipeline.Date, len(ss))
	for i, s := range ss {
		out[i] = pipeline.MustDate(s)
	}
	return out
}

func win(from, to int) pipeline.Window { return pipeline.Window{From: from, To: to} }

func TestWindowDates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		w    pipeline.Window
		d    string
		want []pipeline.Date
	}{
		{pipeline.Same, "2023-01-15", dates("2023-01-15")},
		{win(-1, -1), "2023-01-01", dates("2022-12-31")},
		{win(-2, -1), "2024-03-01", dates("2024-02-28", "2024-02-29")},
		{win(-2, -1), "2023-03-01", dates("2023-02-27", "2023-02-28")},
		{win(-3, 0), "1970-01-02", dates("1969-12-30", "1969-12-31", "1970-01-01", "1970-01-02")},
		{win(1, 2), "2023-06-12", dates("2023-06-13", "2023-06-14")},
		{win(1, 0), "2023-06-12", dates()}, // empty: From = To+1
	}
	for _, tt := range tests {
		got := tt.w.Dates(pipeline.MustDate(tt.d))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%v.Dates(%s) mismatch (-want +got):\n%s", tt.w, tt.d, diff)
		}
	}
}

// Last30 is the thirty days before D, oldest first, never D itself.
func TestWindowLast30(t *testing.T) {
	t.Parallel()
	d := pipeline.MustDate("2023-02-23")
	got := pipeline.Last30.Dates(d)
	if len(got) != 30 {
		t.Fatalf("Last30.Dates(%v) has %d dates, want 30", d, len(got))
	}
	if got[0] != pipeline.MustDate("2023-01-24") || got[29] != pipeline.MustDate("2023-02-22") {
		t.Errorf("Last30.Dates(%v) = %v … %v, want 2023-01-24 … 2023-02-22", d, got[0], got[29])
	}
	for i := 1; i < len(got); i++ {
		if got[i] != got[i-1].AddDays(1) {
			t.Errorf("Last30.Dates(%v)[%d] = %v, want the day after %v", d, i, got[i], got[i-1])
		}
	}
}

func TestWindowContains(t *testing.T) {
	t.Parallel()
	d := pipeline.MustDate("2023-02-23")
	tests := []struct {
		w    pipeline.Window
		x    string
		want bool
	}{
		{pipeline.Same, "2023-02-23", true},
		{pipeline.Same, "2023-02-22", false},
		{pipeline.Same, "2023-02-24", false},
		{pipeline.Last30, "2023-01-23", false}, // D-31
		{pipeline.Last30, "2023-01-24", true},  // D-30
		{pipeline.Last30, "2023-02-22", true},  // D-1
		{pipeline.Last30, "2023-02-23", false}, // D
		{win(-1, 1), "2023-02-24", true},
		{win(-1, 1), "2023-02-25", false},
	}
	for _, tt := range tests {
		if got := tt.w.Contains(d, pipeline.MustDate(tt.x)); got != tt.want {
			t.Errorf("%v.Contains(%v, %s) = %v, want %v", tt.w, d, tt.x, got, tt.want)
		}
	}
	// Contains agrees with Dates for every date around D.
	for _, w := range []pipeline.Window{pipeline.Same, pipeline.Last30, win(-7, -1), win(-3, 3), win(2, 5)} {
		in := map[pipeline.Date]bool{}
		for _, x := range w.Dates(d) {
			in[x] = true
		}
		for x := d.AddDays(-40); x <= d.AddDays(40); x++ {
			if got := w.Contains(d, x); got != in[x] {
				t.Errorf("%v.Contains(%v, %v) = %v, but Dates lists it: %v", w, d, x, got, in[x])
			}
		}
	}
}

func TestWindowString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		w    pipeline.Window
		want string
	}{
		{pipeline.Same, "same"},
		{pipeline.Window{}, "same"},
		{pipeline.Last30, "[D-30, D-1]"},
		{win(-1, -1), "[D-1, D-1]"},
		{win(-7, -2), "[D-7, D-2]"},
		{win(1, 3), "[D+1, D+3]"},
	}
	for _, tt := range tests {
		if got := tt.w.String(); got != tt.want {
			t.Errorf("Window%v.String() = %q, want %q", [2]int{tt.w.From, tt.w.To}, got, tt.want)
		}
	}
}

// An empty window (From > To) covers no dates. Build rejects such inputs,
// but Dates is exported and callers that compute windows get a runtime
// panic instead of an empty list.
func TestWindowDatesEmpty(t *testing.T) {
	t.Parallel()
	d := pipeline.MustDate("2023-01-15")
	for _, w := range []pipeline.Window{win(0, -2), win(-1, -30)} {
		if got := w.Dates(d); len(got) != 0 {
			t.Errorf("%v.Dates(%v) = %v, want none", w, d, got)
		}
	}
}

type fakeInputs struct{}

func (fakeInputs) Rows(string, pipeline.Date) ([]pipeline.Row, error) { return nil, nil }

func TestRunChecks(t *testing.T) {
	t.Parallel()
	staged := []pipeline.Row{wiggins(), baldwin(), jokic()}
	c := pipeline.Compute{Date: opening, Inputs: fakeInputs{}}
	var sawDate pipeline.Date
	var sawRows int
	checks := []pipeline.Check{
		{Name: "points_non_negative", Severity: pipeline.Critical, Eval: func(c pipeline.Compute, rows []pipeline.Row) []pipeline.Failure {
			sawDate, sawRows = c.Date, len(rows)
			return nil
		}},
		{Name: "starters_scored", Severity: pipeline.Warning, Eval: func(_ pipeline.Compute, rows []pipeline.Row) []pipeline.Failure {
			var out []pipeline.Failure
			for _, r := range rows {
				if r[6] == true {
					out = append(out, pipeline.Failure{Subject: fmt.Sprintf("%s %s", r[0], r[2]), Observed: fmt.Sprint(r[4]), Expected: "< 25"})
				}
			}
			return out
		}},
		{Name: "dnp_has_no_stats", Severity: pipeline.Critical, Eval: func(pipeline.Compute, []pipeline.Row) []pipeline.Failure {
			return []pipeline.Failure{{Subject: "20221018_LAL_GSW patrickbaldwinjr", Observed: "2", Expected: "NULL"}}
		}},
	}
	got := pipeline.RunChecks(checks, c, staged)
	want := []pipeline.Outcome{
		{Check: "starters_scored", Severity: pipeline.Warning, Failure: pipeline.Failure{Subject: "20221018_LAL_GSW andrewwiggins", Observed: "20", Expected: "< 25"}},
		{Check: "starters_scored", Severity: pipeline.Warning, Failure: pipeline.Failure{Subject: "20221018_DEN_UTA nikolajokic", Observed: "27", Expected: "< 25"}},
		{Check: "dnp_has_no_stats", Severity: pipeline.Critical, Failure: pipeline.Failure{Subject: "20221018_LAL_GSW patrickbaldwinjr", Observed: "2", Expected: "NULL"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RunChecks mismatch (-want +got):\n%s", diff)
	}
	if sawDate != opening || sawRows != 3 {
		t.Errorf("check saw date %v and %d rows, want %v and 3", sawDate, sawRows, opening)
	}
	if got := pipeline.RunChecks(nil, c, staged); len(got) != 0 {
		t.Errorf("RunChecks(no checks) = %v, want none", got)
	}
	if got := pipeline.RunChecks(checks[:1], c, staged); len(got) != 0 {
		t.Errorf("RunChecks(passing check) = %v, want none", got)
	}
}
