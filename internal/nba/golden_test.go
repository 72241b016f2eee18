package nba

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	p "github.com/statgate/statgate/internal/pipeline"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenJSON renders rows as a JSON array with one object per line, keys in
// column order, so that a diff of a golden file shows whole rows.
func goldenJSON(tb testing.TB, t *p.Table, rows []p.Row) []byte {
	tb.Helper()
	var buf bytes.Buffer
	buf.WriteString("[\n")
	for i, r := range rows {
		buf.WriteString("  {")
		for j, c := range t.Columns {
			if j > 0 {
				buf.WriteString(", ")
			}
			v, err := json.Marshal(r[j])
			if err != nil {
				tb.Fatalf("%s row %d column %s: %v", t.Name, i, c.Name, err)
			}
			buf.WriteString(strconv.Quote(c.Name) + ": ")
			buf.Write(v)
		}
		buf.WriteString("}")
		if i < len(rows)-1 {
			buf.WriteString(",")
		}
		buf.WriteString("\n")
	}
	buf.WriteString("]\n")
	return buf.Bytes()
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got):\n%s", name, diff)
	}
}

// goldenDates are the real dates whose upcoming contexts are pinned.
var goldenDates = []struct{ date, why string }{
	{"2022-10-19", "most teams' first game: no history in the window"},
	{"2022-12-06", "DAL and MIA on a back-to-back"},
	{"2023-02-23", "first games after the All-Star break, after the trade deadline"},
}

func TestUpcomingGolden(t *testing.T) {
	t.Parallel()
	parts := seasonOutputs(t)
	for _, gd := range goldenDates {
		for _, tbl := range []*p.Table{UpcomingTeamTable, UpcomingPlayerTable} {
			rows := parts[tbl.Name][p.MustDate(gd.date)]
			checkGolden(t, tbl.Name+"_"+gd.date+".json", goldenJSON(t, tbl, rows))
		}
	}
}

// teamContext finds a team's upcoming_team_game_context row.
func teamContext(t *testing.T, parts partitions, d, team string) p.Row {
	t.Helper()
	for _, r := range parts[UpcomingTeam][p.MustDate(d)] {
		if get(UpcomingTeamTable, r, "team_abbr") == team {
			return r
		}
	}
	t.Fatalf("no upcoming_team_game_context row for %s on %s", team, d)
	return nil
}

func TestUpcomingTeamFirstGame(t *testing.T) {
	t.Parallel()
	parts := seasonOutputs(t)
	const d = "2022-10-19"
	rows := parts[UpcomingTeam][p.MustDate(d)]
	if len(rows) != 24 {
		t.Errorf("upcoming team rows on %s = %d, want 24 (12 games)", d, len(rows))
	}
	for _, r := range rows {
		got := []any{get(UpcomingTeamTable, r, "days_rest"), get(UpcomingTeamTable, r, "back_to_back"),
			get(UpcomingTeamTable, r, "last10_games"), get(UpcomingTeamTable, r, "avg_pace_last10")}
		want := []any{nil, false, int64(0), nil}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("first game of %s (days_rest, back_to_back, last10_games, avg_pace) (-want +got):\n%s", subject(UpcomingTeamTable, r), diff)
		}
	}
	if n := len(parts[UpcomingPlayer][p.MustDate(d)]); n != 0 {
		t.Errorf("upcoming player rows on %s = %d, want 0: nobody has played yet", d, n)
	}
}

func TestUpcomingTeamBackToBack(t *testing.T) {
	t.Parallel()
	parts := seasonOutputs(t)
	const d = "2022-12-06"
	for team, want := range map[string]bool{"DAL": true, "MIA": true, "DEN": false, "DET": false, "LAL": false, "CLE": false} {
		r := teamContext(t, parts, d, team)
		if got := get(UpcomingTeamTable, r, "back_to_back"); got != want {
			t.Errorf("back_to_back(%s, %s) = %v, want %v", team, d, got, want)
		}
		if rest := get(UpcomingTeamTable, r, "days_rest"); want && rest != int64(0) {
			t.Errorf("days_rest(%s, %s) = %v, want 0", team, d, rest)
		}
		if n := get(UpcomingTeamTable, r, "last10_games"); n != int64(10) {
			t.Errorf("last10_games(%s, %s) = %v, want 10", team, d, n)
		}
	}
}

func TestUpcomingAfterAllStarBreak(t *testing.T) {
	t.Parallel()
	parts := seasonOutputs(t)
	const d = "2023-02-23"
	for _, r := range parts[UpcomingTeam][p.MustDate(d)] {
		rest, _ := get(UpcomingTeamTable, r, "days_rest").(int64)
		if rest < 6 || get(UpcomingTeamTable, r, "back_to_back") != false {
			t.Errorf("days_rest(%s) = %v, want >= 6 after the break", subject(UpcomingTeamTable, r), get(UpcomingTeamTable, r, "days_rest"))
		}
	}
	// Kyrie Irving was traded from BKN to DAL on 2023-02-06: he moves with
	// DAL, once, and his averages span both teams' games.
	var kyrie []p.Row
	for _, r := range parts[UpcomingPlayer][p.MustDate(d)] {
		if get(UpcomingPlayerTable, r, "player_lookup") == "kyrieirving" {
			kyrie = append(kyrie, r)
		}
	}
	if len(kyrie) != 1 {
		t.Fatalf("kyrieirving rows on %s = %d, want 1", d, len(kyrie))
	}
	got := map[string]any{}
	for _, col := range []string{"game_id", "team_abbr", "opponent_team_abbr", "home_game", "days_rest",
		"games_last_7_days", "avg_points_last5", "avg_points_last10", "team_days_rest"} {
		got[col] = get(UpcomingPlayerTable, kyrie[0], col)
	}
	want := map[string]any{"game_id": "20230223_SAS_DAL", "team_abbr": "DAL", "opponent_team_abbr": "SAS",
		"home_game": true, "days_rest": int64(9), "games_last_7_days": int64(0),
		// last 5: 36, 28, 25, 24 for DAL and 20 for BKN; last 10 in the
		// window [01-24, 02-22] are only 9 games.
		"avg_points_last5": 26.6, "avg_points_last10": 29.0,
		// DAL last played on 02-15 (DAL at DEN), without him.
		"team_days_rest": int64(7)}
	if diff := cmp.Diff(want, got, floatsNear); diff != "" {
		t.Errorf("kyrieirving on %s (-want +got):\n%s", d, diff)
	}
}
