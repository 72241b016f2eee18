package engine_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

// holding is the engine option the service and the command line use.
func holding(c *engine.Config) { c.Hold = true }

// promotedSeason publishes the real season with the released code, then
// promotes and runs the changed build, which republishes every player
// summary with rows. It returns the store, the changed build's engine and
// the content before the change.
func promotedSeason(t *testing.T) (pipeline.Store, *engine.Engine, map[pipeline.Date]pipeline.PartitionVersion, map[pipeline.Date]pipeline.PartitionVersion) {
	t.Helper()
	ctx := context.Background()
	s := testdb.SQLite(t, scheduledEarly)
	testdb.LoadRaw(t, s, testdb.SeasonRows(t), seasonStart, seasonEnd)
	all := engine.Scope{From: seasonStart, To: seasonEnd, RefreshAll: true, Explicit: true}
	if _, err := newEngine(t, s, time.Now, holding).Run(ctx, all); err != nil {
		t.Fatal(err)
	}
	summaries, contexts := testdb.Current(t, s, nba.PlayerGame), testdb.Current(t, s, nba.UpcomingPlayer)

	changed := newEngine(t, s, time.Now, holding, withProcessor(t, testdb.HigherUsage{}))
	if err := s.SaveRelease(ctx, pipeline.Release{Processor: nba.PlayerGame, Version: "2-test", State: pipeline.ReleasePromoted, DecidedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := changed.Run(ctx, all); err != nil {
		t.Fatal(err)
	}
	republished := 0
	for d, v := range testdb.Current(t, s, nba.PlayerGame) {
		if v.ProcessorVersion == "2-test" && v.ContentHash != summaries[d].ContentHash {
			republished++
		}
	}
	if republished == 0 {
		t.Fatal("the promoted build republished no player summary")
	}
	return s, changed, summaries, contexts
}

// TestRollbackVersion: a promoted build republished the season's player
// summaries; rolling its version back restores every date's previous
// content as a new version saying what it restores, holds the version, and
// once the engine runs again the upcoming player contexts are back to
// their original content while the summaries stay restored.
func TestRollbackVersion(t *testing.T) {
	ctx := context.Background()
	s, e, summaries, contexts := promotedSeason(t)
	byVersion := 0
	for _, v := range testdb.Current(t, s, nba.PlayerGame) {
		if v.ProcessorVersion == "2-test" {
			byVersion++
		}
	}

	rep, err := e.RollbackVersion(ctx, nba.PlayerGame, "2-test", "usage rates too high")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Restored)+len(rep.Kept) != byVersion || len(rep.Restored) == 0 {
		t.Errorf("RollbackVersion: %d restored, %d kept; want the %d partitions 2-test published", len(rep.Restored), len(rep.Kept), byVersion)
	}
	for _, k := range rep.Kept {
		// Only dates where the change changed nothing (no rows) keep
		// the version that recorded itself on their content.
		if summaries[k.Date].RowCount != 0 {
			t.Errorf("kept %s (%d rows before): %s; want it restored", k.Date, summaries[k.Date].RowCount, k.Reason)
		}
	}
	restored := testdb.Current(t, s, nba.PlayerGame)
	for d, was := range summaries {
		now := restored[d]
		if now.ContentHash != was.ContentHash {
			t.Errorf("%s after the rollback: v%d hash %.12s, want %.12s (v%d)", d, now.Version, now.ContentHash, was.ContentHash, was.Version)
		}
		if was.RowCount > 0 && (now.Source != pipeline.SourceRollback || now.RestoredFrom != was.Version || now.ProcessorVersion != was.ProcessorVersion) {
			t.Errorf("%s after the rollback: source %s restoring v%d computed by %q; want a rollback of v%d by %q",
				d, now.Source, now.RestoredFrom, now.ProcessorVersion, was.Version, was.ProcessorVersion)
		}
	}
	rels, err := s.Releases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(rels, func(r pipeline.Release) bool {
		return r.Processor == nba.PlayerGame && r.Version == "2-test" && r.State == pipeline.ReleaseRolledBack && r.Reason == "usage rates too high"
	}) {
		t.Errorf("releases = %+v, want 2-test rolled back with the reason", rels)
	}
	held, err := e.Held(ctx)
	if err != nil || !held[nba.PlayerGame] {
		t.Errorf("Held() = %v, %v; want the rolled back version held", held, err)
	}

	// The engine, still running 2-test, keeps the restored summaries and
	// recomputes what reads them.
	if _, err := e.Run(ctx, engine.Scope{From: seasonStart, To: seasonEnd, RefreshAll: true, Explicit: true}); err != nil {
		t.Fatal(err)
	}
	for d, v := range testdb.Current(t, s, nba.PlayerGame) {
		if v.Version != restored[d].Version {
			t.Errorf("%s: version %d by %s replaced the restored version %d", d, v.Version, v.ProcessorVersion, restored[d].Version)
		}
	}
	for d, v := range testdb.Current(t, s, nba.UpcomingPlayer) {
		if v.ContentHash != contexts[d].ContentHash {
			t.Errorf("upcoming player context %s: hash %.12s, want the original %.12s", d, v.ContentHash, contexts[d].ContentHash)
		}
	}

	// Nothing left to roll back; an unknown version is an error.
	again, err := e.RollbackVersion(ctx, nba.PlayerGame, "2-test", "again")
	if err != nil || len(again.Restored) != 0 {
		t.Errorf("a second rollback restored %d, %v; want none", len(again.Restored), err)
	}
	if _, err := e.RollbackVersion(ctx, nba.PlayerGame, "2-tset", ""); !errors.Is(err, pipeline.ErrNotFound) {
		t.Errorf("rollback of an unknown version: %v, want not found", err)
	}
}
