package pipeline

import (
	"fmt"
	"time"
)

// Date is a civil date (no time zone) stored as days since 1970-01-01.
// The zero value is 1970-01-01; dates compare with the usual operators.
type Date int32

// DateLayout is the only textual form statgate accepts and prints.
const DateLayout = "2006-01-02"

// ParseDate parses "YYYY-MM-DD" strictly: a wrong shape or an impossible day
// (2023-02-30) is an error.
func ParseDate(s string) (Date, error) {
	if len(s) != len(DateLayout) {
		return 0, fmt.Errorf("not a date (want YYYY-MM-DD): %q", s)
	}
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return 0, fmt.Errorf("not a date (want YYYY-MM-DD): %q", s)
	}
	return DateOf(t), nil
}

// MustDate is ParseDate for constants in tests and tables; it panics on error.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// DateOf returns the civil date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	u := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return Date(u.Unix() / 86400)
}

// Time returns midnight UTC of d.
func (d Date) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// String formats d as YYYY-MM-DD.
func (d Date) String() string { return d.Time().Format(DateLayout) }

// AddDays returns the date n days after d (before it when n < 0).
func (d Date) AddDays(n int) Date { return d + Date(n) }

// MarshalText implements encoding.TextMarshaler, so dates are strings in JSON.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
