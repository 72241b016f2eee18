package nba

import (
	"fmt"
	"math"
	"strconv"

	p "github.com/statgate/statgate/internal/pipeline"
)

// Checks of player_game_summary (SPEC §5). The team totals they compare
// with are the team_offense_game_summary rows the task read, through
// c.Inputs, so a check sees exactly what the processor saw.

// Limits of the per-team checks.
const (
	weightedUsageMin = 90.0  // capped usages of seconds-long stints pull it under 100
	weightedUsageMax = 101.0 // rounding of the team totals can push it a little over
	attemptsSlack    = 2     // a scorer's correction may reach one source and not the other
	minutesSlack     = 1.0
)

var pgCheck = struct{ status, minutes, usage, points, fg, fg3, fga, ft, fta int }{
	status: PlayerGameTable.MustCol("player_status"), minutes: pg.minutes, usage: pg.usage,
	points: pg.points, fg: PlayerGameTable.MustCol("fg_makes"), fg3: PlayerGameTable.MustCol("three_pt_makes"),
	fga: PlayerGameTable.MustCol("fg_attempts"), ft: PlayerGameTable.MustCol("ft_makes"),
	fta: PlayerGameTable.MustCol("ft_attempts"),
}

// playersByTeam groups staged player rows by team and game, and returns
// the keys in a stable order.
func playersByTeam(staged []p.Row) ([]teamKey, map[teamKey][]p.Row) {
	groups := make(map[teamKey][]p.Row)
	var keys []teamKey
	for _, r := range staged {
		k := teamKey{text(r, pg.gameID), text(r, pg.team)}
		if _, seen := groups[k]; !seen {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], r)
	}
	sortTeamKeys(keys)
	return keys, groups
}

// teamRows reads the team_offense rows of D by team.
func teamRows(c p.Compute) (map[teamKey]offenseLine, error) {
	rows, err := readRows(c.Inputs, TeamOffenseTable, c.Date)
	if err != nil {
		return nil, err
	}
	return offenseByTeam(offenseLines(rows)), nil
}

// usagePresent: every active player with minutes on the floor has a usage.
func usagePresent() p.Check {
	return p.Check{Name: "usage_present", Severity: p.Critical, Eval: func(_ p.Compute, staged []p.Row) []p.Failure {
		var out []p.Failure
		for _, r := range staged {
			m, _ := decimal(r, pgCheck.minutes)
			if text(r, pgCheck.status) == "active" && m > 0 && r[pgCheck.usage] == nil {
				out = append(out, p.Failure{Subject: subject(PlayerGameTable, r), Observed: "NULL",
					Expected: "a usage rate for " + num(m) + " minutes played"})
			}
		}
		return out
	}}
}

// usageMinutesWeighted: per team, Σ usage × MP / (Tm MP / 5) is about 100,
// because a team's plays are shared among the players on the floor. Usage
// computed against missing or partial team totals lands far outside (600+
// on the Feb 3 incident). Without a team row Tm MP is taken from the
// players, so the check still reports a number.
func usageMinutesWeighted() p.Check {
	return p.Check{Name: "usage_minutes_weighted", Severity: p.Critical, Eval: func(c p.Compute, staged []p.Row) []p.Failure {
		teams, err := teamRows(c)
		if err != nil {
			return inputFailure(err)
		}
		keys, groups := playersByTeam(staged)
		var out []p.Failure
		for _, k := range keys {
			var weighted, mp float64
			for _, r := range groups[k] {
				m, ok := decimal(r, pgCheck.minutes)
				if !ok || m <= 0 {
					continue
				}
				mp += m
				if u, ok := decimal(r, pgCheck.usage); ok {
					weighted += u * m
				}
			}
			if t, ok := teams[k]; ok {
				mp = t.minutes
			}
			v := 0.0
			if mp > 0 {
				v = weighted / (mp / 5)
			}
			if !(v >= weightedUsageMin && v <= weightedUsageMax) {
				out = append(out, p.Failure{Subject: k.gameID + " " + k.team, Observed: num(v),
					Expected: fmt.Sprintf("in [%s, %s]", num(weightedUsageMin), num(weightedUsageMax))})
			}
		}
		return out
	}}
}

