package nba

import (
	"math"
	"slices"
	"testing"

	p "github.com/statgate/statgate/internal/pipeline"
)

// editRows returns a copy of rows where every row that match accepts has
// column col replaced by f(old value); the shared season is untouched.
func editRows(t *p.Table, rows []p.Row, match func(p.Row) bool, col string, f func(any) any) []p.Row {
	out := slices.Clone(rows)
	i := t.MustCol(col)
	for j, r := range out {
		if match(r) {
			r = slices.Clone(r)
			r[i] = f(r[i])
			out[j] = r
		}
	}
	return out
}

// firstKey matches the first row of rows (by key), whatever its content.
func firstKey(t *p.Table, rows []p.Row) func(p.Row) bool {
	k := subject(t, rows[0])
	return func(r p.Row) bool { return subject(t, r) == k }
}

// sameTeam matches the rows of the first row's team in the first row's game.
func sameTeam(t *p.Table, rows []p.Row, teamCol string) func(p.Row) bool {
	g, team := get(t, rows[0], "game_id"), get(t, rows[0], teamCol)
	return func(r p.Row) bool { return get(t, r, "game_id") == g && get(t, r, teamCol) == team }
}

func setTo(v any) func(any) any { return func(any) any { return v } }

func plus(n float64) func(any) any {
	return func(v any) any {
		switch x := v.(type) {
		case int64:
			return x + int64(n)
		case float64:
			return x + n
		}
		return v
	}
}

func times(k float64) func(any) any {
	return func(v any) any {
		if x, ok := v.(float64); ok {
			return x * k
		}
		return v
	}
}

func not(v any) any { return !v.(bool) }

func nan() float64 { return math.NaN() }

// corruption is one injected fault and the check that must catch it.
type corruption struct {
	name      string
	edit      func(t *p.Table, rows []p.Row) []p.Row
	wantCheck string
	wantSev   p.Severity
}

// setFirst edits column col of the first row.
func setFirst(col string, f func(any) any) func(*p.Table, []p.Row) []p.Row {
	return func(t *p.Table, rows []p.Row) []p.Row { return editRows(t, rows, firstKey(t, rows), col, f) }
}

// swapHome flips home_game in both rows of the first game.
func swapHome(t *p.Table, rows []p.Row) []p.Row {
	g := get(t, rows[0], "game_id")
	return editRows(t, rows, func(r p.Row) bool { return get(t, r, "game_id") == g }, "home_game", not)
}

