package pipeline

import (
	"fmt"
	"slices"
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

// FirstGameDate is the date of the first game of the league's first season
// (the BAA's, 1946-11-01): no real game_date is earlier.
var FirstGameDate = MustDate("1946-11-01")

// Today is the current civil date in UTC.
func Today() Date { return Date(time.Now().Unix() / 86400) }

// LastGameDate is the latest game_date accepted on the day today: one year
// after it (a schedule is published months ahead, never years).
func LastGameDate(today Date) Date {
	return DateOf(today.Time().AddDate(1, 0, 0))
}

// CheckGameDate reports why d cannot be a real game date on the day today:
// before FirstGameDate or after LastGameDate(today) (SPEC §3). A far-off
// date is a typo, and taken as real it would make every date between it
// and the season a date to work on.
func CheckGameDate(d, today Date) error {
	// One year after today is at least 365 days after it: the common case
	// needs no calendar arithmetic (this runs for every row loaded).
	if d >= FirstGameDate && d <= today+365 {
		return nil
	}
	if last := LastGameDate(today); d < FirstGameDate || d > last {
		return fmt.Errorf("%s is not a real game date: want %s to %s (one year after today)", d, FirstGameDate, last)
	}
	return nil
}

// SeasonSpan is the span of dates of the season starting in year: August 1
// of that year to October 31 of the next, which holds every NBA season,
// including those that started late or ran long.
func SeasonSpan(year int) (Date, Date) {
	return DateOf(time.Date(year, time.August, 1, 0, 0, 0, 0, time.UTC)),
		DateOf(time.Date(year+1, time.October, 31, 0, 0, 0, 0, time.UTC))
}

// CheckSeasonDate reports why d cannot be a game date of the season
// starting in year.
func CheckSeasonDate(d Date, year int64) error {
	if year < 0 || year > 9999 {
		return fmt.Errorf("season_year %d is not a year", year)
	}
	from, to := SeasonSpan(int(year))
	if d < from || d > to {
		return fmt.Errorf("%s is outside season %d (%s to %s)", d, year, from, to)
	}
	return nil
}

// GameDays keeps the calendar partitions whose dates are real game dates
// on the day today, dropping any recorded before loads refused the others:
// the dates statgate works over are these (SPEC §3). vs is reused.
func GameDays(vs []PartitionVersion, today Date) []PartitionVersion {
	return slices.DeleteFunc(vs, func(v PartitionVersion) bool { return CheckGameDate(v.Date, today) != nil })
}
