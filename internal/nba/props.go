package nba

import (
	"cmp"

	p "github.com/statgate/statgate/internal/pipeline"
)

// bookmakerRank orders bookmakers by preference (SPEC §3): DraftKings, then
// FanDuel, then any other.
func bookmakerRank(b string) int {
	switch b {
	case "draftkings":
		return 0
	case "fanduel":
		return 1
	}
	return 2
}

// betterProp reports whether a should be used instead of b: a preferred
// bookmaker first, then the latest capture, then the bookmaker's name, so
// the choice never depends on the order rows arrive in.
func betterProp(a, b propLine) bool {
	if c := cmp.Compare(bookmakerRank(a.bookmaker), bookmakerRank(b.bookmaker)); c != 0 {
		return c < 0
	}
	if !a.captured.Equal(b.captured) {
		return a.captured.After(b.captured)
	}
	return a.bookmaker < b.bookmaker
}

// pointsLines reads date d's optional props and returns each player's
// chosen points line by player_lookup.
func pointsLines(in p.InputSet, d p.Date) (map[string]float64, error) {
	rows, err := readRows(in, PointsPropsTable, d)
	if err != nil {
		return nil, err
	}
	best := make(map[string]propLine)
	for _, l := range propLines(rows) {
		if cur, ok := best[l.lookup]; !ok || betterProp(l, cur) {
			best[l.lookup] = l
		}
	}
	out := make(map[string]float64, len(best))
	for k, l := range best {
		out[k] = l.line
	}
	return out, nil
}

// overUnder compares a player's points with his line. Both results are NULL
// when either side is missing.
func overUnder(points int64, played bool, line float64, hasLine bool) (result, margin any) {
	if !played || !hasLine {
		return nil, nil
	}
	m := float64(points) - line
	if m >= 0 {
		return "OVER", m
	}
	return "UNDER", m
}
