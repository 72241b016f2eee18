package rawload_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/rawload"
)

// Real rows of the first game of the season (file lines 2, 3 and 12).
const (
	gbHeader = "game_id,game_date,season_year,team_abbr,opponent_team_abbr,player_id,player_lookup,player_name," +
		"player_status,dnp_reason,starter,minutes,points,field_goals_made,field_goals_attempted," +
		"three_pointers_made,three_pointers_attempted,free_throws_made,free_throws_attempted," +
		"offensive_rebounds,defensive_rebounds,total_rebounds,assists,steals,blocks,turnovers," +
		"personal_fouls,plus_minus"
	wiggins    = "20221018_LAL_GSW,2022-10-18,2022,GSW,LAL,wiggian01,andrewwiggins,Andrew Wiggins,active,,true,29:28,20,8,14,4,7,0,0,1,5,6,4,1,1,1,5,25"
	divincenzo = "20221018_LAL_GSW,2022-10-18,2022,GSW,LAL,divindo01,dontedivincenzo,Donte DiVincenzo,active,,false,21:37,8,3,6,1,2,1,2,0,2,2,2,1,0,4,2,-5"
	baldwin    = "20221018_LAL_GSW,2022-10-18,2022,GSW,LAL,baldwpa01,patrickbaldwinjr,Patrick Baldwin Jr.,dnp,Did Not Play,false,,,,,,,,,,,,,,,,,"

	wigginsJSON = `{"game_id":"20221018_LAL_GSW","game_date":"2022-10-18","season_year":2022,"team_abbr":"GSW",` +
		`"opponent_team_abbr":"LAL","player_id":"wiggian01","player_lookup":"andrewwiggins","player_name":"Andrew Wiggins",` +
		`"player_status":"active","dnp_reason":null,"starter":true,"minutes":"29:28","points":20,"field_goals_made":8,` +
		`"field_goals_attempted":14,"three_pointers_made":4,"three_pointers_attempted":7,"free_throws_made":0,` +
		`"free_throws_attempted":0,"offensive_rebounds":1,"defensive_rebounds":5,"total_rebounds":6,"assists":4,` +
		`"steals":1,"blocks":1,"turnovers":1,"personal_fouls":5,"plus_minus":25}`

	schedHeader = "game_id,nba_game_id,game_date,season_year,game_type,home_team_abbr,away_team_abbr,game_status,game_status_text,home_score,away_score"
	schedRow    = "20221018_LAL_GSW,0022200002,2022-10-18,2022,regular,GSW,LAL,3,Final,123,109"

	propsHeader = "game_id,game_date,player_lookup,bookmaker,points_line,captured_at"
)

// set returns a copy of the CSV row with column col (named in header) set
// to value; the fixture rows hold no quoted commas.
func set(header, row, col, value string) string {
	names := strings.Split(header, ",")
	fields := strings.Split(row, ",")
	for i, n := range names {
		if n == col {
			fields[i] = value
			return strings.Join(fields, ",")
		}
	}
	panic("no column " + col)
}

func gb(col, value string) string { return set(gbHeader, wiggins, col, value) }

func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

