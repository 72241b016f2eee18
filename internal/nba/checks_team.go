package nba

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"

	p "github.com/statgate/statgate/internal/pipeline"
)

// Checks of the team summaries (SPEC §5). teamCol is the column naming the
// row's team: team_abbr in team offense, defending_team_abbr in team defense.

// gamePairs groups staged rows by game_id, in game order.
func gamePairs(t *p.Table, staged []p.Row) (ids []string, byGame map[string][]p.Row) {
	gi := t.MustCol("game_id")
	byGame = make(map[string][]p.Row)
	for _, r := range staged {
		id := text(r, gi)
		if _, seen := byGame[id]; !seen {
			ids = append(ids, id)
		}
		byGame[id] = append(byGame[id], r)
	}
	slices.Sort(ids)
	return ids, byGame
}

// twoRowsPerGame: a game has exactly its two teams' rows.
func twoRowsPerGame(t *p.Table) p.Check {
	return p.Check{Name: "two_rows_per_game", Severity: p.Critical, Eval: func(_ p.Compute, staged []p.Row) []p.Failure {
		ids, byGame := gamePairs(t, staged)
		var out []p.Failure
		for _, id := range ids {
			if n := len(byGame[id]); n != 2 {
				out = append(out, p.Failure{Subject: id, Observed: strconv.Itoa(n), Expected: "2"})
			}
		}
		return out
	}}
}

// opponentsPaired: the two rows of a game are each other's opponents.
func opponentsPaired(t *p.Table, teamCol string) p.Check {
	ti, oi := t.MustCol(teamCol), t.MustCol("opponent_team_abbr")
	return p.Check{Name: "opponents_paired", Severity: p.Critical, Eval: func(_ p.Compute, staged []p.Row) []p.Failure {
		ids, byGame := gamePairs(t, staged)
		var out []p.Failure
		for _, id := range ids {
			rows := byGame[id]
			if len(rows) != 2 {
				continue // two_rows_per_game reports it
			}
			a, b := rows[0], rows[1]
			if text(a, ti) == text(b, ti) || text(a, oi) != text(b, ti) || text(b, oi) != text(a, ti) {
				out = append(out, p.Failure{Subject: id,
					Observed: fmt.Sprintf("%s vs %s, %s vs %s", text(a, ti), text(a, oi), text(b, ti), text(b, oi)),
					Expected: "two different teams, each the other's opponent"})
			}
		}
		return out
	}}
}

// offensePointsMirror: my points_scored is my opponent's opponent_points.
func offensePointsMirror() p.Check {
	t := TeamOffenseTable
	return p.Check{Name: "points_mirror", Severity: p.Critical, Eval: func(_ p.Compute, staged []p.Row) []p.Failure {
		ids, byGame := gamePairs(t, staged)
		var out []p.Failure
		for _, id := range ids {
			rows := byGame[id]
			if len(rows) != 2 {
				continue
			}
			for i, r := range rows {
				other := rows[1-i]
				if r[to.points] != other[to.oppPoints] {
					out = append(out, p.Failure{Subject: subject(t, r), Observed: fmt.Sprint(r[to.points]),
						Expected: fmt.Sprint(other[to.oppPoints])})
				}
			}
		}
		return out
	}}
}

// defensePointsMirror: my points_allowed are the points the other team
// scored according to the input the row says it came from.
func defensePointsMirror() p.Check {
	t := TeamDefenseTable
	gi, oi := t.MustCol("game_id"), t.MustCol("opponent_team_abbr")
	ai, si := t.MustCol("points_allowed"), t.MustCol("data_source")
	return p.Check{Name: "points_mirror", Severity: p.Critical, Eval: func(c p.Compute, staged []p.Row) []p.Failure {
		scored, err := inputPoints(c)
		if err != nil {
			return inputFailure(err)
		}
		var out []p.Failure
		for _, r := range staged {
			want, ok := scored[text(r, si)][teamKey{text(r, gi), text(r, oi)}]
			if got, _ := integer(r, ai); !ok || got != want {
				exp := "no input row"
				if ok {
					exp = strconv.FormatInt(want, 10)
				}
				out = append(out, p.Failure{Subject: subject(t, r), Observed: fmt.Sprint(r[ai]), Expected: exp})
			}
		}
		return out
	}}
}

