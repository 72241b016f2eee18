package nba

import (
	"errors"
	"fmt"
	"regexp"

	p "github.com/statgate/statgate/internal/pipeline"
)

// Names of the raw tables (SPEC §3) and analytics tables (SPEC §4).
const (
	Schedule    = "nbac_schedule"
	Gamebook    = "nbac_gamebook_player_stats"
	TeamBox     = "nbac_team_boxscore"
	PointsProps = "odds_api_player_points_props"

	TeamOffense     = "team_offense_game_summary"
	TeamDefense     = "team_defense_game_summary"
	PlayerGame      = "player_game_summary"
	UpcomingTeam    = "upcoming_team_game_context"
	UpcomingPlayer  = "upcoming_player_game_context"
	gameIDPattern   = `^[0-9]{8}_[A-Z]{2,4}_[A-Z]{2,4}$`
	lookupPattern   = `^[a-z0-9]+$`
	minutesPattern  = `^[0-9]{1,2}:[0-5][0-9]$`
	teamMinPattern  = `^[0-9]{3}:[0-5][0-9]$`
	abbrPattern     = `^[A-Z]{2,4}$`
	nbaGameIDLength = 10
)

func matches(pattern, what string) func(any) error {
	re := regexp.MustCompile(pattern)
	return func(v any) error {
		if s, _ := v.(string); re.MatchString(s) {
			return nil
		}
		return fmt.Errorf("%q is not %s", v, what)
	}
}

func intRange(lo, hi int64) func(any) error {
	return func(v any) error {
		if n, _ := v.(int64); n >= lo && n <= hi {
			return nil
		}
		return fmt.Errorf("%v is outside [%d, %d]", v, lo, hi)
	}
}

func nonNegative(v any) error {
	switch n := v.(type) {
	case int64:
		if n < 0 {
			return fmt.Errorf("%d is negative", n)
		}
	case float64:
		if n < 0 {
			return fmt.Errorf("%v is negative", n)
		}
	}
	return nil
}

var (
	checkGameID = matches(gameIDPattern, "a game id (YYYYMMDD_AWAY_HOME)")
	checkAbbr   = matches(abbrPattern, "a team abbreviation")
	checkLookup = matches(lookupPattern, "a player lookup (lowercase ASCII letters and digits)")
)

func req(name string, t p.Type, check ...func(any) error) p.Column {
	c := p.Column{Name: name, Type: t, Required: true}
	if len(check) > 0 {
		c.Check = check[0]
	}
	return c
}

func opt(name string, t p.Type, check ...func(any) error) p.Column {
	c := req(name, t, check...)
	c.Required = false
	return c
}

// gamebookStats are the gamebook's counting columns: present exactly when the
// player is active.
var gamebookStats = []string{
	"points", "field_goals_made", "field_goals_attempted", "three_pointers_made",
	"three_pointers_attempted", "free_throws_made", "free_throws_attempted",
	"offensive_rebounds", "defensive_rebounds", "total_rebounds", "assists", "steals",
	"blocks", "turnovers", "personal_fouls",
}

// ScheduleTable is nbac_schedule.
var ScheduleTable = withRowRule(checkScheduleRow, p.NewTable(Schedule, p.Raw, []string{"game_id"},
	req("game_id", p.Text, checkGameID),
	req("nba_game_id", p.Text, func(v any) error {
		if s, _ := v.(string); len(s) != nbaGameIDLength {
			return fmt.Errorf("%q is not %d characters", s, nbaGameIDLength)
		}
		return nil
	}),
	req("game_date", p.DateType),
	req("season_year", p.Int, intRange(1946, 2200)),
	req("game_type", p.Text, p.OneOf("regular", "play_in", "playoffs", "cup_final")),
	req("home_team_abbr", p.Text, checkAbbr),
	req("away_team_abbr", p.Text, checkAbbr),
	req("game_status", p.Int, intRange(1, 3)),
	opt("game_status_text", p.Text),
	opt("home_score", p.Int, nonNegative),
	opt("away_score", p.Int, nonNegative),
))

// checkScheduleRow: a team never plays itself, and a final game has its
// score (SPEC §3: the scores are empty only before the game).
func checkScheduleRow(t *p.Table, r p.Row) (string, error) {
	if col, err := scheduleTeams(t, r); err != nil {
		return col, err
	}
	if r[t.MustCol("game_status")] == int64(3) {
		for _, col := range []string{"home_score", "away_score"} {
			if r[t.MustCol(col)] == nil {
				return col, errors.New("required for a final game (game_status 3)")
			}
		}
	}
	return "", nil
}

var scheduleTeams = differentTeams("home_team_abbr", "away_team_abbr")

