package rawload

import (
	"testing"
	"time"
)

func TestParseText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		parse func(string) (any, string)
		want  any
		ok    bool
	}{
		{"20", wrap(parseInt), int64(20), true},
		{"+20", wrap(parseInt), nil, false},
		{"-0", wrap(parseInt), int64(0), true},
		{"-7", wrap(parseInt), int64(-7), true},
		{"1.0", wrap(parseInt), nil, false},
		{"1e3", wrap(parseInt), nil, false},
		{"0x10", wrap(parseInt), nil, false},
		{"1_000", wrap(parseInt), nil, false},
		{"20 ", wrap(parseInt), nil, false},
		{"19.5", wrap(parseFloat), 19.5, true},
		{"-19.5", wrap(parseFloat), -19.5, true},
		{".5", wrap(parseFloat), 0.5, true},
		{"5.", wrap(parseFloat), 5.0, true},
		{"1.95e+1", wrap(parseFloat), 19.5, true},
		{"195E-1", wrap(parseFloat), 19.5, true},
		{"+19.5", wrap(parseFloat), nil, false},
		{"0x1p4", wrap(parseFloat), nil, false},
		{"1_9.5", wrap(parseFloat), nil, false},
		{".", wrap(parseFloat), nil, false},
		{"-", wrap(parseFloat), nil, false},
		{"1e", wrap(parseFloat), nil, false},
		{"1e+", wrap(parseFloat), nil, false},
		{"1.5.2", wrap(parseFloat), nil, false},
		{" 19.5", wrap(parseFloat), nil, false},
		{"1e-400", wrap(parseFloat), 0.0, true},
		{"1e400", wrap(parseFloat), nil, false},
		{"NaN", wrap(parseFloat), nil, false},
		{"Inf", wrap(parseFloat), nil, false},
		{"-Inf", wrap(parseFloat), nil, false},
		{"infinity", wrap(parseFloat), nil, false},
		{"abc", wrap(parseFloat), nil, false},
		{"true", wrap(parseBool), true, true},
		{"TRUE", wrap(parseBool), true, true},
		{"True", wrap(parseBool), true, true},
		{"1", wrap(parseBool), true, true},
		{"false", wrap(parseBool), false, true},
		{"0", wrap(parseBool), false, true},
		{"yes", wrap(parseBool), nil, false},
		{"t", wrap(parseBool), nil, false},
		{"2022-10-18T19:30:00-04:00", wrap(parseTimestamp), time.Date(2022, 10, 18, 23, 30, 0, 0, time.UTC), true},
		{"2022-10-18T23:30:00.5Z", wrap(parseTimestamp), time.Date(2022, 10, 18, 23, 30, 0, 5e8, time.UTC), true},
		{"2022-10-18 23:30:00Z", wrap(parseTimestamp), nil, false},
		{"2022-10-18", wrap(parseTimestamp), nil, false},
	}
	for _, tt := range tests {
		got, reason := tt.parse(tt.in)
		if tt.ok != (reason == "") || (tt.ok && got != tt.want) {
			t.Errorf("parse(%q) = %v, %q; want %v, ok=%v", tt.in, got, reason, tt.want, tt.ok)
		}
	}
}

func wrap[T any](f func(string) (T, string)) func(string) (any, string) {
	return func(s string) (any, string) {
		v, reason := f(s)
		if reason != "" {
			return nil, reason
		}
		return v, ""
	}
}

// Timestamps must come back in UTC whatever offset they were written with,
// so that equal instants are equal values (and equal keys).
func TestParseTimestampUTC(t *testing.T) {
	t.Parallel()
	a, _ := parseTimestamp("2022-10-18T19:30:00-04:00")
	b, _ := parseTimestamp("2022-10-18T23:30:00Z")
	if a != b || a.Location() != time.UTC {
		t.Errorf("parseTimestamp gave %v and %v, want the same UTC instant", a, b)
	}
}

func TestBoxInt(t *testing.T) {
	t.Parallel()
	for _, n := range []int64{minBoxed - 1, minBoxed, -1, 0, 255, 2022, maxBoxed - 1, maxBoxed, 1 << 40} {
		if got := boxInt(n); got != any(n) {
			t.Errorf("boxInt(%d) = %#v, want int64 %d", n, got, n)
		}
	}
}
