package nba

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	p "github.com/statgate/statgate/internal/pipeline"
)

// Typed views of input rows. Processors parse the rows they read once into
// these records and compute on plain fields; column indexes are resolved
// when the package loads, so a renamed column fails at start-up.

func colsOf(t *p.Table, names ...string) []int {
	idx := make([]int, len(names))
	for i, n := range names {
		idx[i] = t.MustCol(n)
	}
	return idx
}

// Each table's stat columns in stats.fields order (the gamebook's are
// gamebookStats, in schema.go).
var (
	boxStatNames = []string{"points", "fg_made", "fg_attempted", "three_pt_made",
		"three_pt_attempted", "ft_made", "ft_attempted", "offensive_rebounds", "defensive_rebounds",
		"total_rebounds", "assists", "steals", "blocks", "turnovers", "personal_fouls"}
	summaryStatNames = []string{"points", "fg_makes", "fg_attempts", "three_pt_makes",
		"three_pt_attempts", "ft_makes", "ft_attempts", "offensive_rebounds", "defensive_rebounds",
		"total_rebounds", "assists", "steals", "blocks", "turnovers", "personal_fouls"}

	gamebookStatCols = colsOf(GamebookTable, gamebookStats...)
	boxStatCols      = colsOf(TeamBoxTable, boxStatNames...)
)

func readStats(r p.Row, cols []int) stats {
	var s stats
	for i, f := range s.fields() {
		*f, _ = integer(r, cols[i])
	}
	return s
}

// finalStatus is game_status for a finished game.
const finalStatus = 3

// game is one row of nbac_schedule.
type game struct {
	id, gameType, home, away string
	date                     p.Date
	season, status           int64
	homeScore, awayScore     int64
	scored                   bool
}

var sc = struct{ id, date, season, gameType, home, away, status, homeScore, awayScore int }{
	id: ScheduleTable.MustCol("game_id"), date: ScheduleTable.MustCol("game_date"),
	season: ScheduleTable.MustCol("season_year"), gameType: ScheduleTable.MustCol("game_type"),
	home: ScheduleTable.MustCol("home_team_abbr"), away: ScheduleTable.MustCol("away_team_abbr"),
	status: ScheduleTable.MustCol("game_status"), homeScore: ScheduleTable.MustCol("home_score"),
	awayScore: ScheduleTable.MustCol("away_score"),
}

// scheduleGames parses schedule rows, ordered by date and game id.
func scheduleGames(rows []p.Row) []game {
	out := make([]game, 0, len(rows))
	for _, r := range rows {
		g := game{id: text(r, sc.id), date: date(r, sc.date), gameType: text(r, sc.gameType),
			home: text(r, sc.home), away: text(r, sc.away)}
		g.season, _ = integer(r, sc.season)
		g.status, _ = integer(r, sc.status)
		hs, ok1 := integer(r, sc.homeScore)
		as, ok2 := integer(r, sc.awayScore)
		g.homeScore, g.awayScore, g.scored = hs, as, ok1 && ok2
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b game) int {
		return cmp.Or(cmp.Compare(a.date, b.date), cmp.Compare(a.id, b.id))
	})
	return out
}

func (g game) final() bool { return g.status == finalStatus }

// opponent returns team's opponent and whether team is at home; ok is false
// when team does not play in g.
func (g game) opponent(team string) (opp string, home, ok bool) {
	switch team {
	case g.home:
		return g.away, true, true
	case g.away:
		return g.home, false, true
	}
	return "", false, false
}

// teamLine is one team's totals in one game, from the team box score or
// summed from the gamebook.
type teamLine struct {
	gameID, team, opp string
	home              bool
	minutes           float64
	stats
}

var tb = struct{ gameID, team, opp, home, minutes int }{
	gameID: TeamBoxTable.MustCol("game_id"), team: TeamBoxTable.MustCol("team_abbr"),
	opp: TeamBoxTable.MustCol("opponent_team_abbr"), home: TeamBoxTable.MustCol("is_home"),
	minutes: TeamBoxTable.MustCol("minutes"),
}

func boxLines(rows []p.Row) ([]teamLine, error) {
	out := make([]teamLine, 0, len(rows))
	for _, r := range rows {
		l := teamLine{gameID: text(r, tb.gameID), team: text(r, tb.team), opp: text(r, tb.opp),
			home: boolean(r, tb.home), stats: readStats(r, boxStatCols)}
		m, err := parseClock(text(r, tb.minutes))
		if err != nil {
			return nil, fmt.Errorf("%s %s %s: %w", TeamBox, l.gameID, l.team, err)
		}
		l.minutes = m
		out = append(out, l)
	}
	return out, nil
}

// playerLine is one gamebook row. Stats and minutes are zero unless active.
type playerLine struct {
	row                               p.Row
	gameID, team, opp, lookup, status string
	active                            bool
	minutes                           float64
	stats
}

