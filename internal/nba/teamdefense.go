package nba

import p "github.com/statgate/statgate/internal/pipeline"

// TeamDefenseProcessor computes team_defense_game_summary: what each team
// allowed in each final game of D. It reads the same raw partitions as team
// offense and does not depend on it, so the two can run side by side.
type TeamDefenseProcessor struct{}

var _ p.Processor = TeamDefenseProcessor{}

// Name implements pipeline.Processor.
func (TeamDefenseProcessor) Name() string { return TeamDefense }

// Output implements pipeline.Processor.
func (TeamDefenseProcessor) Output() *p.Table { return TeamDefenseTable }

// Version implements pipeline.Processor.
func (TeamDefenseProcessor) Version() string { return "2" }

// ChangedColumns implements pipeline.Changes: version 2 added the game's
// length (team minutes and overtime periods) and changed nothing else.
func (TeamDefenseProcessor) ChangedColumns() []string {
	return []string{"team_minutes", "overtime_periods"}
}

// Inputs implements pipeline.Processor.
func (TeamDefenseProcessor) Inputs() []p.Input { return teamInputs() }

// Compute implements pipeline.Processor.
func (TeamDefenseProcessor) Compute(c p.Compute) ([]p.Row, error) {
	games, err := teamGames(c)
	if err != nil {
		return nil, err
	}
	rows := make([]p.Row, 0, 2*len(games))
	for _, g := range games {
		for _, s := range g.sides() {
			rows = append(rows, defenseRow(c.Date, g, s))
		}
	}
	TeamDefenseTable.SortRows(rows)
	return rows, nil
}

func defenseRow(d p.Date, g gameTotals, s side) p.Row {
	tm, opp := s.team, s.opp
	return newRow(TeamDefenseTable).
		set("game_id", g.game.id).
		set("game_date", d).
		set("season_year", g.game.season).
		set("defending_team_abbr", tm.team).
		set("opponent_team_abbr", opp.team).
		set("home_game", s.home).
		set("win_flag", tm.pts > opp.pts).
		set("points_allowed", opp.pts).
		set("opp_fg_makes", opp.fg).
		set("opp_fg_attempts", opp.fga).
		set("opp_three_pt_makes", opp.fg3).
		set("opp_three_pt_attempts", opp.fg3a).
		set("opp_ft_makes", opp.ft).
		set("opp_ft_attempts", opp.fta).
		set("opp_offensive_rebounds", opp.orb).
		set("defensive_rebounds", tm.drb).
		set("turnovers_forced", opp.tov).
		set("steals", tm.stl).
		set("blocks", tm.blk).
		set("possessions", g.poss).
		set("defensive_rating", rating(opp.pts, g.poss)).
		set("opponent_pace", pace(g.poss, opp.minutes)).
		set("opponent_ts_pct", nullable(tsPct(opp.pts, opp.fga, opp.fta))).
		set("opponent_efg_pct", nullable(efgPct(opp.fg, opp.fg3, opp.fga))).
		set("data_source", g.source).
		set("team_minutes", tm.minutes).
		set("overtime_periods", overtimePeriods(tm.minutes)).
		row
}

// Checks implements pipeline.Processor (SPEC §5).
func (TeamDefenseProcessor) Checks() []p.Check {
	t := TeamDefenseTable
	return []p.Check{
		keyUnique(t),
		gameDateMatches(t),
		twoRowsPerGame(t),
		opponentsPaired(t, "defending_team_abbr"),
		defensePointsMirror(),
		homeGameMatchesSchedule(t, "defending_team_abbr"),
		possessionsRange(t),
		inRange(t, "opponent_pace", 60, 130),
		inRange(t, "defensive_rating", 50, 200),
		positive(t, "points_allowed"),
		positive(t, "opp_fg_attempts"),
	}
}
