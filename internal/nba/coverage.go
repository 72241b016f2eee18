package nba

import (
	"slices"

	p "github.com/statgate/statgate/internal/pipeline"
)

// The completeness gate's view of the raw tables (SPEC §6): a date is
// complete for an input when every game the schedule lists on it is final
// and the input has both teams' rows for it.
func init() {
	ScheduleTable.Calendar = true
	ScheduleTable.Cover = coverSchedule
	GamebookTable.Cover = coverByTeams(GamebookTable, func(r p.Row) bool {
		return r[gamebookIdx.status] == "active"
	})
	TeamBoxTable.Cover = coverByTeams(TeamBoxTable, func(p.Row) bool { return true })
}

// coverSchedule lists every game of the day and those not yet final.
func coverSchedule(rows []p.Row) *p.Coverage {
	t := ScheduleTable
	id, status := t.MustCol("game_id"), t.MustCol("game_status")
	c := &p.Coverage{Games: []string{}}
	for _, r := range rows {
		g := r[id].(string)
		c.Games = append(c.Games, g)
		if r[status] != int64(3) {
			c.NotFinal = append(c.NotFinal, g)
		}
	}
	slices.Sort(c.Games)
	slices.Sort(c.NotFinal)
	return c
}

// coverByTeams covers a game once rows counted by count exist for two
// different teams of it.
func coverByTeams(t *p.Table, count func(p.Row) bool) func([]p.Row) *p.Coverage {
	id, team := t.MustCol("game_id"), t.MustCol("team_abbr")
	return func(rows []p.Row) *p.Coverage {
		teams := map[string][]string{}
		for _, r := range rows {
			if !count(r) {
				continue
			}
			g, tm := r[id].(string), r[team].(string)
			if !slices.Contains(teams[g], tm) {
				teams[g] = append(teams[g], tm)
			}
		}
		c := &p.Coverage{Games: []string{}}
		for g, ts := range teams {
			if len(ts) >= 2 {
				c.Games = append(c.Games, g)
			}
		}
		slices.Sort(c.Games)
		return c
	}
}
