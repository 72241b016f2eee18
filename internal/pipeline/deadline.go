package pipeline

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PublishDeadline is when an analytics table's partition for date D is due
// (SPEC §6 Late): Days days after D at the time of day At, in UTC. A
// partition not published by then is late. The zero value declares no
// deadline.
type PublishDeadline struct {
	Days int
	At   time.Duration
}

// Declared reports whether the deadline is set.
func (p PublishDeadline) Declared() bool { return p != PublishDeadline{} }

// Due is the moment date d's partition is due; zero when none is declared.
func (p PublishDeadline) Due(d Date) time.Time {
	if !p.Declared() {
		return time.Time{}
	}
	return d.AddDays(p.Days).Time().Add(p.At)
}

// String is the form ParsePublishDeadline reads: "D+1 12:00", or "none".
func (p PublishDeadline) String() string {
	if !p.Declared() {
		return "none"
	}
	h, m := int(p.At/time.Hour), int(p.At%time.Hour/time.Minute)
	return fmt.Sprintf("D%+d %02d:%02d", p.Days, h, m)
}

// ParsePublishDeadline reads "D+N HH:MM" (UTC; "D HH:MM" for the date
// itself, a "T" may stand for the space) or "none".
func ParsePublishDeadline(s string) (PublishDeadline, error) {
	bad := func(why string) (PublishDeadline, error) {
		return PublishDeadline{}, fmt.Errorf("publish deadline %q: %s (want D+N HH:MM in UTC, e.g. \"D+1 12:00\", or none)", s, why)
	}
	s = strings.TrimSpace(s)
	if s == "none" {
		return PublishDeadline{}, nil
	}
	day, clock, ok := strings.Cut(strings.Replace(s, "T", " ", 1), " ")
	if !ok || !strings.HasPrefix(day, "D") {
		return bad("not of the form D+N HH:MM")
	}
	var p PublishDeadline
	if rest := day[1:]; rest != "" {
		if rest[0] != '+' {
			return bad("the day must be D or D+N")
		}
		n, err := strconv.Atoi(rest[1:])
		if err != nil || n < 0 || n > 366 {
			return bad("N must be a whole number of days from 0 to 366")
		}
		p.Days = n
	}
	t, err := time.Parse("15:04", strings.TrimSpace(clock))
	if err != nil {
		return bad("the time must be HH:MM")
	}
	p.At = time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	if !p.Declared() {
		return bad("D 00:00 is the start of the date itself")
	}
	return p, nil
}

// Deadlined is implemented by processors whose output table has a publish
// deadline; the engine's configuration may override it.
type Deadlined interface {
	PublishDeadline() PublishDeadline
}