// corruptions lists, per processor, the faults its checks must catch on
// date d.
func corruptions(d p.Date) map[p.Processor][]corruption {
	set := setFirst
	common := []corruption{
		{"duplicate row", func(_ *p.Table, rows []p.Row) []p.Row { return append(slices.Clone(rows), rows[0]) }, "key_unique", p.Critical},
		{"row of another date", set("game_date", setTo(d.AddDays(1))), "game_date_matches", p.Critical},
	}
	teamCases := slices.Concat(common, []corruption{
		{"one row of a game missing", func(_ *p.Table, rows []p.Row) []p.Row { return rows[1:] }, "two_rows_per_game", p.Critical},
		{"wrong opponent", set("opponent_team_abbr", setTo("XYZ")), "opponents_paired", p.Critical},
		{"home and away swapped", swapHome, "home_game_matches_schedule", p.Critical},
		{"possessions zero", set("possessions", setTo(0.0)), "possessions_range", p.Critical},
	})
	return map[p.Processor][]corruption{
		TeamOffenseProcessor{}: append(slices.Clone(teamCases),
			corruption{"points changed", set("points_scored", plus(1)), "points_mirror", p.Critical},
			corruption{"pace too high", set("pace", setTo(131.0)), "pace_range", p.Critical},
			corruption{"rating too low", set("offensive_rating", setTo(49.9)), "offensive_rating_range", p.Critical},
			corruption{"no points", set("points_scored", setTo(int64(0))), "points_scored_positive", p.Critical},
			corruption{"no shots", set("fg_attempts", setTo(int64(0))), "fg_attempts_positive", p.Critical}),
		TeamDefenseProcessor{}: append(slices.Clone(teamCases),
			corruption{"points allowed changed", set("points_allowed", plus(-2)), "points_mirror", p.Critical},
			corruption{"opponent pace NaN", set("opponent_pace", setTo(nan())), "opponent_pace_range", p.Critical},
			corruption{"rating too high", set("defensive_rating", setTo(200.5)), "defensive_rating_range", p.Critical},
			corruption{"no points allowed", set("points_allowed", setTo(int64(0))), "points_allowed_positive", p.Critical},
			corruption{"no opponent shots", set("opp_fg_attempts", setTo(int64(0))), "opp_fg_attempts_positive", p.Critical}),
		PlayerGameProcessor{}: append(slices.Clone(common),
			corruption{"usage above 100", setActive("usage_rate", setTo(100.5)), "usage_rate_range", p.Critical},
			corruption{"usage missing", setActive("usage_rate", setTo(nil)), "usage_present", p.Critical},
			corruption{"usage doubled for a team", func(t *p.Table, rows []p.Row) []p.Row {
				return editRows(t, rows, sameTeam(t, rows, "team_abbr"), "usage_rate", times(2))
			}, "usage_minutes_weighted", p.Critical},
			corruption{"a player's FGA changed", setActive("fg_attempts", plus(3)), "team_attempts_match", p.Critical},
			corruption{"a team's players missing", func(t *p.Table, rows []p.Row) []p.Row {
				return slices.DeleteFunc(slices.Clone(rows), sameTeam(t, rows, "team_abbr"))
			}, "team_attempts_match", p.Critical},
			corruption{"points off", setActive("points", plus(1)), "points_formula", p.Warning},
			corruption{"minutes off", setActive("minutes_played", plus(2)), "team_minutes_sum", p.Warning}),
		UpcomingTeamProcessor{}: append(slices.Clone(common),
			corruption{"negative rest", set("days_rest", setTo(int64(-1))), "days_rest_min", p.Critical},
			corruption{"pace average too high", set("avg_pace_last10", setTo(130.5)), "avg_pace_last10_range", p.Critical},
			corruption{"ORtg average too low", set("avg_offensive_rating_last10", setTo(10.0)), "avg_offensive_rating_last10_range", p.Critical},
			corruption{"DRtg average too high", set("avg_defensive_rating_last10", setTo(210.0)), "avg_defensive_rating_last10_range", p.Critical}),
		UpcomingPlayerProcessor{}: append(slices.Clone(common),
			corruption{"negative rest", set("days_rest", setTo(int64(-1))), "days_rest_min", p.Critical},
			corruption{"negative team rest", set("team_days_rest", setTo(int64(-1))), "team_days_rest_min", p.Critical},
			corruption{"negative points", set("avg_points_last5", setTo(-1.0)), "avg_points_last5_min", p.Critical},
			corruption{"negative points last10", set("avg_points_last10", setTo(-1.0)), "avg_points_last10_min", p.Critical},
			corruption{"minutes above 70", set("avg_minutes_last5", setTo(70.5)), "avg_minutes_last5_range", p.Critical},
			corruption{"usage above 100", set("avg_usage_rate_last5", setTo(101.0)), "avg_usage_rate_last5_range", p.Critical},
			corruption{"TS% above 1.5", set("avg_ts_pct_last10", setTo(1.6)), "avg_ts_pct_last10_range", p.Critical}),
	}
}

