package pipeline_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // real zones without depending on the host's tz database

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/pipeline"
)

// daysFromCivil is an oracle independent of package time: the number of days
// from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard
// Hinnant's days_from_civil).
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func TestParseDateValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want pipeline.Date
	}{
		{"1970-01-01", 0},
		{"1970-01-02", 1},
		{"1969-12-31", -1},
		{"2022-10-18", 19283}, // opening night of 2022-23
		{"2023-01-15", 19372},
		{"2024-02-29", 19782}, // leap year
		{"2000-02-29", 11016}, // divisible by 400: leap
		{"1946-11-01", -8462}, // the first BAA game
		{"1900-01-01", -25567},
		{"0001-01-01", -719162},
		{"9999-12-31", 2932896},
	}
	for _, tt := range tests {
		got, err := pipeline.ParseDate(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDate(%q) = %d, %v, want %d, nil", tt.in, got, err, tt.want)
		}
	}
}

func TestParseDateInvalid(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"",
		"2023-02-29",  // not a leap year
		"2023-02-30",  // never a day
		"1900-02-29",  // divisible by 100, not by 400
		"2023-04-31",  // April has 30 days
		"2023-13-01",  // no month 13
		"2023-00-10",  // no month 0
		"2023-01-00",  // no day 0
		"2023-01-32",  // no day 32
		"2023-1-15",   // month without leading zero
		"2023-01-5",   // day without leading zero
		"2023-1-5",    // both
		"23-01-15",    // two-digit year
		"20230115",    // no separators
		"2023/01/15",  // wrong separator
		"2023.01.15",  // wrong separator
		"15-01-2023",  // day first
		"2023-01-1x",  // letter
		"+023-01-15",  // sign in the year
		" 2023-01-15", // leading space
		"2023-01-15 ", // trailing space
		" 2023-01-1",  // leading space, right length
		"2023-01-1 ",  // trailing space, right length
		"2023-01-15\n",
		"2023-01-15T00:00:00Z",
		"２０２３-01-15", // full-width digits
		"Jan 15 2023",
	} {
		got, err := pipeline.ParseDate(in)
		if err == nil {
			t.Errorf("ParseDate(%q) = %v, nil, want an error", in, got)
			continue
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("%q", in)) {
			t.Errorf("ParseDate(%q) error = %q, want it to quote the input", in, err)
		}
	}
}

func TestMustDatePanics(t *testing.T) {
	t.Parallel()
	msg := mustPanic(t, `MustDate("2023-02-30")`, func() { pipeline.MustDate("2023-02-30") })
	if !strings.Contains(msg, "2023-02-30") {
		t.Errorf("MustDate(%q) panicked with %q, want the input named", "2023-02-30", msg)
	}
}

// Every day of several ranges (a non-leap century year, the epoch, a leap
// century year, the seasons statgate serves) parses to the oracle's day
// number and prints back to the same text.
func TestDateStringRoundTrip(t *testing.T) {
	t.Parallel()
	for _, years := range [][2]int{{1899, 1901}, {1967, 1972}, {1999, 2001}, {2022, 2025}} {
		prev := pipeline.Date(daysFromCivil(years[0], 1, 1) - 1)
		for y := years[0]; y <= years[1]; y++ {
			for m := 1; m <= 12; m++ {
				for d := 1; d <= daysIn(y, m); d++ {
					s := fmt.Sprintf("%04d-%02d-%02d", y, m, d)
					want := pipeline.Date(daysFromCivil(y, m, d))
					got, err := pipeline.ParseDate(s)
					if err != nil || got != want {
						t.Fatalf("ParseDate(%q) = %d, %v, want %d, nil", s, got, err, want)
					}
					if got := want.String(); got != s {
						t.Fatalf("Date(%d).String() = %q, want %q", want, got, s)
					}
					if got := prev.AddDays(1); got != want {
						t.Fatalf("%v.AddDays(1) = %v, want %v", prev, got, want)
					}
					if got := want.Time(); !got.Equal(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)) || got.Location() != time.UTC {
						t.Fatalf("%v.Time() = %v, want midnight UTC of %s", want, got, s)
					}
					prev = want
				}
			}
		}
	}
}

