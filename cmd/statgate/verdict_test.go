package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/sqlite"
	"github.com/statgate/statgate/internal/testdb"
)

// inflatedAttempts returns the gamebook rows of d with one active player's
// field-goal attempts raised by ten: the players' sum no longer matches the
// team box score, so the player summary is rejected.
func inflatedAttempts(rows []pipeline.Row) []pipeline.Row {
	t := nba.GamebookTable
	fga, status := t.MustCol("field_goals_attempted"), t.MustCol("player_status")
	out := make([]pipeline.Row, len(rows))
	done := false
	for i, r := range rows {
		out[i] = r
		if !done && r[status] == "active" && r[fga] != nil {
			out[i] = append(pipeline.Row(nil), r...)
			out[i][fga] = r[fga].(int64) + 10
			done = true
		}
	}
	return out
}

// TestStatusAndExplainAgree: status (the matrix) and explain (one task)
// give every task the same verdict — published, partial, rejected, blocked
// — and a blocked task names its upstream.
func TestStatusAndExplainAgree(t *testing.T) {
	t.Parallel()
	from, to := pipeline.MustDate("2022-12-17"), pipeline.MustDate("2022-12-24")
	bad := pipeline.MustDate("2022-12-21")
	db := filepath.Join(t.TempDir(), "statgate.db")
	season := testdb.SeasonRows(t)
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: db, Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	testdb.LoadRaw(t, s, season, from, to)
	s.Close()
	if code, _, errs := runCLI(t, db, "backfill", "--from", from.String(), "--to", to.String()); code != 0 {
		t.Fatalf("backfill: %s", errs)
	}
	// A scorer's sheet for one date arrives with a bad value.
	if s, err = sqlite.Open(context.Background(), sqlite.Config{Path: db, Catalog: nba.Catalog}); err != nil {
		t.Fatal(err)
	}
	testdb.LoadRaw(t, s, map[string][]pipeline.Row{nba.Gamebook: inflatedAttempts(testdb.OnDates(nba.GamebookTable, season[nba.Gamebook], bad, bad))}, bad, bad, nba.Gamebook)
	s.Close()
	runCLI(t, db, "run", "--date", bad.String())

	code, out, errs := runCLI(t, db, "--json", "status", "--from", from.String(), "--to", to.String())
	var cells []statusCell
	if code != 0 || json.Unmarshal([]byte(out), &cells) != nil {
		t.Fatalf("status --json: exit %d (%s): %s", code, errs, out)
	}
	seen := map[string]int{}
	for _, cell := range cells {
		seen[cell.State]++
		code, out, errs := runCLI(t, db, "--json", "explain", cell.Processor, cell.Date.String())
		var ex struct {
			Verdict  statusCell `json:"verdict"`
			Decision struct {
				State   string `json:"state"`
				Reason  string `json:"reason"`
				Partial bool   `json:"partial"`
			} `json:"decision"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &ex) != nil {
			t.Fatalf("explain %s %s: exit %d (%s): %s", cell.Processor, cell.Date, code, errs, out)
		}
		got := ex.Decision.State
		if got == pipeline.UpToDate {
			got = pipeline.Published
		}
		if got == pipeline.Published && ex.Decision.Partial {
			got = "partial"
		}
		if got != cell.State || ex.Verdict.Reason != cell.Reason || ex.Verdict.Code != cell.Code {
			t.Errorf("%s %s: status says %s (%s: %s), explain says %s (%s: %s)", cell.Processor, cell.Date,
				cell.State, cell.Code, cell.Reason, got, ex.Verdict.Code, ex.Decision.Reason)
		}
		if cell.State == pipeline.Blocked && !strings.Contains(cell.Reason, "upstream "+nba.PlayerGame) {
			t.Errorf("%s %s blocked: reason %q does not name the upstream", cell.Processor, cell.Date, cell.Reason)
		}
	}
	t.Logf("states: %v", seen)
	for _, want := range []string{"partial", pipeline.Rejected, pipeline.Blocked} {
		if seen[want] == 0 {
			t.Errorf("no %s cell: the scenario is meant to show one", want)
		}
	}
}
