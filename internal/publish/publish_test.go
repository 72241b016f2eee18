package publish_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
	"github.com/statgate/statgate/internal/testdb"
)

var feb3 = pipeline.MustDate("2023-02-03")

func processor(t *testing.T, name string) pipeline.Processor {
	t.Helper()
	for _, p := range nba.Processors() {
		if p.Name() == name {
			return p
		}
	}
	t.Fatalf("no processor %s", name)
	return nil
}

func newExecutor(s pipeline.Store) *publish.Executor {
	return &publish.Executor{Store: s, Catalog: nba.Catalog, BuildRevision: "test", Cache: publish.NewCache(100_000)}
}

// halvedTeamTotals is a faulty team-offense processor: it publishes team
// rows with half the FGA, FTA and turnovers, as a partial box score would.
type halvedTeamTotals struct{ pipeline.Processor }

func (h halvedTeamTotals) Compute(c pipeline.Compute) ([]pipeline.Row, error) {
	rows, err := h.Processor.Compute(c)
	t := nba.TeamOffenseTable
	for _, r := range rows {
		for _, col := range []string{"fg_attempts", "ft_attempts", "turnovers"} {
			i := t.MustCol(col)
			r[i] = r[i].(int64) / 2
		}
	}
	return rows, err
}

func (halvedTeamTotals) Checks() []pipeline.Check { return nil }

// Version differs from the real processor's, as a faulty deploy's would.
func (halvedTeamTotals) Version() string { return "halved" }

// TestExecuteOnRealDate publishes team offense and the player summary for
// 2023-02-03, finds them up to date on a second run, and rejects a player
// recomputation against partial team totals while the good version stays
// visible.
func TestExecuteOnRealDate(t *testing.T) {
	season := testdb.SeasonRows(t)
	testdb.Each(t, func(t *testing.T, s pipeline.Store) {
		ctx := context.Background()
		testdb.LoadRaw(t, s, season, feb3, feb3)
		x := newExecutor(s)
		team, player := processor(t, nba.TeamOffense), processor(t, nba.PlayerGame)

		r, err := x.Execute(ctx, team, feb3, publish.Options{})
		if err != nil || r.State != publish.Published || r.Rows != 16 {
			t.Fatalf("Execute(team offense) = %s with %d rows, %v; want published with 16 rows (8 games)", r.State, r.Rows, err)
		}
		pr, err := x.Execute(ctx, player, feb3, publish.Options{})
		if err != nil || pr.State != publish.Published {
			t.Fatalf("Execute(player) = %+v, %v; want published", pr, err)
		}
		v, err := s.CurrentVersion(ctx, nba.PlayerGame, feb3)
		if err != nil {
			t.Fatal(err)
		}
		if got := inputVersion(v, nba.TeamOffense, feb3); got != r.Version.Version {
			t.Errorf("player lineage names team offense version %d, want %d", got, r.Version.Version)
		}
		if again, _ := x.Execute(ctx, player, feb3, publish.Options{}); again.State != publish.UpToDate {
			t.Errorf("second Execute(player) = %s, want up_to_date", again.State)
		}

		// The Feb 3 shape: team totals turn partial; the player task is rejected.
		if bad, err := x.Execute(ctx, halvedTeamTotals{team}, feb3, publish.Options{}); err != nil || bad.State != publish.Published {
			t.Fatalf("Execute(halved team totals) = %s, %v; want published (it declares no checks)", bad.State, err)
		}
		rej, err := x.Execute(ctx, player, feb3, publish.Options{})
		if err != nil || rej.State != publish.Rejected {
			t.Fatalf("Execute(player on partial team totals) = %s, %v; want rejected", rej.State, err)
		}
		if !hasCritical(rej.Outcomes, "usage_minutes_weighted") {
			t.Errorf("rejection outcomes %v do not include usage_minutes_weighted", rej.Outcomes)
		}
		events, err := s.Events(ctx, time.Time{}, 100)
		if err != nil {
			t.Fatal(err)
		}
		recorded := false
		for _, ev := range events {
			recorded = recorded || (ev.Check == "usage_minutes_weighted" && ev.Severity == pipeline.Critical &&
				ev.Table == nba.PlayerGame && ev.Date == feb3 && ev.Version == 0)
		}
		if !recorded {
			t.Errorf("no critical usage_minutes_weighted event recorded for the rejection (events %+v)", events)
		}
		after, err := s.CurrentVersion(ctx, nba.PlayerGame, feb3)
		if err != nil || after.Version != v.Version || after.ContentHash != v.ContentHash {
			t.Errorf("player partition after the rejection = version %d, want the good version %d still visible", after.Version, v.Version)
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

func hasCritical(outs []pipeline.Outcome, check string) bool {
	for _, o := range outs {
		if o.Check == check && o.Severity == pipeline.Critical {
			return true
		}
	}
	return false
}

// undeclared reads a partition it did not declare.
type undeclared struct{ pipeline.Processor }

func (u undeclared) Compute(c pipeline.Compute) ([]pipeline.Row, error) {
	if _, err := c.Inputs.Rows(nba.TeamBox, c.Date.AddDays(-1)); err != nil {
		return nil, err
	}
	return u.Processor.Compute(c)
}

func TestUndeclaredReadFails(t *testing.T) {
	s := testdb.SQLite(t)
	testdb.LoadRaw(t, s, testdb.SeasonRows(t), feb3.AddDays(-1), feb3)
	_, err := newExecutor(s).Execute(context.Background(), undeclared{processor(t, nba.TeamOffense)}, feb3, publish.Options{})
	if err == nil || !strings.Contains(err.Error(), "undeclared read of nbac_team_boxscore 2023-02-02") {
		t.Errorf("Execute(undeclared read) error = %v, want an undeclared read of nbac_team_boxscore 2023-02-02", err)
	}
	if _, err := s.CurrentVersion(context.Background(), nba.TeamOffense, feb3); !pipeline.IsNotFound(err) {
		t.Errorf("team offense after a failed compute: %v, want nothing published", err)
	}
}
