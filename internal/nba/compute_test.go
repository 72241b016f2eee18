package nba

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	p "github.com/statgate/statgate/internal/pipeline"
)

// propRow builds an odds_api_player_points_props row.
func propRow(d p.Date, game, lookup, bookmaker string, line float64, captured time.Time) p.Row {
	return newRow(PointsPropsTable).set("game_id", game).set("game_date", d).set("player_lookup", lookup).
		set("bookmaker", bookmaker).set("points_line", line).set("captured_at", captured).row
}

func TestPointsLinesFromProps(t *testing.T) {
	t.Parallel()
	d := p.MustDate("2022-12-06")
	const game = "20221206_DAL_DEN"
	at := time.Date(2022, 12, 6, 18, 0, 0, 0, time.UTC)
	parts := seasonOutputs(t).clone()
	parts.put(PointsProps, d, []p.Row{
		propRow(d, game, "lukadoncic", "fanduel", 40.5, at.Add(time.Hour)),
		propRow(d, game, "lukadoncic", "draftkings", 20.5, at),
		propRow(d, game, "nikolajokic", "betmgm", 25.5, at),
		propRow(d, game, "nikolajokic", "fanduel", 90.5, at),
	})
	rows, err := PlayerGameProcessor{}.Compute(task(PlayerGameProcessor{}, d, parts))
	if err != nil {
		t.Fatal(err)
	}
	byKey := rowsByKey(PlayerGameTable, rows)
	cols := []string{"points", "points_line", "over_under_result", "points_margin"}
	for key, want := range map[string][]any{
		// Doncic scored 22, Jokic 19 and Murray 11 (real box scores).
		game + " lukadoncic":  {int64(22), 20.5, "OVER", 1.5},
		game + " nikolajokic": {int64(19), 90.5, "UNDER", -71.5},
		game + " jamalmurray": {int64(11), nil, nil, nil},
	} {
		var got []any
		for _, c := range cols {
			got = append(got, get(PlayerGameTable, byKey[key], c))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s %v (-want +got):\n%s", key, cols, diff)
		}
	}
	parts.put(PlayerGame, d, rows)
	ctx, err := UpcomingPlayerProcessor{}.Compute(task(UpcomingPlayerProcessor{}, d, parts))
	if err != nil {
		t.Fatal(err)
	}
	if got := get(UpcomingPlayerTable, rowsByKey(UpcomingPlayerTable, ctx)[game+" lukadoncic"], "points_line"); got != 20.5 {
		t.Errorf("upcoming points_line(lukadoncic) = %v, want 20.5", got)
	}
}

// TestOnlyFinalScheduledGames: a game that is live on D's schedule is left
// out of the summaries, rows of a game not on D's schedule are ignored, and
// the upcoming context still lists every scheduled game.
func TestOnlyFinalScheduledGames(t *testing.T) {
	t.Parallel()
	d := p.MustDate("2022-12-06")
	const live, dropped = "20221206_DAL_DEN", "20221206_LAL_CLE"
	s := season(t)
	parts := seasonOutputs(t).clone()
	sched := editRows(ScheduleTable, s.raw[Schedule][d], func(r p.Row) bool { return get(ScheduleTable, r, "game_id") == live },
		"game_status", setTo(int64(2)))
	sched = slices.DeleteFunc(sched, func(r p.Row) bool { return get(ScheduleTable, r, "game_id") == dropped })
	parts.put(Schedule, d, sched)
	for _, proc := range Processors() {
		rows, err := proc.Compute(task(proc, d, parts))
		if err != nil {
			t.Fatalf("%s: %v", proc.Name(), err)
		}
		games := map[any]bool{}
		for _, r := range rows {
			games[get(proc.Output(), r, "game_id")] = true
		}
		wantLive := proc.Name() == UpcomingTeam || proc.Name() == UpcomingPlayer
		if games[live] != wantLive || games[dropped] || !games["20221206_DET_MIA"] {
			t.Errorf("%s games = %v, want DET_MIA, live game %s only if upcoming, never %s", proc.Name(), games, live, dropped)
		}
	}
}

// TestPlayerRowsWithoutTeamRow: when a team's offense row is missing, its
// players get no usage and no team possessions (the checks then reject the
// partition), and the result still comes from the final score.
func TestPlayerRowsWithoutTeamRow(t *testing.T) {
	t.Parallel()
	d := p.MustDate("2022-12-06")
	const game = "20221206_DAL_DEN"
	parts := seasonOutputs(t).clone()
	parts.put(TeamOffense, d, slices.DeleteFunc(slices.Clone(parts[TeamOffense][d]), func(r p.Row) bool {
		return get(TeamOffenseTable, r, "game_id") == game
	}))
	rows, err := PlayerGameProcessor{}.Compute(task(PlayerGameProcessor{}, d, parts))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"DAL": true, "DEN": false} // DAL won 116-115
	n := 0
	for _, r := range rows {
		if get(PlayerGameTable, r, "game_id") != game {
			continue
		}
		n++
		team := get(PlayerGameTable, r, "team_abbr").(string)
		got := []any{get(PlayerGameTable, r, "usage_rate"), get(PlayerGameTable, r, "team_possessions"), get(PlayerGameTable, r, "win_flag")}
		if diff := cmp.Diff([]any{nil, nil, want[team]}, got); diff != "" {
			t.Errorf("%s usage, team_possessions, win_flag (-want +got):\n%s", subject(PlayerGameTable, r), diff)
		}
	}
	if n == 0 {
		t.Fatalf("no player rows of %s", game)
	}
}

