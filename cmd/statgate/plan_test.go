package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
	"github.com/statgate/statgate/internal/sqlite"
	"github.com/statgate/statgate/internal/testdb"
)

// TestPlanHoldCanaryApply: on two real weeks published by an older build
// (whose player summary had version 0, and with other usage rates on one
// date), plan lists the held change, its canary names usage_rate on that
// date alone, a backfill leaves the held partitions as they are, and
// --apply promotes it, after which a backfill publishes it.
func TestPlanHoldCanaryApply(t *testing.T) {
	from, to := pipeline.MustDate("2023-01-30"), pipeline.MustDate("2023-02-12")
	db := seasonDB(t, from, to)
	publishWithOlderBuild(t, db, from, to)
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE player_game_summary SET usage_rate = usage_rate + 1 WHERE game_date = '2023-02-03' AND usage_rate IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	var out planOutput
	plan := func(args ...string) {
		t.Helper()
		code, stdout, errs := runCLI(t, db, append([]string{"--json", "plan"}, args...)...)
		if code != 0 {
			t.Fatalf("plan %v: exit %d: %s", args, code, errs)
		}
		out = planOutput{}
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatalf("plan %v: %v\n%s", args, err, stdout)
		}
	}
	find := func(name string) int {
		for i, p := range out.Processors {
			if p.Processor == name {
				return i
			}
		}
		t.Fatalf("plan lists no %s", name)
		return -1
	}
	plan("--canary", "--dates", "2023-02-03,2023-02-04")
	p := out.Processors[find(nba.PlayerGame)]
	if p.State != pipeline.ReleaseHeld || len(p.Affected) != 14 || p.Dependents[nba.UpcomingPlayer] == 0 {
		t.Errorf("plan: %s, %d affected, dependents %v; want held, 14 dates, the upcoming contexts following", p.State, len(p.Affected), p.Dependents)
	}
	if p.Canary == nil || len(p.Canary.Columns) != 1 || p.Canary.Columns[0].Column != "usage_rate" || p.Canary.Promotable {
		t.Fatalf("canary = %+v, want usage_rate changed and held", p.Canary)
	}
	for _, d := range p.Canary.Dates {
		if changed := d.Changed > 0; changed != (d.Date == pipeline.MustDate("2023-02-03")) {
			t.Errorf("canary %s: %d rows changed; only 2023-02-03's usage rates differ", d.Date, d.Changed)
		}
	}
	if i := find(nba.TeamOffense); out.Processors[i].State != "current" || out.Processors[i].Canary != nil {
		t.Errorf("team offense: %s, canary %v; want current and no canary", out.Processors[i].State, out.Processors[i].Canary)
	}

	// Held: a backfill keeps the older build's partitions.
	if code, _, errs := runCLI(t, db, "backfill", "--from", from.String(), "--to", to.String(), "--mode", "stale"); code != 0 {
		t.Fatalf("backfill while held: exit %d: %s", code, errs)
	}
	plan()
	if p := out.Processors[find(nba.PlayerGame)]; p.State != pipeline.ReleaseHeld || len(p.Affected) != 14 {
		t.Errorf("after a backfill while held: %s, %d affected; want held, 14", p.State, len(p.Affected))
	}

	if code, _, _ := runCLI(t, db, "plan", "--apply", "--auto-promote"); code != 2 {
		t.Errorf("plan --apply --auto-promote: exit %d, want 2", code)
	}
	plan("--apply", "--processors", nba.PlayerGame)
	if len(out.Promoted) != 1 || out.Promoted[0].Processor != nba.PlayerGame || out.Promoted[0].State != pipeline.ReleasePromoted {
		t.Fatalf("plan --apply promoted %+v", out.Promoted)
	}
	if code, _, errs := runCLI(t, db, "backfill", "--from", from.String(), "--to", to.String(), "--mode", "stale"); code != 0 {
		t.Fatalf("backfill after the promotion: exit %d: %s", code, errs)
	}
	plan()
	if p := out.Processors[find(nba.PlayerGame)]; p.State != pipeline.ReleasePromoted || len(p.Affected) != 0 || !slices.Equal(keys(p.Published), []string{"1"}) {
		t.Errorf("after the promotion and a backfill: %s, %d affected, published by %v; want promoted, none, all by version 1", p.State, len(p.Affected), p.Published)
	}
}

