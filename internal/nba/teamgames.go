package nba

import p "github.com/statgate/statgate/internal/pipeline"

// Values of data_source in the team summaries.
const (
	sourceBox      = "team_boxscore"
	sourceGamebook = "gamebook_sum"
)

// teamInputs are the declared inputs of both team summaries: they read the
// same raw partitions and neither depends on the other.
func teamInputs() []p.Input {
	return []p.Input{
		// A game the box score is overdue for may be summed from the
		// gamebook; the gate allows it only for games the gamebook covers
		// (both teams' active players), never from a half-written one.
		{Table: TeamBox, Window: p.Same, Required: true, Fallback: Gamebook},
		{Table: Schedule, Window: p.Same, Required: true},
		{Table: Gamebook, Window: p.Same},
	}
}

// gameTotals is one final game's two team lines, with home and opponent
// fields taken from the schedule, and the possessions both teams share.
type gameTotals struct {
	game       game
	home, away teamLine
	poss       float64
	source     string
}

// side is one team's view of a game: its line and its opponent's.
type side struct {
	team, opp teamLine
	home      bool
}

// sides lists the game from the away team's view, then the home team's.
func (g gameTotals) sides() [2]side {
	return [2]side{{team: g.away, opp: g.home}, {team: g.home, opp: g.away, home: true}}
}

// teamGames returns the totals of every final game on D's schedule whose
// two team lines are known: from the team box score when both rows are there,
// else, for games the gate put in FallbackGames, summed from the gamebook.
// Other games are left out; whether the partition is complete enough to
// publish is the engine's decision, not the processor's.
func teamGames(c p.Compute) ([]gameTotals, error) {
	schedRows, err := readRows(c.Inputs, ScheduleTable, c.Date)
	if err != nil {
		return nil, err
	}
	boxRows, err := readRows(c.Inputs, TeamBoxTable, c.Date)
	if err != nil {
		return nil, err
	}
	gbRows, err := readRows(c.Inputs, GamebookTable, c.Date)
	if err != nil {
		return nil, err
	}
	box, err := boxLines(boxRows)
	if err != nil {
		return nil, err
	}
	boxBy := make(map[teamKey]teamLine, len(box))
	for _, l := range box {
		boxBy[teamKey{l.gameID, l.team}] = l
	}
	var summed map[teamKey]teamLine // parsed only when a game needs it
	var out []gameTotals
	for _, g := range scheduleGames(schedRows) {
		if !g.final() {
			continue
		}
		home, okH := boxBy[teamKey{g.id, g.home}]
		away, okA := boxBy[teamKey{g.id, g.away}]
		source := sourceBox
		if !okH || !okA {
			if !c.FallbackGames[g.id] {
				continue
			}
			if summed == nil {
				if summed, err = gamebookTotals(gbRows); err != nil {
					return nil, err
				}
			}
			home, okH = summed[teamKey{g.id, g.home}]
			away, okA = summed[teamKey{g.id, g.away}]
			if !okH || !okA {
				continue
			}
			source = sourceGamebook
		}
		home.opp, home.home = g.away, true
		away.opp, away.home = g.home, false
		out = append(out, gameTotals{game: g, home: home, away: away,
			poss: possessions(home.stats, away.stats), source: source})
	}
	return out, nil
}

// gamebookTotals sums each team's active players into a team line. Tm MP is
// five times the game's length, so it is rounded to the nearest overtime:
// each player's minutes are rounded to the second on his own, and the sum of
// a team's player minutes can miss 240 (or 265, …) by a few seconds; the box
// score would report the exact value. Teams without an active player get no
// line.
func gamebookTotals(rows []p.Row) (map[teamKey]teamLine, error) {
	players, err := gamebookLines(rows)
	if err != nil {
		return nil, err
	}
	sums := make(map[teamKey]teamLine)
	for _, pl := range players {
		if !pl.active {
			continue
		}
		k := teamKey{pl.gameID, pl.team}
		l := sums[k]
		l.gameID, l.team, l.opp = pl.gameID, pl.team, pl.opp
		l.minutes += pl.minutes
		l.add(pl.stats)
		sums[k] = l
	}
	for k, l := range sums {
		l.minutes = regulationMinutes + overtimeMinutes*float64(overtimePeriods(l.minutes))
		sums[k] = l
	}
	return sums, nil
}
