package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// TestGenSeasonsLoadAndRun: two generated seasons load with the loader's
// full validation, hold the bundled season's row counts each, and a week of
// the derived season publishes every task with no check failing: the
// relabelled box scores are as consistent as the real ones.
func TestGenSeasonsLoadAndRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "seasons")
	db := filepath.Join(dir, "statgate.db")
	if code, _, errs := runCLI(t, db, "gen", "--seasons", "2", "--seed", "7", "--out", out); code != 0 {
		t.Fatalf("gen: exit %d, %s", code, errs)
	}
	for table, rows := range map[string]int{"nbac_schedule": 2 * 1320, "nbac_gamebook_player_stats": 2 * 33516, "nbac_team_boxscore": 2 * 2604} {
		files, _ := filepath.Glob(filepath.Join(out, "*", table+".csv.gz"))
		code, stdout, errs := runCLI(t, db, append([]string{"--json", "load", "--table", table}, files...)...)
		var res struct{ Rows int }
		if code != 0 || json.Unmarshal([]byte(stdout), &res) != nil || res.Rows != rows {
			t.Fatalf("load %s %v: exit %d, %s %s; want %d rows", table, files, code, stdout, errs, rows)
		}
	}
	code, stdout, errs := runCLI(t, db, "--json", "backfill", "--from", "2022-01-30", "--to", "2022-02-05")
	var sum backfillSummary
	if code != 0 || json.Unmarshal([]byte(stdout), &sum) != nil {
		t.Fatalf("backfill of the derived season: exit %d, %s %s", code, stdout, errs)
	}
	if n := sum.Tasks["published"]; n != 35 || len(sum.Tasks) != 1 {
		t.Errorf("derived week: tasks %v, want all 35 published", sum.Tasks)
	}
}
