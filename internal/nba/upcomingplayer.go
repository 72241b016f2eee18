package nba

import (
	"cmp"
	"slices"

	p "github.com/statgate/statgate/internal/pipeline"
)

// UpcomingPlayerProcessor computes upcoming_player_game_context: for each
// team on D's schedule, every player whose latest game played in the thirty
// days before D was for that team, with his rest and recent averages. A
// traded player thus moves with his latest team, and appears once.
type UpcomingPlayerProcessor struct{}

var _ p.Processor = UpcomingPlayerProcessor{}

// Name implements pipeline.Processor.
func (UpcomingPlayerProcessor) Name() string { return UpcomingPlayer }

// Output implements pipeline.Processor.
func (UpcomingPlayerProcessor) Output() *p.Table { return UpcomingPlayerTable }

// Version implements pipeline.Processor.
func (UpcomingPlayerProcessor) Version() string { return "1" }

// Inputs implements pipeline.Processor.
func (UpcomingPlayerProcessor) Inputs() []p.Input {
	return []p.Input{
		{Table: Schedule, Window: p.Same, Required: true},
		{Table: PlayerGame, Window: p.Last30, Required: true},
		{Table: UpcomingTeam, Window: p.Same, Required: true},
		{Table: PointsProps, Window: p.Same, Required: false},
	}
}

// playedGame is one game a player was on the floor for.
type playedGame struct {
	gameID, team, name string
	date               p.Date
	minutes            float64
	points             int64
	hasPoints          bool
	usage, ts          float64
	hasUsage, hasTS    bool
}

var pg = struct{ gameID, date, lookup, name, team, minutes, points, usage, ts int }{
	gameID: PlayerGameTable.MustCol("game_id"), date: PlayerGameTable.MustCol("game_date"),
	lookup: PlayerGameTable.MustCol("player_lookup"), name: PlayerGameTable.MustCol("player_name"),
	team: PlayerGameTable.MustCol("team_abbr"), minutes: PlayerGameTable.MustCol("minutes_played"),
	points: PlayerGameTable.MustCol("points"), usage: PlayerGameTable.MustCol("usage_rate"),
	ts: PlayerGameTable.MustCol("ts_pct"),
}

// playedKey orders a player's games: by date, then game id.
type playedKey struct {
	date   p.Date
	gameID string
}

func (k playedKey) after(o playedKey) bool {
	return k.date > o.date || k.date == o.date && k.gameID > o.gameID
}

// history is one player's games played in the window, as rows.
type history struct {
	latest playedKey
	team   string // the team of his latest game played
	rows   []p.Row
}

// histories returns, for every player whose latest game played (minutes >
// 0) in the window was for a team in teams, his games played, most recent
// first. days are the window's partitions, newest first. Rows are only
// collected in the pass, and parsed for the few players who play on D.
func histories(days [][]p.Row, teams map[string][]game) map[string][]playedGame {
	states := make(map[string]*history)
	for _, rows := range days {
		for _, r := range rows {
			if m, ok := decimal(r, pg.minutes); !ok || m <= 0 {
				continue
			}
			lookup, k := text(r, pg.lookup), playedKey{date(r, pg.date), text(r, pg.gameID)}
			st := states[lookup]
			if st == nil {
				st = &history{latest: k, team: text(r, pg.team), rows: make([]p.Row, 0, 16)}
				states[lookup] = st
			} else if k.after(st.latest) {
				st.latest, st.team = k, text(r, pg.team)
			}
			st.rows = append(st.rows, r)
		}
	}
	out := make(map[string][]playedGame)
	for lookup, st := range states {
		if teams[st.team] != nil {
			out[lookup] = playedGames(st.rows)
		}
	}
	return out
}

// historyDepth is the most games any column looks back: ten for the
// last-10 averages; the games of the last seven days are among them, since a
// player plays at most once a day.
const historyDepth = 10

// playedGames parses a player's historyDepth latest games, most recent
// first.
func playedGames(rows []p.Row) []playedGame {
	// The rows come newest date first; sorting only orders games of one
	// date, whose order in a partition is arbitrary.
	slices.SortStableFunc(rows, func(a, b p.Row) int {
		return cmp.Or(cmp.Compare(date(b, pg.date), date(a, pg.date)), cmp.Compare(text(b, pg.gameID), text(a, pg.gameID)))
	})
	rows = rows[:min(historyDepth, len(rows))]
	games := make([]playedGame, 0, len(rows))
	for _, r := range rows {
		g := playedGame{gameID: text(r, pg.gameID), team: text(r, pg.team), name: text(r, pg.name),
			date: date(r, pg.date)}
		g.minutes, _ = decimal(r, pg.minutes)
		g.points, g.hasPoints = integer(r, pg.points)
		g.usage, g.hasUsage = decimal(r, pg.usage)
		g.ts, g.hasTS = decimal(r, pg.ts)
		games = append(games, g)
	}
	return games
}