// jsonWith replaces the first occurrence of old in wigginsJSON.
func jsonWith(old, new string) string { return strings.Replace(wigginsJSON, old, new, 1) }

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	gbt, sched, props := nba.GamebookTable, nba.ScheduleTable, nba.PointsPropsTable
	tests := []struct {
		name  string
		table *pipeline.Table
		file  string
		data  string
		want  rawload.LineError // Reason holds a part of the reason
	}{
		{"bad integer on line 3", gbt, "g.csv", lines(gbHeader, wiggins, set(gbHeader, divincenzo, "points", "2x")),
			rawload.LineError{File: "g.csv", Line: 3, Column: "points", Reason: `not an integer: "2x"`}},
		{"decimal integer", gbt, "g.csv", lines(gbHeader, gb("points", "20.0")),
			rawload.LineError{File: "g.csv", Line: 2, Column: "points", Reason: `not an integer: "20.0"`}},
		{"space in integer", gbt, "g.csv", lines(gbHeader, gb("assists", " 4")),
			rawload.LineError{File: "g.csv", Line: 2, Column: "assists", Reason: "not an integer"}},
		{"integer overflow", gbt, "g.csv", lines(gbHeader, gb("plus_minus", "99999999999999999999")),
			rawload.LineError{File: "g.csv", Line: 2, Column: "plus_minus", Reason: "integer out of range"}},
		{"unknown column", gbt, "g.csv", lines(gbHeader+",usage_rate", wiggins+",25.1"),
			rawload.LineError{File: "g.csv", Line: 1, Column: "usage_rate", Reason: "unknown column"}},
		{"missing required column", gbt, "g.csv",
			lines(strings.Replace(gbHeader, "player_lookup,", "", 1), strings.Replace(wiggins, "andrewwiggins,", "", 1)),
			rawload.LineError{File: "g.csv", Line: 1, Column: "player_lookup", Reason: "column missing from header"}},
		{"duplicate column", gbt, "g.csv", lines(gbHeader+",points", wiggins+",20"),
			rawload.LineError{File: "g.csv", Line: 1, Column: "points", Reason: "appears twice"}},
		{"too few fields", gbt, "g.csv", lines(gbHeader, wiggins, strings.TrimSuffix(divincenzo, ",-5")),
			rawload.LineError{File: "g.csv", Line: 3, Reason: "row has 27 fields, header has 28"}},
		{"too many fields", gbt, "g.csv", lines(gbHeader, wiggins+",1"),
			rawload.LineError{File: "g.csv", Line: 2, Reason: "row has 29 fields, header has 28"}},
		{"impossible date", gbt, "g.csv", lines(gbHeader, gb("game_date", "2023-02-30")),
			rawload.LineError{File: "g.csv", Line: 2, Column: "game_date", Reason: `not a date (want YYYY-MM-DD): "2023-02-30"`}},
		{"date with time", gbt, "g.csv", lines(gbHeader, gb("game_date", "2022-10-18T00:00:00Z")),
			rawload.LineError{File: "g.csv", Line: 2, Column: "game_date", Reason: "not a date"}},
		{"missing game_date", gbt, "g.csv", lines(gbHeader, gb("game_date", "")),
			rawload.LineError{File: "g.csv", Line: 2, Column: "game_date", Reason: "required value is empty"}},
		{"duplicate key", gbt, "g.csv", lines(gbHeader, wiggins, divincenzo, gb("points", "21")),
			rawload.LineError{File: "g.csv", Line: 4,
				Reason: `duplicate key game_id="20221018_LAL_GSW", player_lookup="andrewwiggins": first seen on line 2`}},
		{"bad bool", gbt, "g.csv", lines(gbHeader, gb("starter", "yes")),
			rawload.LineError{File: "g.csv", Line: 2, Column: "starter", Reason: `not a boolean (want true or false): "yes"`}},
		{"active player without minutes", gbt, "g.csv", lines(gbHeader, gb("minutes", "")),
			rawload.LineError{File: "g.csv", Line: 2, Column: "minutes", Reason: "required for an active player"}},
		{"dnp player with points", gbt, "g.csv", lines(gbHeader, wiggins, set(gbHeader, baldwin, "points", "3")),
			rawload.LineError{File: "g.csv", Line: 3, Column: "points", Reason: "must be empty for a player who is dnp"}},
		{"column check", gbt, "g.csv", lines(gbHeader, gb("player_lookup", "Andrew Wiggins")),
			rawload.LineError{File: "g.csv", Line: 2, Column: "player_lookup", Reason: "is not a player lookup"}},
		{"unterminated quote", gbt, "g.csv", lines(gbHeader, wiggins, `20221018_LAL_GSW,"2022-10-18`),
			rawload.LineError{File: "g.csv", Line: 3, Reason: "malformed CSV"}},
		{"stray quote", gbt, "g.csv", lines(gbHeader, gb("player_name", `Andrew "Wiggs" Wiggins`)),
			rawload.LineError{File: "g.csv", Line: 2, Reason: "malformed CSV"}},
		{"invalid UTF-8", gbt, "g.csv", lines(gbHeader, gb("player_name", "Andr\xe9 Wiggins")),
			rawload.LineError{File: "g.csv", Line: 2, Column: "player_name", Reason: "not valid UTF-8"}},
		{"empty file", gbt, "g.csv", "",
			rawload.LineError{File: "g.csv", Line: 1, Reason: "empty file"}},
		// Blank lines and a quoted line break still leave the line number
		// pointing at the physical line of the bad row.
		{"line numbers are physical", gbt, "g.csv",
			lines(gbHeader, "", wiggins, set(gbHeader, divincenzo, "player_name", "\"Donte\nDiVincenzo\""), gb("player_lookup", "x,y")),
			rawload.LineError{File: "g.csv", Line: 6, Reason: "row has 29 fields"}},
		{"schedule status out of range", sched, "s.csv", lines(schedHeader, set(schedHeader, schedRow, "game_status", "4")),
			rawload.LineError{File: "s.csv", Line: 2, Column: "game_status", Reason: "4 is outside [1, 3]"}},
		{"schedule without game_date column", sched, "s.csv",
			lines(strings.Replace(schedHeader, "game_date,", "", 1), strings.Replace(schedRow, "2022-10-18,", "", 1)),
			rawload.LineError{File: "s.csv", Line: 1, Column: "game_date", Reason: "column missing from header"}},
		{"NaN decimal", props, "p.csv", lines(propsHeader, "20221018_LAL_GSW,2022-10-18,andrewwiggins,draftkings,NaN,2022-10-18T20:00:00Z"),
			rawload.LineError{File: "p.csv", Line: 2, Column: "points_line", Reason: `not a number: "NaN"`}},
		{"bad timestamp", props, "p.csv", lines(propsHeader, "20221018_LAL_GSW,2022-10-18,andrewwiggins,draftkings,19.5,2022-10-18 20:00"),
			rawload.LineError{File: "p.csv", Line: 2, Column: "captured_at", Reason: "not an RFC 3339 timestamp"}},

		{"ndjson unknown key", gbt, "g.ndjson", jsonWith(`"points":20`, `"points":20,"usage":31.2`),
			rawload.LineError{File: "g.ndjson", Line: 1, Column: "usage", Reason: "unknown key"}},
		{"ndjson string for bool", gbt, "g.ndjson", jsonWith(`"starter":true`, `"starter":"true"`),
			rawload.LineError{File: "g.ndjson", Line: 1, Column: "starter", Reason: "wrong JSON type: want true or false, got a string"}},
		{"ndjson number for text", gbt, "g.ndjson", jsonWith(`"player_id":"wiggian01"`, `"player_id":1627832`),
			rawload.LineError{File: "g.ndjson", Line: 1, Column: "player_id", Reason: "wrong JSON type: want a string, got a number"}},
		{"ndjson number for date", gbt, "g.ndjson", jsonWith(`"game_date":"2022-10-18"`, `"game_date":20221018`),
			rawload.LineError{File: "g.ndjson", Line: 1, Column: "game_date", Reason: "wrong JSON type"}},
		{"ndjson nested value", gbt, "g.ndjson", jsonWith(`"points":20`, `"points":{"total":20}`),
			rawload.LineError{File: "g.ndjson", Line: 1, Column: "points", Reason: "got an object"}},
		{"ndjson non-integral int", gbt, "g.ndjson", jsonWith(`"points":20`, `"points":20.5`),
			rawload.LineError{File: "g.ndjson", Line: 1, Column: "points", Reason: "not an integer: 20.5"}},
		{"ndjson int out of range", gbt, "g.ndjson", jsonWith(`"points":20`, `"points":99999999999999999999`),
			rawload.LineError{File: "g.ndjson", Line: 1, Column: "points", Reason: "integer out of range"}},
		{"ndjson int with exponent", gbt, "g.ndjson", jsonWith(`"points":20`, `"points":1e30`),
			rawload.LineError{File: "g.ndjson", Line: 1, Column: "points", Reason: "not an integer: 1e30"}},
		{"ndjson trailing garbage", gbt, "g.ndjson", wigginsJSON + " x\n",
			rawload.LineError{File: "g.ndjson", Line: 1, Reason: "trailing data"}},
		{"ndjson two objects on a line", gbt, "g.ndjson", wigginsJSON + wigginsJSON + "\n",
			rawload.LineError{File: "g.ndjson", Line: 1, Reason: "trailing data"}},
		{"ndjson missing required key", gbt, "g.ndjson", jsonWith(`"player_lookup":"andrewwiggins",`, ""),
			rawload.LineError{File: "g.ndjson", Line: 1, Column: "player_lookup", Reason: "key is missing"}},
		{"ndjson null game_date", gbt, "g.ndjson", jsonWith(`"game_date":"2022-10-18"`, `"game_date":null`),
			rawload.LineError{File: "g.ndjson", Line: 1, Column: "game_date", Reason: "required value is empty"}},
		{"ndjson repeated key", gbt, "g.ndjson", jsonWith(`"points":20`, `"points":20,"points":21`),
			rawload.LineError{File: "g.ndjson", Line: 1, Column: "points", Reason: "key appears twice"}},
		{"ndjson array", gbt, "g.ndjson", "[1,2]\n",
			rawload.LineError{File: "g.ndjson", Line: 1, Reason: "want one JSON object per line, got an array"}},
		{"ndjson cut short", gbt, "g.ndjson", `{"game_id":` + "\n",
			rawload.LineError{File: "g.ndjson", Line: 1, Reason: "invalid JSON"}},
		{"ndjson blank lines counted", gbt, "g.ndjson", "\n  \n" + jsonWith(`"points":20`, `"points":-1`),
			rawload.LineError{File: "g.ndjson", Line: 3, Column: "points", Reason: "-1 is negative"}},
		{"ndjson duplicate key", gbt, "g.ndjson", lines(wigginsJSON, wigginsJSON),
			rawload.LineError{File: "g.ndjson", Line: 2, Reason: "first seen on line 1"}},
		{"ndjson line too long", gbt, "g.ndjson", lines(wigginsJSON, jsonWith("Andrew", strings.Repeat("a", 1<<20))),
			rawload.LineError{File: "g.ndjson", Line: 2, Reason: "line is longer than"}},
		{"sniffed ndjson", gbt, "upload", jsonWith(`"points":20`, `"points":"x"`),
			rawload.LineError{File: "upload", Line: 1, Column: "points", Reason: "wrong JSON type: want an integer, got a string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rows, err := rawload.Decode(tt.table, tt.file, strings.NewReader(tt.data))
			if rows != nil {
				t.Errorf("Decode returned %d rows with the error, want none", len(rows))
			}
			checkLineError(t, err, tt.want)
		})
	}
}