type failingInputs struct{ err error }

func (f failingInputs) Rows(string, p.Date) ([]p.Row, error) { return nil, f.err }

// TestComputeRejectsBadInputs: a failing read, a row of another partition
// and a value of the wrong Go type fail the task instead of producing rows.
func TestComputeRejectsBadInputs(t *testing.T) {
	t.Parallel()
	d := p.MustDate("2022-12-06")
	s := season(t)
	boom := errors.New("database is locked")
	for _, proc := range Processors() {
		rows, err := proc.Compute(p.Compute{Date: d, Inputs: failingInputs{boom}})
		if !errors.Is(err, boom) || rows != nil {
			t.Errorf("%s.Compute(failing inputs) = %d rows, %v; want the read error", proc.Name(), len(rows), err)
		}
	}
	for name, edit := range map[string]func([]p.Row) []p.Row{
		"row of another date": func(rows []p.Row) []p.Row {
			return editRows(ScheduleTable, rows, firstKey(ScheduleTable, rows), "game_date", setTo(d.AddDays(-1)))
		},
		"wrong type": func(rows []p.Row) []p.Row {
			return editRows(ScheduleTable, rows, firstKey(ScheduleTable, rows), "game_status", setTo("3"))
		},
		"short row": func(rows []p.Row) []p.Row { return append(slices.Clone(rows), p.Row{"x"}) },
	} {
		parts := s.raw.clone()
		parts.put(Schedule, d, edit(s.raw[Schedule][d]))
		_, err := TeamOffenseProcessor{}.Compute(task(TeamOffenseProcessor{}, d, parts))
		if !errors.Is(err, p.ErrInvalid) || !strings.Contains(err.Error(), Schedule) {
			t.Errorf("%s: Compute error = %v, want an ErrInvalid naming %s", name, err, Schedule)
		}
	}
}

// TestUndeclaredReadsFail: the test harness, like the engine, refuses a read
// the processor did not declare, so the whole-season run proves that every
// processor reads only its declared partitions. Handing a processor another
// processor's declarations must therefore fail.
func TestUndeclaredReadsFail(t *testing.T) {
	t.Parallel()
	d := p.MustDate("2022-12-06")
	parts := seasonOutputs(t)
	for _, tc := range []struct{ proc, declared p.Processor }{
		{PlayerGameProcessor{}, TeamOffenseProcessor{}},      // team_offense not declared
		{UpcomingTeamProcessor{}, TeamOffenseProcessor{}},    // no windows declared
		{UpcomingPlayerProcessor{}, UpcomingTeamProcessor{}}, // player_game_summary not declared
	} {
		_, err := tc.proc.Compute(p.Compute{Date: d, Inputs: inputsFor(tc.declared, d, parts)})
		if err == nil || !strings.Contains(err.Error(), "undeclared read") {
			t.Errorf("%s with %s's inputs: error %v, want an undeclared read", tc.proc.Name(), tc.declared.Name(), err)
		}
	}
}

// TestCountingStatsCopied: every counting stat of the season reaches the
// right column: team offense from the team's box score row, team defense's
// opponent columns from the opponent's, player rows from the gamebook.
func TestCountingStatsCopied(t *testing.T) {
	t.Parallel()
	s := season(t)
	parts := seasonOutputs(t)
	off := rowsByKey(TeamOffenseTable, allRows(parts, TeamOffense))
	def := rowsByKey(TeamDefenseTable, allRows(parts, TeamDefense))
	offCols := slices.Clone(summaryStatNames)
	offCols[0] = "points_scored"
	defPairs := map[string]string{"points": "points_allowed", "fg_made": "opp_fg_makes", "fg_attempted": "opp_fg_attempts",
		"three_pt_made": "opp_three_pt_makes", "three_pt_attempted": "opp_three_pt_attempts", "ft_made": "opp_ft_makes",
		"ft_attempted": "opp_ft_attempts", "offensive_rebounds": "opp_offensive_rebounds", "turnovers": "turnovers_forced"}
	for _, box := range allRows(s.raw, TeamBox) {
		key := subject(TeamBoxTable, box)
		oppKey := get(TeamBoxTable, box, "game_id").(string) + " " + get(TeamBoxTable, box, "opponent_team_abbr").(string)
		for i, col := range boxStatNames {
			if got, want := get(TeamOffenseTable, off[key], offCols[i]), get(TeamBoxTable, box, col); got != want {
				t.Fatalf("team_offense %s %s = %v, want box %s %v", key, offCols[i], got, col, want)
			}
			if dc, ok := defPairs[col]; ok {
				if got, want := get(TeamDefenseTable, def[oppKey], dc), get(TeamBoxTable, box, col); got != want {
					t.Fatalf("team_defense %s %s = %v, want opponent's box %s %v", oppKey, dc, got, col, want)
				}
			}
		}
	}
	players := rowsByKey(PlayerGameTable, allRows(parts, PlayerGame))
	for _, gbRow := range allRows(s.raw, Gamebook) {
		key := subject(GamebookTable, gbRow)
		for i, col := range gamebookStats {
			if got, want := get(PlayerGameTable, players[key], summaryStatNames[i]), get(GamebookTable, gbRow, col); got != want {
				t.Fatalf("player_game_summary %s %s = %v, want gamebook %s %v", key, summaryStatNames[i], got, col, want)
			}
		}
	}
}
