package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

// fastPace is a faulty deploy of team offense: pace 5% too high (still
// within the checks' ranges), under a new processor version.
type fastPace struct{ pipeline.Processor }

func (fastPace) Version() string { return "1-fastpace" }

func (f fastPace) Compute(c pipeline.Compute) ([]pipeline.Row, error) {
	rows, err := f.Processor.Compute(c)
	i := nba.TeamOffenseTable.MustCol("pace")
	for _, r := range rows {
		r[i] = r[i].(float64) * 1.05
	}
	return rows, err
}

// TestRollbackRestoresAndDependentsRecompute: a faulty deploy republishes
// team offense; rolling back restores the earlier numbers as a new version,
// the engine keeps it, and the player summary recomputes by itself against it.
func TestRollbackRestoresAndDependentsRecompute(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s pipeline.Store) {
		ctx := context.Background()
		testdb.LoadRaw(t, s, testdb.SeasonRows(t), feb3, feb3)
		now := func() time.Time { return time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC) }
		scope := engine.Scope{From: feb3, To: feb3, Processors: []string{nba.TeamOffense, nba.PlayerGame}}
		if _, err := newEngine(t, s, now).Run(ctx, scope); err != nil {
			t.Fatal(err)
		}
		good, _ := s.CurrentVersion(ctx, nba.TeamOffense, feb3)
		faulty := newEngine(t, s, now, withProcessor(t, fastPace{processorNamed(nba.TeamOffense)}))
		if _, err := faulty.Run(ctx, scope); err != nil {
			t.Fatal(err)
		}
		bad, _ := s.CurrentVersion(ctx, nba.TeamOffense, feb3)
		if bad.Version != 2 || bad.ContentHash == good.ContentHash {
			t.Fatalf("faulty deploy: team offense version %d, want a second version with other content", bad.Version)
		}

		v, err := faulty.Rollback(ctx, nba.TeamOffense, feb3, 0)
		if err != nil {
			t.Fatal(err)
		}
		if v.Version != 3 || v.RestoredFrom != 1 || v.ContentHash != good.ContentHash || v.Source != pipeline.SourceRollback {
			t.Errorf("rollback = version %d restoring %d, source %s, same content %t; want version 3 restoring 1 with version 1's content",
				v.Version, v.RestoredFrom, v.Source, v.ContentHash == good.ContentHash)
		}
		rep, err := faulty.Run(ctx, scope)
		if err != nil {
			t.Fatal(err)
		}
		if st, _ := decision(rep, nba.TeamOffense, feb3); st != pipeline.Published {
			t.Errorf("team offense after the rollback: %s, want kept as published (not recomputed)", st)
		}
		cur, _ := s.CurrentVersion(ctx, nba.TeamOffense, feb3)
		if cur.Version != 3 {
			t.Errorf("team offense version after the run = %d, want the rollback (3) kept", cur.Version)
		}
		player, _ := s.CurrentVersion(ctx, nba.PlayerGame, feb3)
		if got := inputVersion(player, nba.TeamOffense, feb3); got != 3 || rep.Runs[pipeline.Published]+rep.Runs[pipeline.UpToDate] == 0 {
			t.Errorf("player summary read team offense version %d (runs %v), want it recomputed against the rollback (3)", got, rep.Runs)
		}
		if _, err := faulty.Rollback(ctx, nba.TeamOffense, feb3, 3); err == nil {
			t.Error("rollback to the current version succeeded, want an error")
		}
	})
}