// olderPlayerGame is the player summary as an older build had it: the same
// code under version 0.
type olderPlayerGame struct{ nba.PlayerGameProcessor }

func (olderPlayerGame) Version() string { return "0" }

// olderTeamDefense is team defense version 1, which wrote no game length
// (the test clears those columns, as version 1 left them).
type olderTeamDefense struct{ nba.TeamDefenseProcessor }

func (olderTeamDefense) Version() string { return "1" }

// publishWithOlderBuild publishes from..to with a build whose player
// summary is version 0 and team defense version 1, as a database a
// previous release left.
func publishWithOlderBuild(t *testing.T, db string, from, to pipeline.Date) {
	t.Helper()
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: db, Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g := testdb.Graph(t, olderPlayerGame{}, olderTeamDefense{})
	e, err := engine.New(engine.Config{Store: s, Catalog: nba.Catalog, Graph: g,
		Executor: &publish.Executor{Store: s, Catalog: nba.Catalog, BuildRevision: "older", Cache: publish.NewCache(publish.DefaultCacheRows)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Run(context.Background(), engine.Scope{From: from, To: to, RefreshAll: true, Explicit: true}); err != nil {
		t.Fatal(err)
	}
}

func keys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestPlanAutoPromote: --auto-promote promotes team defense version 2,
// whose canary changes only the columns the version declares (the game's
// length, which version 1 left empty), and keeps the player summary held,
// whose canary changes usage rates it does not declare, with one alert
// naming the first differing row.
func TestPlanAutoPromote(t *testing.T) {
	from, to := pipeline.MustDate("2023-01-30"), pipeline.MustDate("2023-02-05")
	db := seasonDB(t, from, to)
	publishWithOlderBuild(t, db, from, to)
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE team_defense_game_summary SET team_minutes = NULL, overtime_periods = NULL`,
		`UPDATE player_game_summary SET usage_rate = usage_rate + 1 WHERE game_date = '2023-02-03' AND usage_rate IS NOT NULL`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	srv := newWebhook()
	defer srv.Close()
	code, stdout, errs := runCLI(t, db, "--json", "--alert-webhook", srv.URL, "plan", "--auto-promote", "--dates", "2023-02-03,2023-02-04")
	if code != 0 {
		t.Fatalf("plan --auto-promote: exit %d: %s", code, errs)
	}
	var out planOutput
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Promoted) != 1 || out.Promoted[0].Processor != nba.TeamDefense {
		t.Errorf("promoted %+v, want team defense alone", out.Promoted)
	}
	for _, p := range out.Processors {
		switch p.Processor {
		case nba.TeamDefense:
			if p.Canary == nil || !p.Canary.Promotable || len(p.Canary.Columns) != 2 {
				t.Errorf("team defense canary %+v, want promotable with its two declared columns", p.Canary)
			}
		case nba.PlayerGame:
			if p.Canary == nil || p.Canary.Promotable || !slices.Equal(p.Canary.Undeclared, []string{"usage_rate"}) {
				t.Errorf("player summary canary %+v, want held for usage_rate", p.Canary)
			}
		}
	}
	alerts := srv.alerts()
	if len(alerts) != 1 || !strings.Contains(alerts[0], "canary_held: :rotating_light: statgate: player_game_summary version 1 stays held: usage_rate changed") || !strings.Contains(alerts[0], "2023-02-03") {
		t.Errorf("alerts = %q, want one canary_held naming the player summary's first differing row on 2023-02-03", alerts)
	}
	if code, stdout, _ := runCLI(t, db, "version", "--json"); code != 0 || !strings.Contains(stdout, `"held"`) || !strings.Contains(stdout, `"promoted"`) {
		t.Errorf("version after auto-promotion: exit %d\n%s\nwant a promoted and a held processor", code, stdout)
	}
}
