package nba

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	p "github.com/statgate/statgate/internal/pipeline"
)

// Checks that every analytics table declares (SPEC §5), and the building
// blocks of the table-specific ones. Every check reports one Failure per
// offending subject, in a deterministic order, with numbers where the
// violation has one.

// subject names a row by its key values, e.g. "20230203_MIL_LAC LAC".
func subject(t *p.Table, r p.Row) string {
	parts := make([]string, 0, len(t.KeyIndexes()))
	for _, i := range t.KeyIndexes() {
		parts = append(parts, fmt.Sprint(r[i]))
	}
	return strings.Join(parts, " ")
}

// num formats a number for a Failure, to four decimals at most.
func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strconv.FormatFloat(math.Round(v*1e4)/1e4, 'f', -1, 64)
}

// number reads a numeric value; ok is false for NULL.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// inputFailure reports that a check could not read an input it needs: the
// partition cannot be vouched for, so that fails the check.
func inputFailure(err error) []p.Failure {
	return []p.Failure{{Subject: "input", Observed: err.Error(), Expected: "a readable input"}}
}

// keyUnique fails once per key that more than one staged row holds.
func keyUnique(t *p.Table) p.Check {
	return p.Check{Name: "key_unique", Severity: p.Critical, Eval: func(_ p.Compute, staged []p.Row) []p.Failure {
		rows := slices.Clone(staged)
		t.SortRows(rows)
		var out []p.Failure
		for i := 0; i < len(rows); {
			j := i + 1
			for j < len(rows) && subject(t, rows[j]) == subject(t, rows[i]) {
				j++
			}
			if j-i > 1 {
				out = append(out, p.Failure{Subject: subject(t, rows[i]), Observed: strconv.Itoa(j - i), Expected: "1"})
			}
			i = j
		}
		return out
	}}
}

// gameDateMatches catches rows of another date in the partition of D.
func gameDateMatches(t *p.Table) p.Check {
	di := t.DateIndex()
	return p.Check{Name: "game_date_matches", Severity: p.Critical, Eval: func(c p.Compute, staged []p.Row) []p.Failure {
		var out []p.Failure
		for _, r := range staged {
			if d, ok := r[di].(p.Date); !ok || d != c.Date {
				out = append(out, p.Failure{Subject: subject(t, r), Observed: fmt.Sprint(r[di]), Expected: c.Date.String()})
			}
		}
		return out
	}}
}

// valueCheck fails for each row whose non-NULL numeric column value is not
// ok. NaN never passes: ok must return true for it explicitly, and none does.
func valueCheck(t *p.Table, name, col, want string, ok func(float64) bool) p.Check {
	i := t.MustCol(col)
	return p.Check{Name: name, Severity: p.Critical, Eval: func(_ p.Compute, staged []p.Row) []p.Failure {
		var out []p.Failure
		for _, r := range staged {
			if r[i] == nil {
				continue
			}
			v, isNum := number(r[i])
			if !isNum || math.IsNaN(v) || !ok(v) {
				out = append(out, p.Failure{Subject: subject(t, r), Observed: fmt.Sprint(r[i]), Expected: want})
			}
		}
		return out
	}}
}

// inRange is "<col>_range": the value is within [lo, hi].
func inRange(t *p.Table, col string, lo, hi float64) p.Check {
	want := fmt.Sprintf("in [%s, %s]", num(lo), num(hi))
	return valueCheck(t, col+"_range", col, want, func(v float64) bool { return v >= lo && v <= hi })
}

// atLeast is "<col>_min": the value is lo or more.
func atLeast(t *p.Table, col string, lo float64) p.Check {
	return valueCheck(t, col+"_min", col, ">= "+num(lo), func(v float64) bool { return v >= lo })
}

// positive is "<col>_positive": the value is above 0.
func positive(t *p.Table, col string) p.Check {
	return valueCheck(t, col+"_positive", col, "> 0", func(v float64) bool { return v > 0 })
}
