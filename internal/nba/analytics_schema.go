package nba

import p "github.com/statgate/statgate/internal/pipeline"

func ints(names ...string) []p.Column {
	cols := make([]p.Column, len(names))
	for i, n := range names {
		cols[i] = req(n, p.Int)
	}
	return cols
}

func cat(parts ...[]p.Column) []p.Column {
	var out []p.Column
	for _, c := range parts {
		out = append(out, c...)
	}
	return out
}

func cols(c ...p.Column) []p.Column { return c }

// TeamOffenseTable is team_offense_game_summary.
var TeamOffenseTable = p.NewTable(TeamOffense, p.Analytics, []string{"game_id", "team_abbr"}, cat(
	cols(req("game_id", p.Text), req("game_date", p.DateType), req("season_year", p.Int),
		req("team_abbr", p.Text), req("opponent_team_abbr", p.Text), req("home_game", p.Bool),
		req("win_flag", p.Bool)),
	ints("points_scored", "opponent_points", "margin_of_victory", "fg_makes", "fg_attempts",
		"three_pt_makes", "three_pt_attempts", "ft_makes", "ft_attempts", "offensive_rebounds",
		"defensive_rebounds", "total_rebounds", "assists", "steals", "blocks", "turnovers",
		"personal_fouls"),
	cols(req("team_minutes", p.Float), req("overtime_periods", p.Int), req("possessions", p.Float),
		req("pace", p.Float), req("offensive_rating", p.Float), opt("ts_pct", p.Float),
		opt("efg_pct", p.Float), req("data_source", p.Text, p.OneOf("team_boxscore", "gamebook_sum"))),
)...)

// TeamDefenseTable is team_defense_game_summary.
var TeamDefenseTable = p.NewTable(TeamDefense, p.Analytics, []string{"game_id", "defending_team_abbr"}, cat(
	cols(req("game_id", p.Text), req("game_date", p.DateType), req("season_year", p.Int),
		req("defending_team_abbr", p.Text), req("opponent_team_abbr", p.Text),
		req("home_game", p.Bool), req("win_flag", p.Bool)),
	ints("points_allowed", "opp_fg_makes", "opp_fg_attempts", "opp_three_pt_makes",
		"opp_three_pt_attempts", "opp_ft_makes", "opp_ft_attempts", "opp_offensive_rebounds",
		"defensive_rebounds", "turnovers_forced", "steals", "blocks"),
	cols(req("possessions", p.Float), req("defensive_rating", p.Float), req("opponent_pace", p.Float),
		opt("opponent_ts_pct", p.Float), opt("opponent_efg_pct", p.Float),
		req("data_source", p.Text, p.OneOf("team_boxscore", "gamebook_sum"))),
	// Added by migration 00006: nullable, since rows computed before it
	// have none.
	cols(opt("team_minutes", p.Float), opt("overtime_periods", p.Int)),
)...)

// PlayerGameTable is player_game_summary.
var PlayerGameTable = func() *p.Table {
	c := cols(req("game_id", p.Text), req("game_date", p.DateType), req("season_year", p.Int),
		req("player_id", p.Text), req("player_lookup", p.Text), req("player_name", p.Text),
		req("team_abbr", p.Text), req("opponent_team_abbr", p.Text), req("player_status", p.Text),
		req("is_dnp", p.Bool), req("starter", p.Bool), opt("minutes_played", p.Float))
	for _, n := range []string{"points", "fg_makes", "fg_attempts", "three_pt_makes",
		"three_pt_attempts", "ft_makes", "ft_attempts", "offensive_rebounds", "defensive_rebounds",
		"total_rebounds", "assists", "steals", "blocks", "turnovers", "personal_fouls", "plus_minus"} {
		c = append(c, opt(n, p.Int))
	}
	c = append(c, opt("ts_pct", p.Float), opt("efg_pct", p.Float), opt("usage_rate", p.Float),
		req("win_flag", p.Bool), opt("points_line", p.Float),
		opt("over_under_result", p.Text, p.OneOf("OVER", "UNDER")), opt("points_margin", p.Float),
		opt("team_possessions", p.Float))
	return p.NewTable(PlayerGame, p.Analytics, []string{"game_id", "player_lookup"}, c...)
}()

// UpcomingTeamTable is upcoming_team_game_context.
var UpcomingTeamTable = p.NewTable(UpcomingTeam, p.Analytics, []string{"game_id", "team_abbr"},
	req("game_id", p.Text), req("game_date", p.DateType), req("team_abbr", p.Text),
	req("opponent_team_abbr", p.Text), req("home_game", p.Bool), opt("days_rest", p.Int),
	req("back_to_back", p.Bool), req("games_last_7_days", p.Int), req("last10_games", p.Int),
	req("last10_wins", p.Int), opt("avg_pace_last10", p.Float),
	opt("avg_offensive_rating_last10", p.Float), opt("avg_defensive_rating_last10", p.Float),
)

// UpcomingPlayerTable is upcoming_player_game_context.
var UpcomingPlayerTable = p.NewTable(UpcomingPlayer, p.Analytics, []string{"game_id", "player_lookup"},
	req("game_id", p.Text), req("game_date", p.DateType), req("player_lookup", p.Text),
	req("player_name", p.Text), req("team_abbr", p.Text), req("opponent_team_abbr", p.Text),
	req("home_game", p.Bool), opt("days_rest", p.Int), req("games_last_7_days", p.Int),
	opt("avg_points_last5", p.Float), opt("avg_points_last10", p.Float),
	opt("avg_minutes_last5", p.Float), opt("avg_usage_rate_last5", p.Float),
	opt("avg_ts_pct_last10", p.Float), opt("team_days_rest", p.Int), opt("points_line", p.Float),
)

// Catalog lists every table statgate knows: raw tables first, then analytics
// tables in the order SPEC §4 gives them.
var Catalog = p.NewCatalog(
	ScheduleTable, GamebookTable, TeamBoxTable, PointsPropsTable,
	TeamOffenseTable, TeamDefenseTable, PlayerGameTable, UpcomingTeamTable, UpcomingPlayerTable,
)
