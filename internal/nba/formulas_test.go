package nba

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseClock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{"29:28", 29 + 28.0/60, false},
		{"0:05", 5.0 / 60, false},
		{"240:00", 240, false},
		{"265:00", 265, false},
		{"48:59", 48 + 59.0/60, false},
		{"12:60", 0, true},
		{"12:5", 0, true},
		{"12", 0, true},
		{"", 0, true},
		{"-1:00", 0, true},
		{"ab:cd", 0, true},
	}
	for _, tc := range tests {
		got, err := parseClock(tc.in)
		if (err != nil) != tc.wantErr || math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("parseClock(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestOvertimePeriods(t *testing.T) {
	t.Parallel()
	for in, want := range map[float64]int64{240: 0, 265: 1, 290: 2, 315: 3, 239.9: 0, 264.95: 1, 200: 0} {
		if got := overtimePeriods(in); got != want {
			t.Errorf("overtimePeriods(%v) = %d, want %d", in, got, want)
		}
	}
}

// The first game of the season, 20221018_PHI_BOS, from its box score; B-Ref
// published pace 98.2, ORtg 128.3 (BOS) and 119.2 (PHI).
var (
	bos = stats{pts: 126, fg: 46, fga: 82, fg3: 12, fg3a: 35, ft: 22, fta: 28, orb: 6, drb: 30, tov: 10}
	phi = stats{pts: 117, fg: 40, fga: 80, fg3: 13, fg3a: 34, ft: 24, fta: 28, orb: 4, drb: 27, tov: 14}
)

func TestTeamFormulas(t *testing.T) {
	t.Parallel()
	poss := possessions(bos, phi)
	if back := possessions(phi, bos); back != poss {
		t.Errorf("possessions(phi, bos) = %v, want %v (shared by both teams)", back, poss)
	}
	got := []float64{pace(poss, 240), rating(bos.pts, poss), rating(phi.pts, poss)}
	want := []float64{98.2, 128.3, 119.2}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) <= 0.05 })); diff != "" {
		t.Errorf("pace, ORtg BOS, ORtg PHI (-B-Ref +computed):\n%s", diff)
	}
	if g := pace(poss, 265); math.Abs(g-pace(poss, 240)*240/265) > 1e-9 {
		t.Errorf("pace(%v, 265) = %v, want per-48 scaling of one overtime", poss, g)
	}
	if g := pace(poss, 0); g != 0 {
		t.Errorf("pace(%v, 0) = %v, want 0", poss, g)
	}
	if g := rating(100, 0); g != 0 {
		t.Errorf("rating(100, 0) = %v, want 0", g)
	}
	if g := possessions(stats{}, stats{}); g != 0 || math.IsNaN(g) {
		t.Errorf("possessions of empty totals = %v, want 0", g)
	}
}

func TestShootingPercentages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		pts, fg, fg3, fga int64
		fta               int64
		wantTS, wantEFG   any
	}{
		// Tyrese Maxey, 20221018_PHI_BOS: B-Ref .606 and .563.
		{"maxey", 21, 8, 2, 16, 3, 0.606, 0.5625},
		{"free throws only", 2, 0, 0, 0, 2, 2 / (2 * 0.88), nil},
		{"no shots", 0, 0, 0, 0, 0, nil, nil},
		{"one three", 3, 1, 1, 1, 0, 1.5, 1.5},
	}
	near := cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) <= 0.0005 })
	for _, tc := range tests {
		got := []any{nullable(tsPct(tc.pts, tc.fga, tc.fta)), nullable(efgPct(tc.fg, tc.fg3, tc.fga))}
		if diff := cmp.Diff([]any{tc.wantTS, tc.wantEFG}, got, near); diff != "" {
			t.Errorf("%s: TS%%, eFG%% (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestUsageRate(t *testing.T) {
	t.Parallel()
	team := stats{fga: 80, fta: 28, tov: 14} // PHI, 20221018_PHI_BOS
	tests := []struct {
		name    string
		player  stats
		minutes float64
		team    stats
		tmMin   float64
		want    any
	}{
		// Joel Embiid, 20221018_PHI_BOS, 37:16: B-Ref 33.9.
		{"embiid", stats{fga: 18, fta: 9, tov: 6}, 37 + 16.0/60, team, 240, 33.9},
		{"same play share in overtime", stats{fga: 18, fta: 9, tov: 6}, (37 + 16.0/60) * 265 / 240, team, 265, 33.9},
		{"one shot in five seconds is capped", stats{fga: 1}, 5.0 / 60, team, 240, 100.0},
		{"no minutes", stats{fga: 1}, 0, team, 240, nil},
		{"team totals missing", stats{fga: 10}, 30, stats{}, 240, nil},
		{"no team minutes", stats{fga: 10}, 30, team, 0, nil},
	}
	near := cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) <= 0.05 })
	for _, tc := range tests {
		got := nullable(usageRate(tc.player, tc.minutes, tc.team, tc.tmMin))
		if diff := cmp.Diff(tc.want, got, near); diff != "" {
			t.Errorf("%s: usageRate(%v, %v, %v, %v) (-want +got):\n%s", tc.name, tc.player, tc.minutes, tc.team, tc.tmMin, diff)
		}
	}
}

func TestPropPreference(t *testing.T) {
	t.Parallel()
	early := time.Date(2023, 2, 3, 12, 0, 0, 0, time.UTC)
	late := early.Add(time.Hour)
	tests := []struct {
		name  string
		props []propLine
		want  float64
	}{
		{"draftkings first", []propLine{{"a", "fanduel", 20.5, late}, {"a", "draftkings", 21.5, early}, {"a", "betmgm", 22.5, late}}, 21.5},
		{"then fanduel", []propLine{{"a", "betmgm", 22.5, late}, {"a", "fanduel", 20.5, early}}, 20.5},
		{"then the latest", []propLine{{"a", "betmgm", 22.5, early}, {"a", "caesars", 23.5, late}}, 23.5},
		{"then by name", []propLine{{"a", "caesars", 23.5, late}, {"a", "betmgm", 22.5, late}}, 22.5},
	}
	for _, tc := range tests {
		for _, order := range [][]propLine{tc.props, reversed(tc.props)} {
			best := order[0]
			for _, l := range order[1:] {
				if betterProp(l, best) {
					best = l
				}
			}
			if best.line != tc.want {
				t.Errorf("%s: chose %s %v, want %v", tc.name, best.bookmaker, best.line, tc.want)
			}
		}
	}
}

func reversed[T any](s []T) []T {
	out := make([]T, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

func TestOverUnder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		points          int64
		played, hasLine bool
		line            float64
		wantRes, wantM  any
	}{
		{25, true, true, 24.5, "OVER", 0.5},
		{24, true, true, 24.5, "UNDER", -0.5},
		{24, true, true, 24, "OVER", 0.0},
		{24, true, false, 0, nil, nil},
		{0, false, true, 24.5, nil, nil},
	}
	for _, tc := range tests {
		res, m := overUnder(tc.points, tc.played, tc.line, tc.hasLine)
		if res != tc.wantRes || m != tc.wantM {
			t.Errorf("overUnder(%d, %v, %v, %v) = %v, %v; want %v, %v", tc.points, tc.played, tc.line, tc.hasLine, res, m, tc.wantRes, tc.wantM)
		}
	}
}
