package nba

import (
	"math"
	"slices"
	"strconv"
	"testing"

	p "github.com/statgate/statgate/internal/pipeline"
)

// Tolerances of the published numbers: half a printed unit (data README).
const (
	tolPct    = 0.0005 // TS%, eFG%, printed as .606
	tolRating = 0.05   // USG%, pace, ORtg, DRtg, printed as 21.7
	// float64 cannot hold .313 exactly, so a value exactly half a unit away
	// (0.3125, printed .313 by rounding half up) would otherwise miss.
	tolFloat = 1e-9
)

// near compares a computed value with a published one; an empty published
// value means B-Ref printed none.
func near(tb testing.TB, got any, published string, tol float64) (checked, ok bool) {
	tb.Helper()
	if published == "" {
		return false, true
	}
	want, err := strconv.ParseFloat(published, 64)
	if err != nil {
		tb.Fatalf("published value %q: %v", published, err)
	}
	g, isNum := got.(float64)
	return true, isNum && math.Abs(g-want) <= tol+tolFloat
}

func TestSeasonMatchesBasketballReferencePlayers(t *testing.T) {
	t.Parallel()
	parts := seasonOutputs(t)
	ours := rowsByKey(PlayerGameTable, allRows(parts, PlayerGame))
	counts := map[string]int{}
	for _, e := range readExpected(t, "expected_player_advanced.csv.gz") {
		key := e["game_id"] + " " + e["player_lookup"]
		r, found := ours[key]
		if !found {
			t.Errorf("player_game_summary has no row %s (published usg %q)", key, e["usg_pct"])
			continue
		}
		for _, c := range []struct{ col, pub string }{{"usage_rate", "usg_pct"}, {"ts_pct", "ts_pct"}, {"efg_pct", "efg_pct"}} {
			tol := tolPct
			if c.col == "usage_rate" {
				tol = tolRating
			}
			got := get(PlayerGameTable, r, c.col)
			checked, ok := near(t, got, e[c.pub], tol)
			if checked && ok {
				counts[c.col]++
			}
			if !ok {
				t.Errorf("%s(%s) = %v, want %s ± %v", c.col, key, got, e[c.pub], tol)
			}
		}
	}
	t.Logf("matches within tolerance: usage %d, ts %d, efg %d", counts["usage_rate"], counts["ts_pct"], counts["efg_pct"])
	// The data README promises these counts of published values.
	if counts["usage_rate"] != 27336 || counts["ts_pct"] != 26132 {
		t.Errorf("matched usage %d, ts %d; want 27336, 26132", counts["usage_rate"], counts["ts_pct"])
	}
}

func TestSeasonMatchesBasketballReferenceTeams(t *testing.T) {
	t.Parallel()
	parts := seasonOutputs(t)
	off := rowsByKey(TeamOffenseTable, allRows(parts, TeamOffense))
	def := rowsByKey(TeamDefenseTable, allRows(parts, TeamDefense))
	matched := 0
	expected := readExpected(t, "expected_team_advanced.csv.gz")
	for _, e := range expected {
		key := e["game_id"] + " " + e["team_abbr"]
		o, d := off[key], def[key]
		if o == nil || d == nil {
			t.Errorf("no team rows for %s (offense %v, defense %v)", key, o != nil, d != nil)
			continue
		}
		all := true
		for _, c := range []struct {
			t        *p.Table
			r        p.Row
			col, pub string
			tol      float64
		}{
			{TeamOffenseTable, o, "pace", "pace", tolRating},
			{TeamOffenseTable, o, "offensive_rating", "off_rtg", tolRating},
			{TeamDefenseTable, d, "defensive_rating", "def_rtg", tolRating},
			{TeamOffenseTable, o, "ts_pct", "ts_pct", tolPct},
			{TeamOffenseTable, o, "efg_pct", "efg_pct", tolPct},
		} {
			got := get(c.t, c.r, c.col)
			if checked, ok := near(t, got, e[c.pub], c.tol); !checked || !ok {
				all = false
				t.Errorf("%s(%s) = %v, want %s ± %v", c.col, key, got, e[c.pub], c.tol)
			}
		}
		if all {
			matched++
		}
	}
	t.Logf("team-games matching pace, ratings, TS%% and eFG%%: %d of %d", matched, len(expected))
	if len(expected) != 2604 || len(off) != 2604 || len(def) != 2604 {
		t.Errorf("team-games: expected %d, offense %d, defense %d; want 2604 each", len(expected), len(off), len(def))
	}
}

