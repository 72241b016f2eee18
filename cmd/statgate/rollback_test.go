package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
	"github.com/statgate/statgate/internal/release"
	"github.com/statgate/statgate/internal/sqlite"
	"github.com/statgate/statgate/internal/testdb"
)

// deployChanged promotes and runs the changed build on db, as a deploy of
// it would.
func deployChanged(t *testing.T, db string, from, to pipeline.Date) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, sqlite.Config{Path: db, Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g := testdb.Graph(t, testdb.HigherUsage{})
	e, err := engine.New(engine.Config{Store: s, Catalog: nba.Catalog, Graph: g, Hold: true, Owner: "deploy",
		Executor: &publish.Executor{Store: s, Catalog: nba.Catalog, BuildRevision: "changed"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveRelease(ctx, pipeline.Release{Processor: nba.PlayerGame, Version: "2-test", State: pipeline.ReleasePromoted, DecidedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Run(ctx, engine.Scope{From: from, To: to, RefreshAll: true, Explicit: true}); err != nil {
		t.Fatal(err)
	}
}

// hashesIn are the content hashes of a table's current partitions in db.
func hashesIn(t *testing.T, db, table string) map[pipeline.Date]string {
	t.Helper()
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: db, Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	vs, err := s.Partitions(context.Background(), pipeline.PartitionFilter{Table: table})
	if err != nil {
		t.Fatal(err)
	}
	out := map[pipeline.Date]string{}
	for _, v := range vs {
		out[v.Date] = v.ContentHash
	}
	return out
}

// TestRollbackVersionCommand: after a changed player summary was promoted
// and published, rollback --processor --version restores every date's
// previous content, and the upcoming player contexts recompute to their
// original content; --json parses, and the version shows rolled back.
func TestRollbackVersionCommand(t *testing.T) {
	t.Parallel()
	from, to := pipeline.MustDate("2023-02-01"), pipeline.MustDate("2023-02-08")
	db := seasonDB(t, from, to)
	if code, _, errs := runCLI(t, db, "backfill", "--from", from.String(), "--to", to.String()); code != 0 {
		t.Fatalf("backfill: exit %d: %s", code, errs)
	}
	summaries, contexts := hashesIn(t, db, nba.PlayerGame), hashesIn(t, db, nba.UpcomingPlayer)
	deployChanged(t, db, from, to)
	changed := 0
	for d, h := range hashesIn(t, db, nba.PlayerGame) {
		if h != summaries[d] {
			changed++
		}
	}
	if changed == 0 {
		t.Fatal("the changed build changed no player summary")
	}

	code, out, errs := runCLI(t, db, "--json", "rollback", "--processor", nba.PlayerGame, "--version", "2-test", "--reason", "usage too high")
	if code != 0 {
		t.Fatalf("rollback --processor: exit %d: %s", code, errs)
	}
	var res struct {
		Restored []pipeline.PartitionVersion `json:"restored"`
		Kept     []struct {
			Date   pipeline.Date `json:"game_date"`
			Reason string        `json:"reason"`
		} `json:"kept"`
		Release    pipeline.Release `json:"release"`
		Dependents map[string]int   `json:"dependents_recomputed"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("rollback --json: %v\n%s", err, out)
	}
	if len(res.Restored) != changed || res.Release.State != pipeline.ReleaseRolledBack || res.Release.Reason != "usage too high" || res.Dependents["published"] == 0 {
		t.Errorf("rollback --json: %d restored, release %+v, dependents %v; want the %d changed dates, rolled back, dependents published",
			len(res.Restored), res.Release, res.Dependents, changed)
	}
	for d, h := range hashesIn(t, db, nba.PlayerGame) {
		if h != summaries[d] {
			t.Errorf("player summary %s: hash %.12s after the rollback, want %.12s", d, h, summaries[d])
		}
	}
	for d, h := range hashesIn(t, db, nba.UpcomingPlayer) {
		if h != contexts[d] {
			t.Errorf("upcoming player context %s: hash %.12s after the rollback, want %.12s", d, h, contexts[d])
		}
	}

	// statgate version lists the processors on the database: the released
	// code's player summary computed everything published again.
	code, out, errs = runCLI(t, db, "--json", "version")
	var ver versionResult
	if err := json.Unmarshal([]byte(out), &ver); code != 0 || err != nil {
		t.Fatalf("version --json: exit %d, %v: %s%s", code, err, out, errs)
	}
	if len(ver.Processors) != len(nba.Processors()) || !slices.Contains(ver.Processors, release.Version{Processor: nba.PlayerGame, Version: nba.PlayerGameProcessor{}.Version(), State: release.Current}) {
		t.Errorf("version --json processors = %+v, want all five, the player summary current", ver.Processors)
	}

	// Human output, and mistakes in how it is called.
	if code, out, errs := runCLI(t, db, "rollback", "--processor", nba.PlayerGame, "--version", "2-test"); code != 0 || !strings.Contains(out, "rolled back: 0 partitions restored") {
		t.Errorf("a second rollback: exit %d, %q %s; want nothing restored", code, out, errs)
	}
	for _, args := range [][]string{
		{"rollback", "--processor", nba.PlayerGame, "--version", "2-test", "--table", nba.PlayerGame},
		{"rollback", "--processor", nba.PlayerGame},
		{"rollback", "--date", "2023-02-03"},
		{"rollback", "--processor", "nope", "--version", "1"},
	} {
		if code, _, errs := runCLI(t, db, args...); code != 2 {
			t.Errorf("statgate %v: exit %d (%s), want 2", args, code, errs)
		}
	}
}
