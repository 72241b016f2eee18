package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// runCLI runs one statgate command line in-process against db.
func runCLI(t *testing.T, db string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	c := &cli{stdout: &out, stderr: &errb, now: time.Now, getenv: func(k string) string {
		if k == "STATGATE_DB" {
			return db
		}
		return ""
	}}
	code = run(context.Background(), args, c)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const scheduleHeader = "game_id,nba_game_id,game_date,season_year,game_type,home_team_abbr,away_team_abbr,game_status,game_status_text,home_score,away_score\n"

func TestLoadRejectsBadLineAndLeavesTableUnchanged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "statgate.db")
	good := writeFile(t, dir, "good.csv", scheduleHeader+
		"20221018_PHI_BOS,0022200001,2022-10-18,2022,regular,BOS,PHI,3,Final,126,117\n"+
		"20221018_LAL_GSW,0022200002,2022-10-18,2022,regular,GSW,LAL,3,Final,123,109\n")
	if code, out, errs := runCLI(t, db, "load", "--table", "nbac_schedule", good); code != 0 {
		t.Fatalf("load good file: exit %d, %s %s", code, out, errs)
	}
	bad := writeFile(t, dir, "bad.csv", scheduleHeader+
		"20221019_ORL_DET,0022200003,2022-10-19,2022,regular,DET,ORL,3,Final,113,109\n"+
		"20221019_WAS_IND,0022200004,2022-10-19,2022,regular,IND,WAS,3,Final,107,x114\n")
	code, _, errs := runCLI(t, db, "load", "--table", "nbac_schedule", bad)
	if code != 1 {
		t.Errorf("load bad file: exit %d, want 1", code)
	}
	if !strings.Contains(errs, "bad.csv:3: away_score:") {
		t.Errorf("load bad file: stderr %q, want it to name bad.csv:3: away_score", errs)
	}
	_, out, _ := runCLI(t, db, "--json", "load", "--table", "nbac_schedule", good)
	var res struct {
		NewVersions int `json:"new_versions"`
		Unchanged   int `json:"unchanged"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("load --json output %q: %v", out, err)
	}
	if res.Unchanged != 1 || res.NewVersions != 0 {
		t.Errorf("reloading the good file after the rejected one: %+v, want 1 unchanged partition (the bad load left nothing)", res)
	}
}

func TestLoadUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "statgate.db")
	file := writeFile(t, dir, "s.csv", scheduleHeader+
		"20221018_PHI_BOS,0022200001,2022-10-18,2022,regular,BOS,PHI,3,Final,126,117\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"load", "x.csv"}, "--table is required"},
		{[]string{"load", "--table", "nope", "x.csv"}, `unknown table "nope"`},
		{[]string{"load", "--table", "player_game_summary", "x.csv"}, "analytics table"},
		{[]string{"load", "--table", "nbac_schedule"}, "requires at least 1 arg"},
		{[]string{"--db", "mysql://x", "load", "--table", "nbac_schedule", file}, "want a file path, sqlite:PATH or postgres://"},
	} {
		code, _, errs := runCLI(t, db, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("statgate %v: exit %d, stderr %q; want exit 2 mentioning %q", tc.args, code, errs, tc.want)
		}
	}
	code, _, errs := runCLI(t, db, "load", "--table", "nbac_schedule", filepath.Join(t.TempDir(), "missing.csv"))
	if code != 1 || !strings.Contains(errs, "missing.csv") {
		t.Errorf("load of a missing file: exit %d, stderr %q; want exit 1 naming the file", code, errs)
	}
}

// demo is one `statgate --json demo --no-serve` of the season, with alerts
// sent to a webhook on loopback, shared by the tests that need a demo (it
// takes minutes under the race detector): its exit status, output and
// alerts, and its database, which tests copy before changing it.
var demo struct {
	once      sync.Once
	dir       string
	code      int
	out, errs string
	alerts    []string
}

// sharedDemo runs the demo once and returns a copy of its database for t.
func sharedDemo(t *testing.T) string {
	t.Helper()
	demo.once.Do(func() {
		srv := newWebhook()
		defer func() { srv.Close(); demo.alerts = srv.alerts() }()
		var err error
		if demo.dir, err = os.MkdirTemp("", "statgate-demo-"); err != nil {
			demo.code, demo.errs = -1, err.Error()
			return
		}
		demo.code, demo.out, demo.errs = runCLI(t, filepath.Join(demo.dir, "statgate.db"), "--json", "--alert-webhook", srv.URL, "demo", "--no-serve")
	})
	if demo.code != 0 {
		t.Fatalf("demo: exit %d: %s", demo.code, demo.errs)
	}
	db := filepath.Join(t.TempDir(), "statgate.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		data, err := os.ReadFile(filepath.Join(demo.dir, "statgate.db"+suffix))
		if os.IsNotExist(err) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(db+suffix, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func TestDemoLoadsTheSeason(t *testing.T) {
	t.Parallel()
	sharedDemo(t)
	out := demo.out
	var sum demoSummary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("demo --json: %v in %q", err, out)
	}
	want := map[string][2]int{
		"nbac_schedule":              {1320, 238}, // 212 game dates plus 26 empty days in the range
		"nbac_gamebook_player_stats": {33516, 212},
		"nbac_team_boxscore":         {2604, 212},
	}
	for _, r := range sum.Tables {
		w := want[r.Table]
		if r.Rows != w[0] || r.Partitions != w[1] || r.NewVersions != w[1] {
			t.Errorf("demo %s = %d rows, %d partitions, %d new; want %d rows, %d partitions, all new",
				r.Table, r.Rows, r.Partitions, r.NewVersions, w[0], w[1])
		}
		delete(want, r.Table)
	}
	if len(want) != 0 {
		t.Errorf("demo did not load %v", want)
	}
	p := sum.Pipeline
	if len(p.Partial) != 16 {
		t.Errorf("demo partial dates = %d (%v), want the 16 dates of the 18 games without box scores", len(p.Partial), p.Partial)
	}
	if p.From.String() != "2022-10-18" || p.To.String() != "2023-06-12" || p.Tasks["published"] != 5*238 || len(p.Tasks) != 1 {
		t.Errorf("demo pipeline %s..%s tasks %v, want 2022-10-18..2023-06-12 with all 1190 tasks published", p.From, p.To, p.Tasks)
	}
	wantRows := map[string]int{
		"team_offense_game_summary":    2604, // 1,302 games with box scores, two teams each
		"team_defense_game_summary":    2604,
		"player_game_summary":          33516,
		"upcoming_team_game_context":   2640, // every scheduled game, two teams each
		"upcoming_player_game_context": 39159,
	}
	for table, n := range wantRows {
		if p.Rows[table] != n {
			t.Errorf("demo published %d rows of %s, want %d", p.Rows[table], table, n)
		}
	}
	if p.Checks["critical"] != 0 {
		t.Errorf("demo raised %d critical check failures on the real season, want 0", p.Checks["critical"])
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	code, out, _ := runCLI(t, "", "--json", "version")
	var b buildInfo
	if code != 0 || json.Unmarshal([]byte(out), &b) != nil || b.Revision == "" || !strings.HasPrefix(b.Go, "go") {
		t.Errorf("version --json: exit %d, %q; want a revision and the Go version", code, out)
	}
}

func TestRunWaitsThenPublishes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "statgate.db")
	schedule := writeFile(t, dir, "schedule.csv", scheduleHeader+
		"20221018_PHI_BOS,0022200001,2022-10-18,2022,regular,BOS,PHI,3,Final,126,117\n")
	if code, _, errs := runCLI(t, db, "load", "--table", "nbac_schedule", schedule); code != 0 {
		t.Fatalf("load: %s", errs)
	}
	// A deadline far in the future makes 2022-10-18 as recent as tonight.
	code, out, errs := runCLI(t, db, "run", "--date", "2022-10-18", "--processors", "player_game_summary",
		"--completeness-deadline", "1000000h")
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"team_offense_game_summary 2022-10-18 waiting: nbac_team_boxscore missing 1 of 1 games (20221018_PHI_BOS)",
		"player_game_summary 2022-10-18 waiting: nbac_gamebook_player_stats missing 1 of 1 games (20221018_PHI_BOS); team_offense_game_summary 2022-10-18 not published",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("run output %q lacks %q", out, want)
		}
	}
	if strings.Contains(out, "upcoming") {
		t.Errorf("run --processors player_game_summary ran more than it needs: %q", out)
	}
	if code, _, errs := runCLI(t, db, "run", "--date", "2022-10-18", "--processors", "nope"); code != 2 || !strings.Contains(errs, "unknown processor") {
		t.Errorf("run with an unknown processor: exit %d, %q; want 2 naming it", code, errs)
	}
	if code, _, errs := runCLI(t, db, "run", "--date", "2022-13-01"); code != 2 || !strings.Contains(errs, "--date") {
		t.Errorf("run with a bad date: exit %d, %q; want 2 naming --date", code, errs)
	}
}

func TestGraphFormats(t *testing.T) {
	t.Parallel()
	for format, want := range map[string]string{
		"text":    "player_game_summary (version",
		"dot":     `"team_offense_game_summary" -> "player_game_summary"`,
		"mermaid": "team_offense_game_summary -->|\"same\"| player_game_summary",
	} {
		code, out, errs := runCLI(t, "", "graph", "--format", format)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("graph --format %s: exit %d (%s), output lacks %q", format, code, errs, want)
		}
	}
}

// TestBackfillStatusExplain drives a small real backfill through the CLI:
// a dry run says what it would run, a backfill of an up-to-date range has
// nothing to do, status draws the matrix and explain names the inputs.
func TestBackfillStatusExplain(t *testing.T) {
	t.Parallel()
	db := sharedDemo(t)
	code, out, errs := runCLI(t, db, "backfill", "--from", "2023-02-01", "--to", "2023-02-05", "--mode", "all", "--dry-run")
	// Recomputing everything runs all 25 tasks: 11 can start at once, the
	// other 14 once their upstream has run, and none is a problem.
	if code != 0 || !strings.Contains(out, "would run 25 tasks\ntasks now: 14 waiting, 11 ready\n") || strings.Contains(out, "not be published") {
		t.Errorf("backfill --mode all --dry-run: exit %d (%s), %q; want 25 to run (11 ready, 14 waiting) and no problems", code, errs, out)
	}
	code, out, errs = runCLI(t, db, "--json", "backfill", "--from", "2023-02-01", "--to", "2023-02-05")
	var sum backfillSummary
	if code != 0 || json.Unmarshal([]byte(out), &sum) != nil || sum.Tasks["published"] != 25 || len(sum.Runs) != 0 {
		t.Errorf("backfill of an up-to-date range: exit %d (%s), %+v; want 25 published and no runs", code, errs, sum)
	}
	code, out, _ = runCLI(t, db, "status", "--from", "2023-02-03", "--to", "2023-02-03")
	if code != 0 || !strings.Contains(out, "2023-02-03 P P P P P") {
		t.Errorf("status: exit %d, %q; want a row of five published cells for 2023-02-03", code, out)
	}
	code, out, _ = runCLI(t, db, "explain", "player_game_summary", "2023-02-03")
	for _, want := range []string{"player_game_summary 2023-02-03: published", "team_offense_game_summary 2023-02-03 version 1", "up to date: true"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("explain: exit %d, output lacks %q:\n%s", code, want, out)
		}
	}
	code, out, _ = runCLI(t, db, "explain", "team_offense_game_summary", "2023-02-06")
	if code != 0 || !strings.Contains(out, "published without 1 game: 20230206_CLE_WAS") {
		t.Errorf("explain of a partial date: exit %d, %q; want the missing game named", code, out)
	}
}

// TestChaosCommand: one seeded scenario through the command, as JSON; a
// zero scenario count is a usage error.
func TestChaosCommand(t *testing.T) {
	t.Parallel()
	code, out, errs := runCLI(t, "", "--json", "chaos", "--seed", "3", "--scenarios", "1")
	var sum chaosSummary
	if code != 0 || json.Unmarshal([]byte(out), &sum) != nil {
		t.Fatalf("chaos --json: exit %d (%s): %s", code, errs, out)
	}
	if len(sum.Results) != 1 || sum.Results[0].Seed != 3 || sum.Results[0].Deliveries == 0 || len(sum.Violations) != 0 {
		t.Errorf("chaos --seed 3 --scenarios 1 = %+v, want one scenario of seed 3 with deliveries and no violations", sum)
	}
	if code, _, _ := runCLI(t, "", "chaos", "--scenarios", "0"); code != 2 {
		t.Errorf("chaos --scenarios 0: exit %d, want 2", code)
	}
}
