package rawload

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Boxing an int64 into an interface allocates unless the value is tiny, and
// nearly every integer in a box score (stats, plus-minus, season years) lies
// in this range. The table is filled once and only read afterwards, so
// concurrent decodes share it safely.
const (
	minBoxed = -512
	maxBoxed = 2560
)

var boxedInts = func() []any {
	b := make([]any, maxBoxed-minBoxed)
	for i := range b {
		b[i] = int64(i + minBoxed)
	}
	return b
}()

func boxInt(n int64) any {
	if n >= minBoxed && n < maxBoxed {
		return boxedInts[n-minBoxed]
	}
	return n
}

// parseInt accepts strict base-10 integers: an optional '-' and digits,
// nothing else ("+1", "1.0", " 1" and "0x1" are rejected). A '-' is left to
// the schema, whose checks refuse it where a value cannot be negative.
func parseInt(s string) (int64, string) {
	if strings.HasPrefix(s, "+") {
		return 0, fmt.Sprintf("not an integer: %q (a leading '+' is not allowed)", s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Sprintf("integer out of range: %q", s)
		}
		return 0, fmt.Sprintf("not an integer: %q", s)
	}
	return n, ""
}

// parseFloat accepts plain decimal numbers (see isDecimal) and rejects the
// other spellings strconv knows (hexadecimal, underscores, NaN and
// infinities), which no statistic is written in and which JSON cannot carry
// into the canonical encoding of a partition.
func parseFloat(s string) (float64, string) {
	if strings.HasPrefix(s, "+") {
		return 0, fmt.Sprintf("not a number: %q (a leading '+' is not allowed)", s)
	}
	if !isDecimal(s) {
		return 0, fmt.Sprintf("not a number: %q", s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Sprintf("not a number: %q", s)
	}
	// Overflow comes back as an infinity with ErrRange; underflow as a
	// tiny or zero value with ErrRange, which is still close to what was
	// written and is kept.
	if math.IsInf(f, 0) {
		return 0, fmt.Sprintf("not a finite number: %q", s)
	}
	return f, ""
}

// isDecimal reports whether s is an optional '-', digits with at most one
// '.' among them (at least one digit in all), and an optional exponent.
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := 0
	for ; i < len(s) && isDigit(s[i]); i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && isDigit(s[i]); i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parseBool accepts the spellings that CSV writers actually produce:
// true/false in lower, upper or title case (pandas writes True), and 1/0.
func parseBool(s string) (bool, string) {
	switch s {
	case "true", "TRUE", "True", "1":
		return true, ""
	case "false", "FALSE", "False", "0":
		return false, ""
	}
	return false, fmt.Sprintf("not a boolean (want true or false): %q", s)
}

func parseTimestamp(s string) (time.Time, string) {
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Sprintf("not an RFC 3339 timestamp: %q", s)
	}
	return ts.UTC(), ""
}