// teamAttemptsMatch: per team, the players' FGA and FTA add up to the team
// row's, within attemptsSlack. It covers both teams of every game that has
// player rows, so a team whose players are missing altogether, or whose team
// row is missing, fails too. A game with no player rows at all is the
// completeness gate's business (an incomplete gamebook), not this check's.
func teamAttemptsMatch() p.Check {
	return p.Check{Name: "team_attempts_match", Severity: p.Critical, Eval: func(c p.Compute, staged []p.Row) []p.Failure {
		teams, err := teamRows(c)
		if err != nil {
			return inputFailure(err)
		}
		keys, groups := playersByTeam(staged)
		for k := range teams {
			if _, played := groups[k]; !played && gameHasPlayers(groups, k.gameID) {
				keys = append(keys, k)
			}
		}
		sortTeamKeys(keys)
		var out []p.Failure
		for _, k := range keys {
			var fga, fta int64
			for _, r := range groups[k] {
				a, _ := integer(r, pgCheck.fga)
				f, _ := integer(r, pgCheck.fta)
				fga, fta = fga+a, fta+f
			}
			observed := fmt.Sprintf("players' sum: fg_attempts %d, ft_attempts %d", fga, fta)
			t, ok := teams[k]
			switch {
			case !ok:
				out = append(out, p.Failure{Subject: k.gameID + " " + k.team, Observed: observed,
					Expected: "a team box score row (team_offense_game_summary) to compare with"})
			case absInt(fga-t.fga) > attemptsSlack || absInt(fta-t.fta) > attemptsSlack:
				out = append(out, p.Failure{Subject: k.gameID + " " + k.team, Observed: observed,
					Expected: fmt.Sprintf("team box score (team_offense_game_summary): fg_attempts %d ± %d, ft_attempts %d ± %d",
						t.fga, attemptsSlack, t.fta, attemptsSlack)})
			}
		}
		return out
	}}
}

func gameHasPlayers(groups map[teamKey][]p.Row, gameID string) bool {
	for k := range groups {
		if k.gameID == gameID {
			return true
		}
	}
	return false
}

func absInt(v int64) int64 { return max(v, -v) }

// pointsFormula: points = 2·FG + 3P + FT. A warning: the real box scores
// hold a couple of rows where it does not.
func pointsFormula() p.Check {
	return p.Check{Name: "points_formula", Severity: p.Warning, Eval: func(_ p.Compute, staged []p.Row) []p.Failure {
		var out []p.Failure
		for _, r := range staged {
			pts, ok := integer(r, pgCheck.points)
			if !ok {
				continue
			}
			fg, _ := integer(r, pgCheck.fg)
			fg3, _ := integer(r, pgCheck.fg3)
			ft, _ := integer(r, pgCheck.ft)
			if want := 2*fg + fg3 + ft; pts != want {
				out = append(out, p.Failure{Subject: subject(PlayerGameTable, r),
					Observed: strconv.FormatInt(pts, 10), Expected: strconv.FormatInt(want, 10)})
			}
		}
		return out
	}}
}

// teamMinutesSum: per team, the players' minutes add up to Tm MP within a
// minute. A warning: gamebook minutes are rounded per player. Teams without
// a team row are reported by team_attempts_match.
func teamMinutesSum() p.Check {
	return p.Check{Name: "team_minutes_sum", Severity: p.Warning, Eval: func(c p.Compute, staged []p.Row) []p.Failure {
		teams, err := teamRows(c)
		if err != nil {
			return inputFailure(err)
		}
		keys, groups := playersByTeam(staged)
		var out []p.Failure
		for _, k := range keys {
			t, ok := teams[k]
			if !ok {
				continue
			}
			var sum float64
			for _, r := range groups[k] {
				m, _ := decimal(r, pgCheck.minutes)
				sum += m
			}
			if math.Abs(sum-t.minutes) > minutesSlack {
				out = append(out, p.Failure{Subject: k.gameID + " " + k.team, Observed: "players' sum: minutes " + num(sum),
					Expected: fmt.Sprintf("team box score: minutes %s ± %s", num(t.minutes), num(minutesSlack))})
			}
		}
		return out
	}}
}