// GamebookTable is nbac_gamebook_player_stats.
var GamebookTable = func() *p.Table {
	cols := []p.Column{
		req("game_id", p.Text, checkGameID),
		req("game_date", p.DateType),
		req("season_year", p.Int, intRange(1946, 2200)),
		req("team_abbr", p.Text, checkAbbr),
		req("opponent_team_abbr", p.Text, checkAbbr),
		req("player_id", p.Text),
		req("player_lookup", p.Text, checkLookup),
		req("player_name", p.Text),
		req("player_status", p.Text, p.OneOf("active", "dnp", "inactive")),
		opt("dnp_reason", p.Text),
		req("starter", p.Bool),
		opt("minutes", p.Text, matches(minutesPattern, "minutes as MM:SS")),
	}
	for _, s := range gamebookStats {
		cols = append(cols, opt(s, p.Int, nonNegative))
	}
	cols = append(cols, opt("plus_minus", p.Int))
	return p.NewTable(Gamebook, p.Raw, []string{"game_id", "player_lookup"}, cols...)
}()

// The row rule is attached here rather than in GamebookTable's initialiser
// because it uses indexes resolved from the finished table.
func init() { GamebookTable.CheckRow = checkGamebookRow }

var errRequiredWhenActive = errors.New("required for an active player")

// checkGamebookRow enforces SPEC §3: minutes and stats are present for
// active players and empty for everyone else. plus_minus may be missing for
// an active player (162 real 2022-23 rows lack it) but not present for one
// who did not play.
func checkGamebookRow(t *p.Table, r p.Row) (string, error) {
	if r[gamebookIdx.team] == r[gamebookIdx.opponent] {
		return "opponent_team_abbr", fmt.Errorf("%v is the player's own team", r[gamebookIdx.opponent])
	}
	active := r[gamebookIdx.status] == "active"
	for _, i := range gamebookIdx.stats {
		v := r[i]
		if active && v == nil {
			return t.Columns[i].Name, errRequiredWhenActive
		}
		if !active && v != nil {
			return t.Columns[i].Name, fmt.Errorf("must be empty for a player who is %s", r[gamebookIdx.status])
		}
	}
	if !active && r[gamebookIdx.plusMinus] != nil {
		return "plus_minus", fmt.Errorf("must be empty for a player who is %s", r[gamebookIdx.status])
	}
	return "", nil
}

// gamebookIdx holds column indexes resolved once, since checkGamebookRow
// runs for every one of a season's 33,000 rows.
var gamebookIdx = func() (idx struct {
	team, opponent, status, plusMinus int
	stats                             []int
}) {
	t := GamebookTable
	idx.team, idx.opponent = t.MustCol("team_abbr"), t.MustCol("opponent_team_abbr")
	idx.status, idx.plusMinus = t.MustCol("player_status"), t.MustCol("plus_minus")
	for _, name := range append([]string{"minutes"}, gamebookStats...) {
		idx.stats = append(idx.stats, t.MustCol(name))
	}
	return idx
}()

// differentTeams is a row rule: a team never plays itself.
func differentTeams(a, b string) func(t *p.Table, r p.Row) (string, error) {
	return func(t *p.Table, r p.Row) (string, error) {
		if r[t.MustCol(a)] == r[t.MustCol(b)] {
			return b, fmt.Errorf("%v is also the %s", r[t.MustCol(b)], a)
		}
		return "", nil
	}
}

// TeamBoxTable is nbac_team_boxscore.
var TeamBoxTable = withRowRule(differentTeams("team_abbr", "opponent_team_abbr"), p.NewTable(TeamBox, p.Raw, []string{"game_id", "team_abbr"},
	req("game_id", p.Text, checkGameID),
	req("game_date", p.DateType),
	req("season_year", p.Int, intRange(1946, 2200)),
	req("team_abbr", p.Text, checkAbbr),
	req("opponent_team_abbr", p.Text, checkAbbr),
	req("is_home", p.Bool),
	req("minutes", p.Text, matches(teamMinPattern, "team minutes as MMM:SS")),
	req("fg_made", p.Int, nonNegative),
	req("fg_attempted", p.Int, nonNegative),
	req("three_pt_made", p.Int, nonNegative),
	req("three_pt_attempted", p.Int, nonNegative),
	req("ft_made", p.Int, nonNegative),
	req("ft_attempted", p.Int, nonNegative),
	req("offensive_rebounds", p.Int, nonNegative),
	req("defensive_rebounds", p.Int, nonNegative),
	req("total_rebounds", p.Int, nonNegative),
	req("assists", p.Int, nonNegative),
	req("steals", p.Int, nonNegative),
	req("blocks", p.Int, nonNegative),
	req("turnovers", p.Int, nonNegative),
	req("personal_fouls", p.Int, nonNegative),
	req("points", p.Int, nonNegative),
))

func withRowRule(rule func(*p.Table, p.Row) (string, error), t *p.Table) *p.Table {
	t.CheckRow = rule
	return t
}

// PointsPropsTable is odds_api_player_points_props.
var PointsPropsTable = p.NewTable(PointsProps, p.Raw, []string{"game_date", "player_lookup", "bookmaker"},
	req("game_id", p.Text, checkGameID),
	req("game_date", p.DateType),
	req("player_lookup", p.Text, checkLookup),
	req("bookmaker", p.Text, matches(`^[a-z0-9_]+$`, "a bookmaker key")),
	req("points_line", p.Float, nonNegative),
	req("captured_at", p.Timestamp),
)
