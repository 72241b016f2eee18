package nba

import (
	"slices"
	"strconv"
	"testing"

	p "github.com/statgate/statgate/internal/pipeline"
)

// The Feb 3 shape (SPEC §1): player rows computed against a team_offense row
// whose totals are missing or partial. The minutes-weighted usage check must
// block them, and the other teams of the date must still pass.
func TestFeb3BrokenTeamTotalsAreCaught(t *testing.T) {
	t.Parallel()
	d := p.MustDate("2023-02-03")
	const game, team = "20230203_PHX_BOS", "BOS"
	subjectTeam := game + " " + team
	season := seasonOutputs(t)
	tests := []struct {
		name   string
		edit   func([]p.Row) []p.Row
		minObs float64 // lower bound of the observed weighted usage
		maxObs float64
	}{
		{"totals missing", setTotals(subjectTeam, func(int64) int64 { return 0 }), 0, 0},
		{"totals halved", setTotals(subjectTeam, func(v int64) int64 { return v / 2 }), 150, 500},
		{"team row missing", func(rows []p.Row) []p.Row {
			return slices.DeleteFunc(slices.Clone(rows), func(r p.Row) bool { return subject(TeamOffenseTable, r) == subjectTeam })
		}, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			parts := season.clone()
			parts.put(TeamOffense, d, tc.edit(season[TeamOffense][d]))
			proc := PlayerGameProcessor{}
			c := task(proc, d, parts)
			rows, err := proc.Compute(c)
			if err != nil {
				t.Fatal(err)
			}
			var found bool
			for _, o := range p.RunChecks(proc.Checks(), c, rows) {
				if o.Severity == p.Critical && o.Subject != subjectTeam && !isPlayerOf(rows, o.Subject, game, team) {
					t.Errorf("critical %s on %s (observed %s), want failures only for %s", o.Check, o.Subject, o.Observed, subjectTeam)
				}
				if o.Check != "usage_minutes_weighted" {
					continue
				}
				found = true
				obs, err := strconv.ParseFloat(o.Observed, 64)
				if err != nil || o.Severity != p.Critical || obs < tc.minObs || obs > tc.maxObs {
					t.Errorf("usage_minutes_weighted(%s) = %s %s, want critical in [%v, %v]", o.Subject, o.Severity, o.Observed, tc.minObs, tc.maxObs)
				}
				t.Logf("usage_minutes_weighted %s: observed %s, expected %s", o.Subject, o.Observed, o.Expected)
			}
			if !found {
				t.Errorf("usage_minutes_weighted raised nothing for %s", tc.name)
			}
		})
	}
}

// setTotals returns an edit of team_offense rows that rewrites the FGA, FTA
// and TOV of one team (subject "game_id team") in a copy of its row.
func setTotals(subj string, f func(int64) int64) func([]p.Row) []p.Row {
	return func(rows []p.Row) []p.Row {
		out := slices.Clone(rows)
		for i, r := range out {
			if subject(TeamOffenseTable, r) == subj {
				r = slices.Clone(r)
				for _, col := range []string{"fg_attempts", "ft_attempts", "turnovers"} {
					r[TeamOffenseTable.MustCol(col)] = f(r[TeamOffenseTable.MustCol(col)].(int64))
				}
				out[i] = r
			}
		}
		return out
	}
}

// isPlayerOf reports whether subject ("game_id player_lookup") is a player
// of team in game, whose rows are expected to fail too.
func isPlayerOf(rows []p.Row, subj, game, team string) bool {
	for _, r := range rows {
		if subject(PlayerGameTable, r) == subj {
			return get(PlayerGameTable, r, "game_id") == game && get(PlayerGameTable, r, "team_abbr") == team
		}
	}
	return false
}

// TestFeb3RealTotalsPass is the control: the same date computed against the
// real team rows raises no critical failure, and BOS's weighted usage is
// near 100.
func TestFeb3RealTotalsPass(t *testing.T) {
	t.Parallel()
	d := p.MustDate("2023-02-03")
	parts := seasonOutputs(t)
	proc := PlayerGameProcessor{}
	c := task(proc, d, parts)
	for _, o := range p.RunChecks(proc.Checks(), c, parts[PlayerGame][d]) {
		t.Errorf("%s %s on %s: observed %s, expected %s", o.Severity, o.Check, o.Subject, o.Observed, o.Expected)
	}
	if n := len(parts[PlayerGame][d]); n == 0 {
		t.Fatalf("no player rows on %s", d)
	}
}
