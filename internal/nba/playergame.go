package nba

import (
	"time"

	p "github.com/statgate/statgate/internal/pipeline"
)

// PlayerGameProcessor computes player_game_summary: one row per gamebook
// row of D's final games, with shooting efficiency, usage against the same
// game's team_offense_game_summary row, the result and the points line.
type PlayerGameProcessor struct{}

var _ p.Processor = PlayerGameProcessor{}

// Name implements pipeline.Processor.
func (PlayerGameProcessor) Name() string { return PlayerGame }

// Output implements pipeline.Processor.
func (PlayerGameProcessor) Output() *p.Table { return PlayerGameTable }

// Version implements pipeline.Processor.
func (PlayerGameProcessor) Version() string { return "1" }

// PublishDeadline implements pipeline.Deadlined: a date's player summary is
// due by 12:00 UTC the next day, the morning after the games (SPEC §6 Late).
func (PlayerGameProcessor) PublishDeadline() p.PublishDeadline {
	return p.PublishDeadline{Days: 1, At: 12 * time.Hour}
}

// Inputs implements pipeline.Processor. Team offense is required: usage
// computed without the team's totals is how the incident of SPEC §1 began.
func (PlayerGameProcessor) Inputs() []p.Input {
	return []p.Input{
		{Table: Gamebook, Window: p.Same, Required: true},
		{Table: TeamOffense, Window: p.Same, Required: true},
		{Table: Schedule, Window: p.Same, Required: true},
		{Table: PointsProps, Window: p.Same, Required: false},
	}
}

// playerGameInputs is what one date's player rows are built from.
type playerGameInputs struct {
	games    map[string]game
	players  []playerLine
	teams    map[teamKey]offenseLine
	lines    map[string]float64
	gbPoints map[teamKey]int64
}

func readPlayerGameInputs(c p.Compute) (*playerGameInputs, error) {
	schedRows, err := readRows(c.Inputs, ScheduleTable, c.Date)
	if err != nil {
		return nil, err
	}
	gbRows, err := readRows(c.Inputs, GamebookTable, c.Date)
	if err != nil {
		return nil, err
	}
	offRows, err := readRows(c.Inputs, TeamOffenseTable, c.Date)
	if err != nil {
		return nil, err
	}
	in := &playerGameInputs{games: make(map[string]game), teams: offenseByTeam(offenseLines(offRows)),
		gbPoints: make(map[teamKey]int64)}
	if in.lines, err = pointsLines(c.Inputs, c.Date); err != nil {
		return nil, err
	}
	if in.players, err = gamebookLines(gbRows); err != nil {
		return nil, err
	}
	for _, g := range scheduleGames(schedRows) {
		if g.final() {
			in.games[g.id] = g
		}
	}
	for _, pl := range in.players {
		in.gbPoints[teamKey{pl.gameID, pl.team}] += pl.pts
	}
	return in, nil
}

// Compute implements pipeline.Processor. Rows of games that are not final
// on D's schedule are left out, as in the team summaries.
func (PlayerGameProcessor) Compute(c p.Compute) ([]p.Row, error) {
	in, err := readPlayerGameInputs(c)
	if err != nil {
		return nil, err
	}
	rows := make([]p.Row, 0, len(in.players))
	for _, pl := range in.players {
		g, ok := in.games[pl.gameID]
		if !ok {
			continue
		}
		rows = append(rows, in.playerRow(c.Date, g, pl))
	}
	PlayerGameTable.SortRows(rows)
	return rows, nil
}

func (in *playerGameInputs) playerRow(d p.Date, g game, pl playerLine) p.Row {
	r := pl.row
	b := newRow(PlayerGameTable).
		set("game_id", pl.gameID).
		set("game_date", d).
		set("season_year", r[gb.season]).
		set("player_id", r[gb.playerID]).
		set("player_lookup", pl.lookup).
		set("player_name", r[gb.name]).
		set("team_abbr", pl.team).
		set("opponent_team_abbr", pl.opp).
		set("player_status", pl.status).
		set("is_dnp", !pl.active).
		set("starter", r[gb.starter]).
		set("plus_minus", r[gb.plusMinus]).
		set("win_flag", in.teamWon(g, pl.team))
	line, hasLine := in.lines[pl.lookup]
	if hasLine {
		b.set("points_line", line)
	}
	result, margin := overUnder(pl.pts, pl.active, line, hasLine)
	b.set("over_under_result", result).set("points_margin", margin)
	team, hasTeam := in.teams[teamKey{pl.gameID, pl.team}]
	if hasTeam {
		b.set("team_possessions", team.poss)
	}
	if !pl.active {
		return b.row
	}
	st := pl.stats
	for i, f := range st.fields() {
		b.set(summaryStatNames[i], *f)
	}
	b.set("minutes_played", pl.minutes).
		set("ts_pct", nullable(tsPct(pl.pts, pl.fga, pl.fta))).
		set("efg_pct", nullable(efgPct(pl.fg, pl.fg3, pl.fga)))
	if hasTeam {
		teamStats := stats{fga: team.fga, fta: team.fta, tov: team.tov}
		b.set("usage_rate", nullable(usageRate(pl.stats, pl.minutes, teamStats, team.minutes)))
	}
	return b.row
}

// teamWon is the team's result: from its team_offense row when there is one,
// else from the schedule's final score, else from the gamebook's points.
func (in *playerGameInputs) teamWon(g game, team string) bool {
	if t, ok := in.teams[teamKey{g.id, team}]; ok {
		return t.points > t.oppPoints
	}
	opp, home, _ := g.opponent(team)
	if g.scored {
		if home {
			return g.homeScore > g.awayScore
		}
		return g.awayScore > g.homeScore
	}
	return in.gbPoints[teamKey{g.id, team}] > in.gbPoints[teamKey{g.id, opp}]
}

// Checks implements pipeline.Processor (SPEC §5).
func (PlayerGameProcessor) Checks() []p.Check {
	t := PlayerGameTable
	return []p.Check{
		keyUnique(t),
		gameDateMatches(t),
		inRange(t, "usage_rate", 0, 100),
		usagePresent(),
		usageMinutesWeighted(),
		teamAttemptsMatch(),
		pointsFormula(),
		teamMinutesSum(),
	}
}
