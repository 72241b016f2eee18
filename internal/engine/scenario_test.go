package engine_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/ingest"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

var feb3 = pipeline.MustDate("2023-02-03")

// syncClock is a clock safe to move while the engine reads it.
type syncClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *syncClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *syncClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func loadRows(t *testing.T, s pipeline.Store, table string, rows []pipeline.Row) {
	t.Helper()
	tb := nba.Catalog.Table(table)
	if _, err := ingest.Load(context.Background(), s, tb, rows, ingest.Options{FillEmptyDates: table == nba.Schedule}); err != nil {
		t.Fatal(err)
	}
}

func decision(rep engine.Report, proc string, d pipeline.Date) (st, reason string) {
	for _, dec := range rep.Final {
		if dec.Task.Processor == proc && dec.Task.Date == d {
			return dec.State, dec.Reason
		}
	}
	return "", ""
}

// TestFeb3Replay replays the incident's order on real data: the player
// summary is triggered while 2023-02-03's team box scores are missing.
// Nothing is published for it; once the box scores load, team offense
// publishes and the player summary follows within the same Run, computed
// against that team offense version.
func TestFeb3Replay(t *testing.T) {
	season := testdb.SeasonRows(t)
	testdb.Each(t, func(t *testing.T, s pipeline.Store) {
		ctx := context.Background()
		clk := &syncClock{t: time.Date(2023, 2, 4, 5, 0, 0, 0, time.UTC)} // the morning after: before the deadline
		testdb.LoadRaw(t, s, season, feb3, feb3, nba.Schedule, nba.Gamebook)
		e := newEngine(t, s, clk.Now)
		scope := engine.Scope{From: feb3, To: feb3, Processors: []string{nba.TeamOffense, nba.PlayerGame}}
		rep, err := e.Run(ctx, scope)
		if err != nil {
			t.Fatal(err)
		}
		st, why := decision(rep, nba.PlayerGame, feb3)
		if st != pipeline.Waiting || !strings.Contains(why, "team_offense_game_summary 2023-02-03 not published") {
			t.Errorf("player before the box scores: %s (%s), want waiting on team offense", st, why)
		}
		st, why = decision(rep, nba.TeamOffense, feb3)
		if st != pipeline.Waiting || !strings.Contains(why, "nbac_team_boxscore missing 8 of 8 games") {
			t.Errorf("team offense before the box scores: %s (%s), want waiting on 8 games", st, why)
		}
		if len(rep.Runs) != 0 {
			t.Errorf("runs before the box scores = %v, want none", rep.Runs)
		}
		dec, _, err := e.Explain(ctx, pipeline.TaskKey{Processor: nba.TeamOffense, Date: feb3})
		if err != nil || len(dec.Missing) != 8 || !slices.Contains(dec.Missing, "20230203_PHX_BOS") {
			t.Errorf("Explain(team offense) missing = %v, %v; want the 8 games of the day, 20230203_PHX_BOS among them", dec.Missing, err)
		}

		// Phase 2 delivers the box scores while a Run waits for inputs.
		done := make(chan engine.Report, 1)
		waiting := scope
		waiting.WaitFor = time.Hour // until the box scores arrive and everything settles
		go func() {
			r, err := e.Run(ctx, waiting)
			if err != nil {
				t.Error(err)
			}
			done <- r
		}()
		testdb.LoadRaw(t, s, season, feb3, feb3, nba.TeamBox)
		e.Notify()
		rep = <-done
		for _, p := range []string{nba.TeamOffense, nba.PlayerGame} {
			if st, why := decision(rep, p, feb3); st != pipeline.Published {
				t.Errorf("%s after the box scores: %s (%s), want published", p, st, why)
			}
		}
		team, _ := s.CurrentVersion(ctx, nba.TeamOffense, feb3)
		player, _ := s.CurrentVersion(ctx, nba.PlayerGame, feb3)
		if got := inputVersion(player, nba.TeamOffense, feb3); got != team.Version {
			t.Errorf("player lineage names team offense version %d, want %d", got, team.Version)
		}
		if !player.CreatedAt.After(team.CreatedAt) && !player.CreatedAt.Equal(team.CreatedAt) {
			t.Errorf("player published at %v before team offense at %v", player.CreatedAt, team.CreatedAt)
		}
		rows, _, _ := s.ReadPartition(ctx, nba.PlayerGameTable, feb3)
		tatum := findPlayer(rows, "jaysontatum")
		if usage, _ := tatum[nba.PlayerGameTable.MustCol("usage_rate")].(float64); math.Abs(usage-27.5) > 0.05 {
			t.Errorf("Jayson Tatum 2023-02-03 usage = %v, want 27.5 as Basketball-Reference published", usage)
		}
	})
}

func inputVersion(v pipeline.PartitionVersion, table string, d pipeline.Date) int {
	for _, in := range v.Inputs {
		if in.Table == table && in.Date == d {
			return in.Version
		}
	}
	return 0
}

func findPlayer(rows []pipeline.Row, lookup string) pipeline.Row {
	i := nba.PlayerGameTable.MustCol("player_lookup")
	for _, r := range rows {
		if r[i] == lookup {
			return r
		}
	}
	return make(pipeline.Row, len(nba.PlayerGameTable.Columns))
}
