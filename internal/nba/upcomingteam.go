package nba

import (
	"cmp"
	"slices"

	p "github.com/statgate/statgate/internal/pipeline"
)

// UpcomingTeamProcessor computes upcoming_team_game_context: for each team
// on D's schedule (whatever the game's status), its rest and its form over
// the thirty days before D.
type UpcomingTeamProcessor struct{}

var _ p.Processor = UpcomingTeamProcessor{}

// Name implements pipeline.Processor.
func (UpcomingTeamProcessor) Name() string { return UpcomingTeam }

// Output implements pipeline.Processor.
func (UpcomingTeamProcessor) Output() *p.Table { return UpcomingTeamTable }

// Version implements pipeline.Processor.
func (UpcomingTeamProcessor) Version() string { return "1" }

// Inputs implements pipeline.Processor.
func (UpcomingTeamProcessor) Inputs() []p.Input {
	return []p.Input{
		{Table: Schedule, Window: p.Same, Required: true},
		{Table: Schedule, Window: p.Last30, Required: true},
		{Table: TeamOffense, Window: p.Last30, Required: true},
		{Table: TeamDefense, Window: p.Last30, Required: true},
	}
}

// formWindow is how many recent games the last10 columns cover.
const formWindow = 10

// teamForm is one past game of a team with both summaries published.
type teamForm struct {
	off  offenseLine
	drtg float64
}

// teamHistory is what the window says about each team.
type teamHistory struct {
	scheduled map[string][]p.Date   // dates of the team's scheduled games, oldest first
	form      map[string][]teamForm // ≤ formWindow games with both summaries, most recent first
}

func readTeamHistory(c p.Compute) (*teamHistory, error) {
	schedRows, err := readWindow(c.Inputs, ScheduleTable, p.Last30, c.Date)
	if err != nil {
		return nil, err
	}
	offRows, err := readWindow(c.Inputs, TeamOffenseTable, p.Last30, c.Date)
	if err != nil {
		return nil, err
	}
	defRows, err := readWindow(c.Inputs, TeamDefenseTable, p.Last30, c.Date)
	if err != nil {
		return nil, err
	}
	h := &teamHistory{scheduled: make(map[string][]p.Date), form: make(map[string][]teamForm)}
	for _, g := range scheduleGames(schedRows) {
		h.scheduled[g.home] = append(h.scheduled[g.home], g.date)
		h.scheduled[g.away] = append(h.scheduled[g.away], g.date)
	}
	drtg := make(map[teamKey]float64, len(defRows))
	gameCol, teamCol, ratingCol := TeamDefenseTable.MustCol("game_id"),
		TeamDefenseTable.MustCol("defending_team_abbr"), TeamDefenseTable.MustCol("defensive_rating")
	for _, r := range defRows {
		drtg[teamKey{text(r, gameCol), text(r, teamCol)}], _ = decimal(r, ratingCol)
	}
	// Newest first, stopping at formWindow games a team: older ones are
	// never averaged.
	lines := offenseLines(offRows)
	slices.SortFunc(lines, func(a, b offenseLine) int {
		return cmp.Or(cmp.Compare(b.date, a.date), cmp.Compare(b.gameID, a.gameID))
	})
	for _, o := range lines {
		d, ok := drtg[teamKey{o.gameID, o.team}]
		if !ok || len(h.form[o.team]) == formWindow {
			continue
		}
		if h.form[o.team] == nil {
			h.form[o.team] = make([]teamForm, 0, formWindow)
		}
		h.form[o.team] = append(h.form[o.team], teamForm{off: o, drtg: d})
	}
	return h, nil
}

// Compute implements pipeline.Processor.
func (UpcomingTeamProcessor) Compute(c p.Compute) ([]p.Row, error) {
	todayRows, err := readRows(c.Inputs, ScheduleTable, c.Date)
	if err != nil {
		return nil, err
	}
	h, err := readTeamHistory(c)
	if err != nil {
		return nil, err
	}
	var rows []p.Row
	for _, g := range scheduleGames(todayRows) {
		for _, team := range []string{g.away, g.home} {
			rows = append(rows, h.contextRow(c.Date, g, team))
		}
	}
	UpcomingTeamTable.SortRows(rows)
	return rows, nil
}

func (h *teamHistory) contextRow(d p.Date, g game, team string) p.Row {
	opp, home, _ := g.opponent(team)
	b := newRow(UpcomingTeamTable).
		set("game_id", g.id).
		set("game_date", d).
		set("team_abbr", team).
		set("opponent_team_abbr", opp).
		set("home_game", home)
	rest, ok := daysRest(d, h.scheduled[team])
	b.setInt("days_rest", rest, ok).
		set("back_to_back", ok && rest == 0).
		set("games_last_7_days", countSince(h.scheduled[team], d.AddDays(-7)))
	form := h.form[team]
	var wins int64
	var paces, ortgs, drtgs []float64
	for _, f := range form {
		if f.off.win {
			wins++
		}
		paces = append(paces, f.off.pace)
		ortgs = append(ortgs, f.off.ortg)
		drtgs = append(drtgs, f.drtg)
	}
	return b.set("last10_games", int64(len(form))).
		set("last10_wins", wins).
		set("avg_pace_last10", mean(paces)).
		set("avg_offensive_rating_last10", mean(ortgs)).
		set("avg_defensive_rating_last10", mean(drtgs)).
		row
}

// daysRest is the number of days between the latest of dates (oldest first,
// all before d) and d, minus one: a back-to-back is 0.
func daysRest(d p.Date, dates []p.Date) (int64, bool) {
	if len(dates) == 0 {
		return 0, false
	}
	return int64(d-dates[len(dates)-1]) - 1, true
}

// countSince counts the dates on or after from.
func countSince(dates []p.Date, from p.Date) int64 {
	var n int64
	for _, x := range dates {
		if x >= from {
			n++
		}
	}
	return n
}

// mean averages vs in order, so equal inputs give bit-equal results; NULL
// (nil) when there is nothing to average.
func mean(vs []float64) any {
	if len(vs) == 0 {
		return nil
	}
	var sum float64
	for _, v := range vs {
		sum += v
	}
	return sum / float64(len(vs))
}

// Checks implements pipeline.Processor (SPEC §5).
func (UpcomingTeamProcessor) Checks() []p.Check {
	t := UpcomingTeamTable
	return []p.Check{
		keyUnique(t),
		gameDateMatches(t),
		atLeast(t, "days_rest", 0),
		inRange(t, "avg_pace_last10", 60, 130),
		inRange(t, "avg_offensive_rating_last10", 50, 200),
		inRange(t, "avg_defensive_rating_last10", 50, 200),
	}
}