// TestSeasonChecks runs every check of SPEC §5 over every computed partition:
// a real season must raise no critical failure. Warnings are logged.
func TestSeasonChecks(t *testing.T) {
	t.Parallel()
	s := season(t)
	parts := seasonOutputs(t)
	warnings := 0
	for _, proc := range Processors() {
		for _, d := range s.dates {
			staged := parts[proc.Name()][d]
			for _, o := range p.RunChecks(proc.Checks(), task(proc, d, parts), staged) {
				if o.Severity == p.Critical {
					t.Errorf("%s %s: critical %s on %s: observed %s, expected %s", proc.Name(), d, o.Check, o.Subject, o.Observed, o.Expected)
					continue
				}
				warnings++
				t.Logf("warning: %s %s %s on %s: observed %s, expected %s", proc.Name(), d, o.Check, o.Subject, o.Observed, o.Expected)
			}
		}
	}
	t.Logf("%d warnings", warnings)
}

// TestSeasonRowsValid: every computed row fits its table's schema and lies in
// the partition of the date it was computed for.
func TestSeasonRowsValid(t *testing.T) {
	t.Parallel()
	parts := seasonOutputs(t)
	for _, proc := range Processors() {
		n := 0
		for d, rows := range parts[proc.Name()] {
			for _, r := range rows {
				n++
				if err := proc.Output().Validate(r); err != nil {
					t.Errorf("%s %s row %s: %v", proc.Name(), d, subject(proc.Output(), r), err)
				}
				if got := r[proc.Output().DateIndex()]; got != d {
					t.Errorf("%s row %s in partition %s has game_date %v", proc.Name(), subject(proc.Output(), r), d, got)
				}
			}
		}
		t.Logf("%s: %d rows", proc.Name(), n)
		if n == 0 {
			t.Errorf("%s computed no rows over the season", proc.Name())
		}
	}
	if got, want := len(allRows(parts, PlayerGame)), 33516; got != want {
		t.Errorf("player_game_summary rows = %d, want %d (one per gamebook row)", got, want)
	}
}

// TestSeasonWinFlags: the win flags agree with the schedule's final scores.
func TestSeasonWinFlags(t *testing.T) {
	t.Parallel()
	s := season(t)
	parts := seasonOutputs(t)
	off := rowsByKey(TeamOffenseTable, allRows(parts, TeamOffense))
	for _, d := range s.dates {
		for _, g := range scheduleGames(s.raw[Schedule][d]) {
			for _, team := range []string{g.home, g.away} {
				r := off[g.id+" "+team]
				if r == nil {
					continue // one of the 18 games without a box score
				}
				_, home, _ := g.opponent(team)
				want := g.homeScore > g.awayScore == home
				if got := get(TeamOffenseTable, r, "win_flag"); got != want {
					t.Errorf("win_flag(%s %s) = %v, want %v (final %d-%d)", g.id, team, got, want, g.awayScore, g.homeScore)
				}
			}
		}
	}
}

// TestProcessorsDependencyOrder: Processors lists each processor after those
// whose tables it reads, so helpers (and readers) can run it in order, and
// every input is a known table.
func TestProcessorsDependencyOrder(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{Schedule: true, Gamebook: true, TeamBox: true, PointsProps: true}
	var names []string
	for _, proc := range Processors() {
		for _, in := range proc.Inputs() {
			if Catalog.Table(in.Table) == nil {
				t.Errorf("%s reads unknown table %s", proc.Name(), in.Table)
			}
			if !seen[in.Table] {
				t.Errorf("%s reads %s before that table is computed", proc.Name(), in.Table)
			}
		}
		if proc.Output().Name != proc.Name() || Catalog.Table(proc.Name()) != proc.Output() {
			t.Errorf("%s: output table %s", proc.Name(), proc.Output().Name)
		}
		seen[proc.Name()] = true
		names = append(names, proc.Name())
	}
	want := []string{TeamOffense, TeamDefense, PlayerGame, UpcomingTeam, UpcomingPlayer}
	if !slices.Equal(names, want) {
		t.Errorf("Processors() = %v, want %v", names, want)
	}
}