// Compute implements pipeline.Processor.
func (UpcomingPlayerProcessor) Compute(c p.Compute) ([]p.Row, error) {
	todayRows, err := readRows(c.Inputs, ScheduleTable, c.Date)
	if err != nil {
		return nil, err
	}
	pgDays, err := readDays(c.Inputs, PlayerGameTable, p.Last30, c.Date)
	if err != nil {
		return nil, err
	}
	teamRows, err := readRows(c.Inputs, UpcomingTeamTable, c.Date)
	if err != nil {
		return nil, err
	}
	lines, err := pointsLines(c.Inputs, c.Date)
	if err != nil {
		return nil, err
	}
	gamesOf := make(map[string][]game)
	for _, g := range scheduleGames(todayRows) {
		gamesOf[g.home] = append(gamesOf[g.home], g)
		gamesOf[g.away] = append(gamesOf[g.away], g)
	}
	teamRest := make(map[teamKey]any, len(teamRows))
	for _, r := range teamRows {
		k := teamKey{text(r, UpcomingTeamTable.MustCol("game_id")), text(r, UpcomingTeamTable.MustCol("team_abbr"))}
		teamRest[k] = r[UpcomingTeamTable.MustCol("days_rest")]
	}
	var rows []p.Row
	for lookup, played := range histories(pgDays, gamesOf) {
		for _, g := range gamesOf[played[0].team] {
			b := playerContext(c.Date, g, lookup, played).
				set("team_days_rest", teamRest[teamKey{g.id, played[0].team}])
			if line, ok := lines[lookup]; ok {
				b.set("points_line", line)
			}
			rows = append(rows, b.row)
		}
	}
	UpcomingPlayerTable.SortRows(rows)
	return rows, nil
}

// playerContext fills the columns that depend on the player's own games
// (played, most recent first, never empty).
func playerContext(d p.Date, g game, lookup string, played []playedGame) rowBuilder {
	latest := played[0]
	opp, home, _ := g.opponent(latest.team)
	var last7 int64
	for _, x := range played {
		if x.date >= d.AddDays(-7) {
			last7++
		}
	}
	return newRow(UpcomingPlayerTable).
		set("game_id", g.id).
		set("game_date", d).
		set("player_lookup", lookup).
		set("player_name", latest.name).
		set("team_abbr", latest.team).
		set("opponent_team_abbr", opp).
		set("home_game", home).
		set("days_rest", int64(d-latest.date)-1).
		set("games_last_7_days", last7).
		set("avg_points_last5", avgRecent(played, 5, pointsOf)).
		set("avg_points_last10", avgRecent(played, 10, pointsOf)).
		set("avg_minutes_last5", avgRecent(played, 5, func(x playedGame) (float64, bool) { return x.minutes, true })).
		set("avg_usage_rate_last5", avgRecent(played, 5, func(x playedGame) (float64, bool) { return x.usage, x.hasUsage })).
		set("avg_ts_pct_last10", avgRecent(played, 10, func(x playedGame) (float64, bool) { return x.ts, x.hasTS }))
}

// avgRecent averages f's values over the player's n latest games played,
// leaving out NULLs rather than counting them as zero; NULL when nothing is
// left.
func avgRecent(played []playedGame, n int, f func(playedGame) (float64, bool)) any {
	var sum float64
	k := 0
	for _, x := range played[:min(n, len(played))] {
		if v, ok := f(x); ok {
			sum += v
			k++
		}
	}
	if k == 0 {
		return nil
	}
	return sum / float64(k)
}

func pointsOf(x playedGame) (float64, bool) { return float64(x.points), x.hasPoints }

// Checks implements pipeline.Processor (SPEC §5).
func (UpcomingPlayerProcessor) Checks() []p.Check {
	t := UpcomingPlayerTable
	return []p.Check{
		keyUnique(t),
		gameDateMatches(t),
		atLeast(t, "days_rest", 0),
		atLeast(t, "team_days_rest", 0),
		atLeast(t, "avg_points_last5", 0),
		atLeast(t, "avg_points_last10", 0),
		inRange(t, "avg_minutes_last5", 0, 70),
		inRange(t, "avg_usage_rate_last5", 0, 100),
		inRange(t, "avg_ts_pct_last10", 0, 1.5),
	}
}
