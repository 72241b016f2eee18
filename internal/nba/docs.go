package nba

import p "github.com/statgate/statgate/internal/pipeline"

// columnDocs say what a valid value of each raw column looks like (SPEC §3),
// for people writing input files; a name means the same in every table.
var columnDocs = map[string]string{
	"game_id":             "YYYYMMDD_AWAY_HOME, e.g. 20221018_LAL_GSW",
	"nba_game_id":         "NBA.com's id, 10 characters",
	"game_date":           "YYYY-MM-DD, from 1946-11-01 to one year after today",
	"season_year":         "the season's starting year (2022 for 2022-23)",
	"game_type":           "regular, play_in, playoffs or cup_final",
	"home_team_abbr":      "NBA.com abbreviation, 2-4 capital letters (BKN, PHX)",
	"away_team_abbr":      "NBA.com abbreviation, 2-4 capital letters",
	"team_abbr":           "NBA.com abbreviation, 2-4 capital letters",
	"opponent_team_abbr":  "NBA.com abbreviation, not the row's own team",
	"game_status":         "1 scheduled, 2 live, 3 final",
	"game_status_text":    "as NBA.com shows it (Final, Final/OT); may be empty",
	"home_score":          "empty before the game; required when final",
	"away_score":          "empty before the game; required when final",
	"player_id":           "NBA.com player id",
	"player_lookup":       "lowercase ASCII letters and digits (lebronjames)",
	"player_name":         "as printed",
	"player_status":       "active, dnp or inactive",
	"dnp_reason":          "empty unless dnp or inactive",
	"starter":             "true or false",
	Gamebook + ".minutes": "MM:SS played; empty unless active",
	TeamBox + ".minutes":  "MMM:SS, 240:00 plus 25:00 per overtime (265:00 with one)",
	"plus_minus":          "signed; empty unless active",
	"is_home":             "true or false",
	"bookmaker":           "lowercase key (draftkings, fanduel, ...)",
	"points_line":         "decimal, 0 or more",
	"captured_at":         "RFC 3339 timestamp, e.g. 2023-02-03T18:00:00Z",
}

// statDoc is the note of every counting column.
const (
	gamebookStatDoc = "whole number, 0 or more; empty unless active"
	teamStatDoc     = "whole number, 0 or more"
)

func init() {
	for _, t := range []*p.Table{ScheduleTable, GamebookTable, TeamBoxTable, PointsPropsTable} {
		for i := range t.Columns {
			c := &t.Columns[i]
			doc, ok := columnDocs[t.Name+"."+c.Name]
			if !ok {
				doc, ok = columnDocs[c.Name]
			}
			if c.Name == p.PartitionColumn && t.Col(p.SeasonColumn) >= 0 {
				doc += ", within season_year's season (August 1 to October 31 of the next year)"
			}
			switch {
			case ok:
				c.Doc = doc
			case t == GamebookTable && c.Type == p.Int:
				c.Doc = gamebookStatDoc
			case c.Type == p.Int:
				c.Doc = teamStatDoc
			}
		}
	}
}
