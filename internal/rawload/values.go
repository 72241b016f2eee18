package rawload

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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

// parseInt accepts strict base-10 integers: an optional sign and digits,
// nothing else ("1.0", " 1" and "0x1" are rejected).
func parseInt(s string) (int64, string) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Sprintf("integer out of range: %q", s)
		}
		return 0, fmt.Sprintf("not an integer: %q", s)
	}
	return n, ""
}

// parseFloat rejects NaN and infinities, which no statistic can be and which
// JSON cannot carry into the canonical encoding of a partition.
func parseFloat(s string) (float64, string) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Sprintf("not a number: %q", s)
	}
	// Overflow comes back as an infinity with ErrRange; underflow as a
	// tiny or zero value with ErrRange, which is still close to what was
	// written and is kept.
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Sprintf("not a finite number: %q", s)
	}
	return f, ""
}

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

func validUTF8(s string) bool {
	// Most values are ASCII; checking that first is cheaper than decoding.
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return utf8.ValidString(s)
		}
	}
	return true
}

// jsonInt converts a JSON number to an int64 when its value is integral,
// whatever its spelling: 20, 20.0, 2e1 and 2.00E+1 are all 20. The decision
// is made on the decimal digits, not through a float64, so no fraction is
// lost to rounding and no large value is silently approximated.
func jsonInt(num string) (int64, string) {
	if n, err := strconv.ParseInt(num, 10, 64); err == nil {
		return n, ""
	}
	s, neg := strings.CutPrefix(num, "-")
	mant, expText, hasExp := strings.Cut(strings.ToLower(s), "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	if !isDigits(intPart) || (frac != "" && !isDigits(frac)) || (hasExp && expText == "") {
		return 0, fmt.Sprintf("not a number: %s", num)
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		return 0, ""
	}
	// A line holds at most maxLine bytes, so no run of zeros can make up
	// for an exponent beyond these bounds; bounding it first also keeps
	// the arithmetic below from overflowing.
	const maxExp = 4 * maxLine
	exp := 0
	if hasExp {
		e, err := strconv.Atoi(expText)
		switch {
		case (err != nil && strings.HasPrefix(expText, "-")) || e < -maxExp:
			return 0, fmt.Sprintf("not an integer: %s", num)
		case err != nil || e > maxExp:
			return 0, fmt.Sprintf("integer out of range: %s", num)
		}
		exp = e
	}
	exp -= len(frac)
	// Trailing zeros of the digits only scale the value by ten.
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	digits = trimmed
	if exp < 0 {
		return 0, fmt.Sprintf("not an integer: %s", num)
	}
	if len(digits)+exp > 19 {
		return 0, fmt.Sprintf("integer out of range: %s", num)
	}
	text := digits + strings.Repeat("0", exp)
	if neg {
		text = "-" + text
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, fmt.Sprintf("integer out of range: %s", num)
	}
	return n, ""
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
