package nba

import p "github.com/statgate/statgate/internal/pipeline"

// TeamOffenseProcessor computes team_offense_game_summary: each team's
// totals, possessions, pace and offensive rating in each final game of D.
type TeamOffenseProcessor struct{}

var _ p.Processor = TeamOffenseProcessor{}

// Name implements pipeline.Processor.
func (TeamOffenseProcessor) Name() string { return TeamOffense }

// Output implements pipeline.Processor.
func (TeamOffenseProcessor) Output() *p.Table { return TeamOffenseTable }

// Version implements pipeline.Processor.
func (TeamOffenseProcessor) Version() string { return "1" }

// Inputs implements pipeline.Processor.
func (TeamOffenseProcessor) Inputs() []p.Input { return teamInputs() }

// Compute implements pipeline.Processor.
func (TeamOffenseProcessor) Compute(c p.Compute) ([]p.Row, error) {
	games, err := teamGames(c)
	if err != nil {
		return nil, err
	}
	rows := make([]p.Row, 0, 2*len(games))
	for _, g := range games {
		for _, s := range g.sides() {
			rows = append(rows, offenseRow(c.Date, g, s))
		}
	}
	TeamOffenseTable.SortRows(rows)
	return rows, nil
}

func offenseRow(d p.Date, g gameTotals, s side) p.Row {
	b := newRow(TeamOffenseTable).
		set("game_id", g.game.id).
		set("game_date", d).
		set("season_year", g.game.season).
		set("team_abbr", s.team.team).
		set("opponent_team_abbr", s.opp.team).
		set("home_game", s.home).
		set("win_flag", s.team.pts > s.opp.pts).
		set("opponent_points", s.opp.pts).
		set("margin_of_victory", s.team.pts-s.opp.pts).
		set("team_minutes", s.team.minutes).
		set("overtime_periods", overtimePeriods(s.team.minutes)).
		set("possessions", g.poss).
		set("pace", pace(g.poss, s.team.minutes)).
		set("offensive_rating", rating(s.team.pts, g.poss)).
		set("ts_pct", nullable(tsPct(s.team.pts, s.team.fga, s.team.fta))).
		set("efg_pct", nullable(efgPct(s.team.fg, s.team.fg3, s.team.fga))).
		set("data_source", g.source)
	st := s.team.stats
	for i, f := range st.fields() {
		name := summaryStatNames[i]
		if name == "points" {
			name = "points_scored"
		}
		b.set(name, *f)
	}
	return b.row
}

// Checks implements pipeline.Processor (SPEC §5).
func (TeamOffenseProcessor) Checks() []p.Check {
	t := TeamOffenseTable
	return []p.Check{
		keyUnique(t),
		gameDateMatches(t),
		twoRowsPerGame(t),
		opponentsPaired(t, "team_abbr"),
		offensePointsMirror(),
		homeGameMatchesSchedule(t, "team_abbr"),
		possessionsRange(t),
		inRange(t, "pace", 60, 130),
		inRange(t, "offensive_rating", 50, 200),
		positive(t, "points_scored"),
		positive(t, "fg_attempts"),
	}
}