// checkLineError asserts that err is a *LineError matching want, whose
// Reason need only be part of the actual reason.
func checkLineError(t *testing.T, err error, want rawload.LineError) {
	t.Helper()
	if !errors.Is(err, pipeline.ErrInvalid) {
		t.Errorf("Decode error %v is not ErrInvalid", err)
	}
	var le *rawload.LineError
	if !errors.As(err, &le) {
		t.Fatalf("Decode error %v (%T) is not a *LineError", err, err)
	}
	if diff := cmp.Diff(want, *le, cmpopts.IgnoreFields(rawload.LineError{}, "Reason")); diff != "" {
		t.Errorf("Decode error %q mismatch (-want +got):\n%s", err, diff)
	}
	if !strings.Contains(le.Reason, want.Reason) {
		t.Errorf("Decode error reason %q, want it to contain %q", le.Reason, want.Reason)
	}
}

func TestLineErrorString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		data string
		want string
	}{
		{lines(gbHeader, wiggins, set(gbHeader, divincenzo, "points", "2x")), `g.csv:3: points: not an integer: "2x"`},
		{lines(gbHeader, gb("game_date", "")), "g.csv:2: game_date: required value is empty"},
		{lines(gbHeader, gb("game_date", "2022-10-32")), `g.csv:2: game_date: not a date (want YYYY-MM-DD): "2022-10-32"`},
		{lines(gbHeader, wiggins+",1"), "g.csv:2: row has 29 fields, header has 28"},
	}
	for _, tt := range tests {
		_, err := rawload.Decode(nba.GamebookTable, "g.csv", strings.NewReader(tt.data))
		if err == nil || err.Error() != tt.want {
			t.Errorf("Decode error = %v, want %s", err, tt.want)
		}
	}
}