var gb = struct {
	gameID, season, team, opp, playerID, lookup, name, status, starter, minutes, plusMinus int
}{
	gameID: GamebookTable.MustCol("game_id"), season: GamebookTable.MustCol("season_year"),
	playerID: GamebookTable.MustCol("player_id"), name: GamebookTable.MustCol("player_name"),
	starter: GamebookTable.MustCol("starter"), plusMinus: GamebookTable.MustCol("plus_minus"),
	team: GamebookTable.MustCol("team_abbr"),
	opp:  GamebookTable.MustCol("opponent_team_abbr"), lookup: GamebookTable.MustCol("player_lookup"),
	status: GamebookTable.MustCol("player_status"), minutes: GamebookTable.MustCol("minutes"),
}

func gamebookLines(rows []p.Row) ([]playerLine, error) {
	out := make([]playerLine, 0, len(rows))
	for _, r := range rows {
		l := playerLine{row: r, gameID: text(r, gb.gameID), team: text(r, gb.team),
			opp: text(r, gb.opp), lookup: text(r, gb.lookup), status: text(r, gb.status)}
		l.active = l.status == "active"
		if l.active {
			m, err := parseClock(text(r, gb.minutes))
			if err != nil {
				return nil, fmt.Errorf("%s %s %s: %w", Gamebook, l.gameID, l.lookup, err)
			}
			l.minutes, l.stats = m, readStats(r, gamebookStatCols)
		}
		out = append(out, l)
	}
	return out, nil
}

// offenseLine is the part of a team_offense_game_summary row that other
// processors and checks use.
type offenseLine struct {
	gameID, team, opp         string
	date                      p.Date
	win                       bool
	points, oppPoints         int64
	fga, fta, tov             int64
	minutes, poss, pace, ortg float64
}

var to = struct {
	gameID, date, team, opp, win, points, oppPoints, fga, fta, tov, minutes, poss, pace, ortg int
}{
	gameID: TeamOffenseTable.MustCol("game_id"), date: TeamOffenseTable.MustCol("game_date"),
	team: TeamOffenseTable.MustCol("team_abbr"), opp: TeamOffenseTable.MustCol("opponent_team_abbr"),
	win: TeamOffenseTable.MustCol("win_flag"), points: TeamOffenseTable.MustCol("points_scored"),
	oppPoints: TeamOffenseTable.MustCol("opponent_points"), fga: TeamOffenseTable.MustCol("fg_attempts"),
	fta: TeamOffenseTable.MustCol("ft_attempts"), tov: TeamOffenseTable.MustCol("turnovers"),
	minutes: TeamOffenseTable.MustCol("team_minutes"), poss: TeamOffenseTable.MustCol("possessions"),
	pace: TeamOffenseTable.MustCol("pace"), ortg: TeamOffenseTable.MustCol("offensive_rating"),
}

func offenseLines(rows []p.Row) []offenseLine {
	out := make([]offenseLine, 0, len(rows))
	for _, r := range rows {
		l := offenseLine{gameID: text(r, to.gameID), date: date(r, to.date), team: text(r, to.team),
			opp: text(r, to.opp), win: boolean(r, to.win)}
		l.points, _ = integer(r, to.points)
		l.oppPoints, _ = integer(r, to.oppPoints)
		l.fga, _ = integer(r, to.fga)
		l.fta, _ = integer(r, to.fta)
		l.tov, _ = integer(r, to.tov)
		l.minutes, _ = decimal(r, to.minutes)
		l.poss, _ = decimal(r, to.poss)
		l.pace, _ = decimal(r, to.pace)
		l.ortg, _ = decimal(r, to.ortg)
		out = append(out, l)
	}
	return out
}

// teamKey identifies a team in a game.
type teamKey struct{ gameID, team string }

func offenseByTeam(lines []offenseLine) map[teamKey]offenseLine {
	m := make(map[teamKey]offenseLine, len(lines))
	for _, l := range lines {
		m[teamKey{l.gameID, l.team}] = l
	}
	return m
}

// propLine is one bookmaker's points line for a player.
type propLine struct {
	lookup, bookmaker string
	line              float64
	captured          time.Time
}

var pp = struct{ lookup, bookmaker, line, captured int }{
	lookup: PointsPropsTable.MustCol("player_lookup"), bookmaker: PointsPropsTable.MustCol("bookmaker"),
	line: PointsPropsTable.MustCol("points_line"), captured: PointsPropsTable.MustCol("captured_at"),
}

func propLines(rows []p.Row) []propLine {
	out := make([]propLine, 0, len(rows))
	for _, r := range rows {
		l := propLine{lookup: text(r, pp.lookup), bookmaker: text(r, pp.bookmaker)}
		l.line, _ = decimal(r, pp.line)
		l.captured, _ = r[pp.captured].(time.Time)
		out = append(out, l)
	}
	return out
}