// TestChecksCatchCorruption injects one corruption at a time into a real
// date's computed rows and expects the named check to fail with its
// severity. The uncorrupted rows pass every check.
func TestChecksCatchCorruption(t *testing.T) {
	t.Parallel()
	d := p.MustDate("2022-12-06")
	parts := seasonOutputs(t)
	cases := corruptions(d)
	for _, proc := range Processors() {
		staged := parts[proc.Name()][d]
		c := task(proc, d, parts)
		if len(staged) == 0 {
			t.Fatalf("%s %s: no rows", proc.Name(), d)
		}
		for _, o := range p.RunChecks(proc.Checks(), c, staged) {
			t.Errorf("%s %s uncorrupted: %s %s on %s (observed %s)", proc.Name(), d, o.Severity, o.Check, o.Subject, o.Observed)
		}
		if len(cases[proc]) == 0 {
			t.Errorf("%s: no corruption cases", proc.Name())
		}
		for _, tc := range cases[proc] {
			outcomes := p.RunChecks(proc.Checks(), c, tc.edit(proc.Output(), staged))
			if !slices.ContainsFunc(outcomes, func(o p.Outcome) bool { return o.Check == tc.wantCheck && o.Severity == tc.wantSev }) {
				t.Errorf("%s, %s: outcomes %v, want a %s %s", proc.Name(), tc.name, outcomes, tc.wantSev, tc.wantCheck)
			}
		}
	}
}

// setActive edits the first active player with minutes of the date.
func setActive(col string, f func(any) any) func(*p.Table, []p.Row) []p.Row {
	return func(t *p.Table, rows []p.Row) []p.Row {
		i := slices.IndexFunc(rows, func(r p.Row) bool {
			m, _ := get(t, r, "minutes_played").(float64)
			return m > 10
		})
		k := subject(t, rows[i])
		return editRows(t, rows, func(r p.Row) bool { return subject(t, r) == k }, col, f)
	}
}

// TestPossessionsScaleWithGameLength: possessions_range is [60, 140] per 240
// team minutes (SPEC §5). ATL at GSW on 2023-01-02 went to two overtimes
// (290 team minutes): 150 possessions in that game pass in both team
// tables, 170 do not, and 142.5 in a regulation game of the same date
// still fail. CHI at ATL on 2019-03-01 went to four (340 minutes) with
// 142.5 possessions; a team offense row with those figures passes.
func TestPossessionsScaleWithGameLength(t *testing.T) {
	t.Parallel()
	d := p.MustDate("2023-01-02")
	const ot2 = "20230102_ATL_GSW"
	parts := seasonOutputs(t)
	for _, proc := range []p.Processor{TeamOffenseProcessor{}, TeamDefenseProcessor{}} {
		tb := proc.Output()
		staged := parts[proc.Name()][d]
		c := task(proc, d, parts)
		inGame := func(id string) func(p.Row) bool {
			return func(r p.Row) bool { return get(tb, r, "game_id") == id }
		}
		regulation := ""
		for _, r := range parts[TeamOffense][d] {
			if get(TeamOffenseTable, r, "team_minutes") == 240.0 {
				regulation = get(TeamOffenseTable, r, "game_id").(string)
				break
			}
		}
		for _, tc := range []struct {
			name  string
			game  string
			poss  float64
			fails bool
		}{
			{"two overtimes, 150", ot2, 150, false},
			{"two overtimes, 170", ot2, 170, true},
			{"regulation, 142.5", regulation, 142.5, true},
		} {
			rows := editRows(tb, staged, inGame(tc.game), "possessions", setTo(tc.poss))
			failed := slices.ContainsFunc(p.RunChecks(proc.Checks(), c, rows), func(o p.Outcome) bool { return o.Check == "possessions_range" })
			if failed != tc.fails {
				t.Errorf("%s, %s (%s): possessions_range failed = %v, want %v", proc.Name(), tc.name, tc.game, failed, tc.fails)
			}
		}
	}
	staged := parts[TeamOffense][d]
	rows := editRows(TeamOffenseTable, staged, func(r p.Row) bool { return get(TeamOffenseTable, r, "game_id") == ot2 }, "possessions", setTo(142.5))
	rows = editRows(TeamOffenseTable, rows, func(r p.Row) bool { return get(TeamOffenseTable, r, "game_id") == ot2 }, "team_minutes", setTo(340.0))
	for _, o := range p.RunChecks(TeamOffenseProcessor{}.Checks(), task(TeamOffenseProcessor{}, d, parts), rows) {
		if o.Check == "possessions_range" {
			t.Errorf("a four-overtime game with 142.5 possessions: %s %s (observed %s, expected %s)", o.Severity, o.Check, o.Observed, o.Expected)
		}
	}
}