// inputPoints is each team's points per data source: the box score's, and
// the sum of the active gamebook players'.
func inputPoints(c p.Compute) (map[string]map[teamKey]int64, error) {
	boxRows, err := readRows(c.Inputs, TeamBoxTable, c.Date)
	if err != nil {
		return nil, err
	}
	gbRows, err := readRows(c.Inputs, GamebookTable, c.Date)
	if err != nil {
		return nil, err
	}
	out := map[string]map[teamKey]int64{sourceBox: {}, sourceGamebook: {}}
	pts := TeamBoxTable.MustCol("points")
	for _, r := range boxRows {
		out[sourceBox][teamKey{text(r, tb.gameID), text(r, tb.team)}], _ = integer(r, pts)
	}
	ptsCol := GamebookTable.MustCol("points")
	for _, r := range gbRows {
		if v, ok := integer(r, ptsCol); ok && text(r, gb.status) == "active" {
			out[sourceGamebook][teamKey{text(r, gb.gameID), text(r, gb.team)}] += v
		}
	}
	return out, nil
}

// homeGameMatchesSchedule: home_game says what D's schedule says, which
// catches swapped home and away teams and rows of games not on it.
func homeGameMatchesSchedule(t *p.Table, teamCol string) p.Check {
	gi, ti, hi := t.MustCol("game_id"), t.MustCol(teamCol), t.MustCol("home_game")
	return p.Check{Name: "home_game_matches_schedule", Severity: p.Critical, Eval: func(c p.Compute, staged []p.Row) []p.Failure {
		rows, err := readRows(c.Inputs, ScheduleTable, c.Date)
		if err != nil {
			return inputFailure(err)
		}
		games := make(map[string]game)
		for _, g := range scheduleGames(rows) {
			games[g.id] = g
		}
		var out []p.Failure
		for _, r := range staged {
			_, home, ok := games[text(r, gi)].opponent(text(r, ti))
			if !ok {
				out = append(out, p.Failure{Subject: subject(t, r), Observed: "not on the schedule",
					Expected: "a team of a game on " + c.Date.String()})
			} else if boolean(r, hi) != home {
				out = append(out, p.Failure{Subject: subject(t, r), Observed: strconv.FormatBool(boolean(r, hi)),
					Expected: strconv.FormatBool(home)})
			}
		}
		return out
	}}
}

// sortTeamKeys orders team keys by game, then team, for stable reports.
func sortTeamKeys(keys []teamKey) {
	slices.SortFunc(keys, func(a, b teamKey) int {
		return cmp.Or(cmp.Compare(a.gameID, b.gameID), cmp.Compare(a.team, b.team))
	})
}

// Possessions per regulation game (SPEC §5); the range grows with the
// game's length, so that a real four-overtime game (about 142) passes.
const minPossessions, maxPossessions = 60.0, 140.0

// possessionsRange is "possessions_range": possessions within [60, 140] ×
// (team minutes / 240); a row without team minutes is taken as a
// regulation game.
func possessionsRange(t *p.Table) p.Check {
	pi, mi := t.MustCol("possessions"), t.MustCol("team_minutes")
	return p.Check{Name: "possessions_range", Severity: p.Critical, Eval: func(_ p.Compute, staged []p.Row) []p.Failure {
		var out []p.Failure
		for _, r := range staged {
			v, ok := number(r[pi])
			if !ok {
				continue
			}
			minutes := regulationMinutes
			if m, ok := number(r[mi]); ok && m > 0 {
				minutes = m
			}
			lo, hi := minPossessions*minutes/regulationMinutes, maxPossessions*minutes/regulationMinutes
			if math.IsNaN(v) || v < lo || v > hi {
				out = append(out, p.Failure{Subject: subject(t, r), Observed: num(v),
					Expected: fmt.Sprintf("in [%s, %s] (%s to %s per 240 team minutes; %s played)",
						num(lo), num(hi), num(minPossessions), num(maxPossessions), num(minutes))})
			}
		}
		return out
	}}
}