func TestDateAddDays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2023-01-15", 0, "2023-01-15"},
		{"2024-02-28", 1, "2024-02-29"},
		{"2024-02-29", 1, "2024-03-01"},
		{"2023-02-28", 1, "2023-03-01"},
		{"2023-01-01", -1, "2022-12-31"},
		{"1970-01-01", -1, "1969-12-31"},
		{"1969-12-31", 1, "1970-01-01"},
		{"2023-02-23", -30, "2023-01-24"}, // the first day of a [D-30, D-1] window
		{"2022-10-18", 237, "2023-06-12"}, // opening night to the last game of the finals
		{"2024-03-01", -366, "2023-03-01"},
		{"1900-02-28", 1, "1900-03-01"},
	}
	for _, tt := range tests {
		if got := pipeline.MustDate(tt.from).AddDays(tt.n).String(); got != tt.want {
			t.Errorf("%s.AddDays(%d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}
}

func TestDateCompares(t *testing.T) {
	t.Parallel()
	a, b := pipeline.MustDate("1969-12-31"), pipeline.MustDate("2023-01-15")
	if !(a < b) || !(b > a) || a == b {
		t.Errorf("1969-12-31 < 2023-01-15 is %v, want true", a < b)
	}
	var zero pipeline.Date
	if got := zero.String(); got != "1970-01-01" {
		t.Errorf("Date(0).String() = %q, want %q", got, "1970-01-01")
	}
}

func TestDateOf(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"utc midnight", time.Date(2023, 1, 15, 0, 0, 0, 0, time.UTC), "2023-01-15"},
		{"utc last nanosecond", time.Date(2023, 1, 15, 23, 59, 59, 999999999, time.UTC), "2023-01-15"},
		// A late tip-off on the west coast is already the next day in UTC.
		{"los angeles 22:30", time.Date(2022, 10, 18, 22, 30, 0, 0, la), "2022-10-18"},
		{"new york 23:59", time.Date(2023, 1, 15, 23, 59, 59, 0, ny), "2023-01-15"},
		{"new york 00:00", time.Date(2023, 1, 16, 0, 0, 0, 0, ny), "2023-01-16"},
		// Tokyo's morning is still the previous day in UTC.
		{"tokyo 00:30", time.Date(2023, 1, 16, 0, 30, 0, 0, tokyo), "2023-01-16"},
		{"fixed -12:00 23:00", time.Date(2023, 12, 31, 23, 0, 0, 0, time.FixedZone("", -12*3600)), "2023-12-31"},
		{"fixed +14:00 00:00", time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("", 14*3600)), "2024-01-01"},
		// The spring-forward gap: 02:30 does not exist and normalises to 03:30.
		{"dst gap", time.Date(2023, 3, 12, 2, 30, 0, 0, ny), "2023-03-12"},
		{"dst last minute", time.Date(2023, 3, 12, 23, 59, 0, 0, ny), "2023-03-12"},
		// Before the epoch, Unix seconds are negative.
		{"pre-1970 utc", time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), "1969-12-31"},
		{"pre-1970 new york evening", time.Date(1969, 12, 31, 20, 0, 0, 0, ny), "1969-12-31"},
		{"pre-1970 new york morning", time.Date(1946, 11, 1, 0, 0, 1, 0, ny), "1946-11-01"},
		{"leap day", time.Date(2024, 2, 29, 12, 0, 0, 0, la), "2024-02-29"},
	}
	for _, tt := range tests {
		if got := pipeline.DateOf(tt.t).String(); got != tt.want {
			t.Errorf("DateOf(%v) [%s] = %s, want %s", tt.t, tt.name, got, tt.want)
		}
		// The same instant seen in UTC may fall on another day; DateOf
		// must use the time's own location, not the instant.
		if utc := tt.t.UTC(); utc.Day() != tt.t.Day() {
			if got := pipeline.DateOf(utc).String(); got == tt.want {
				t.Errorf("DateOf(%v) = %s, want the UTC day, not %s", utc, got, tt.want)
			}
		}
	}
}

func TestDateJSON(t *testing.T) {
	t.Parallel()
	type doc struct {
		Date  pipeline.Date            `json:"game_date"`
		Dates []pipeline.Date          `json:"dates"`
		ByDay map[pipeline.Date]string `json:"by_day"`
	}
	in := doc{
		Date:  pipeline.MustDate("2023-01-15"),
		Dates: []pipeline.Date{pipeline.MustDate("1969-12-31"), pipeline.MustDate("2024-02-29")},
		ByDay: map[pipeline.Date]string{pipeline.MustDate("2022-10-18"): "opening night"},
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("json.Marshal(%v) error = %v", in, err)
	}
	want := `{"game_date":"2023-01-15","dates":["1969-12-31","2024-02-29"],"by_day":{"2022-10-18":"opening night"}}`
	if string(b) != want {
		t.Errorf("json.Marshal(%v) = %s, want %s", in, b, want)
	}
	var out doc
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("json.Unmarshal(%s) error = %v", b, err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("json round trip mismatch (-want +got):\n%s", diff)
	}
}

func TestDateJSONInvalid(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`{"game_date":"2023-02-30"}`,
		`{"game_date":"2023-1-15"}`,
		`{"game_date":""}`,
		`{"game_date":19372}`,
		`{"game_date":"2023-01-15T00:00:00Z"}`,
	} {
		var out struct {
			Date pipeline.Date `json:"game_date"`
		}
		if err := json.Unmarshal([]byte(in), &out); err == nil {
			t.Errorf("json.Unmarshal(%s) = %v, nil, want an error", in, out.Date)
		}
	}
}

// Published versions travel to the dashboard and the API as JSON; their
// dates must be civil dates, not day numbers or timestamps.
func TestPartitionVersionJSONDates(t *testing.T) {
	t.Parallel()
	v := pipeline.PartitionVersion{
		Table: "team_offense_game_summary", Date: pipeline.MustDate("2023-01-15"), Version: 2,
		Inputs: []pipeline.InputVersion{{Table: "nbac_team_boxscore", Date: pipeline.MustDate("2023-01-14"), Version: 1}},
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Date   string `json:"game_date"`
		Inputs []struct {
			Date string `json:"game_date"`
		} `json:"inputs"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("json.Unmarshal(%s) error = %v", b, err)
	}
	if got.Date != "2023-01-15" || len(got.Inputs) != 1 || got.Inputs[0].Date != "2023-01-14" {
		t.Errorf("json.Marshal(PartitionVersion) = %s, want game_date 2023-01-15 and an input dated 2023-01-14", b)
	}
	var back pipeline.PartitionVersion
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("json.Unmarshal(%s) error = %v", b, err)
	}
	if diff := cmp.Diff(v, back); diff != "" {
		t.Errorf("PartitionVersion JSON round trip mismatch (-want +got):\n%s", diff)
	}
}
