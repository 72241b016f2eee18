package publish_test

import (
	"context"
	"slices"
	"testing"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
	"github.com/statgate/statgate/internal/testdb"
)

// mutate is a faulty deploy of a processor: its rows pass through f, under
// another version; without checks it stands for an upstream that published
// bad rows unchecked.
type mutate struct {
	pipeline.Processor
	f        func(t *pipeline.Table, rows []pipeline.Row) []pipeline.Row
	noChecks bool
}

func (m mutate) Version() string { return m.Processor.Version() + "-faulty" }

func (m mutate) Compute(c pipeline.Compute) ([]pipeline.Row, error) {
	rows, err := m.Processor.Compute(c)
	return m.f(m.Output(), rows), err
}

func (m mutate) Checks() []pipeline.Check {
	if m.noChecks {
		return nil
	}
	return m.Processor.Checks()
}

func teamRows(team string) func(t *pipeline.Table, r pipeline.Row) bool {
	return func(t *pipeline.Table, r pipeline.Row) bool { return r[t.MustCol("team_abbr")] == team }
}

func setInt(col string, f func(int64) int64, which func(*pipeline.Table, pipeline.Row) bool) func(*pipeline.Table, []pipeline.Row) []pipeline.Row {
	return func(t *pipeline.Table, rows []pipeline.Row) []pipeline.Row {
		for _, r := range rows {
			if which == nil || which(t, r) {
				r[t.MustCol(col)] = f(r[t.MustCol(col)].(int64))
			}
		}
		return rows
	}
}

// TestInjectedFaultsAreRejected: each corruption of the Feb 3 kind is
// rejected by a named critical check, and nothing new becomes visible.
func TestInjectedFaultsAreRejected(t *testing.T) {
	season := testdb.SeasonRows(t)
	team, player := processor(t, nba.TeamOffense), processor(t, nba.PlayerGame)
	dropBOS := func(t *pipeline.Table, rows []pipeline.Row) []pipeline.Row {
		return slices.DeleteFunc(rows, func(r pipeline.Row) bool { return teamRows("BOS")(t, r) })
	}
	cases := []struct {
		name string
		// upstream, when set, is published unchecked first (the cause);
		// then target runs and must be rejected by check.
		upstream pipeline.Processor
		target   pipeline.Processor
		check    string
	}{
		{"player rows against missing team totals", mutate{team, dropBOS, true}, player, "usage_present"},
		{"player rows against partial team totals", mutate{team, setInt("fg_attempts", func(n int64) int64 { return n / 2 }, nil), true}, player, "usage_minutes_weighted"},
		{"zeroed in-progress team rows", nil, mutate{team, func(t *pipeline.Table, rows []pipeline.Row) []pipeline.Row {
			for _, c := range []string{"fg_makes", "fg_attempts", "points_scored"} {
				rows = setInt(c, func(int64) int64 { return 0 }, teamRows("BOS"))(t, rows)
			}
			return rows
		}, false}, "fg_attempts_positive"},
		{"duplicated player rows", nil, mutate{player, func(_ *pipeline.Table, rows []pipeline.Row) []pipeline.Row {
			return append(rows, slices.Clone(rows[0]))
		}, false}, "key_unique"},
		{"swapped home and away", nil, mutate{team, func(t *pipeline.Table, rows []pipeline.Row) []pipeline.Row {
			for _, r := range rows {
				r[t.MustCol("home_game")] = !r[t.MustCol("home_game")].(bool)
			}
			return rows
		}, false}, "home_game_matches_schedule"},
		{"rows for another date", nil, mutate{player, func(t *pipeline.Table, rows []pipeline.Row) []pipeline.Row {
			rows[0][t.DateIndex()] = feb3.AddDays(1)
			return rows
		}, false}, "game_date_matches"},
		{"team FGA changed after the player summary", mutate{team, setInt("fg_attempts", func(n int64) int64 { return n + 6 }, teamRows("BOS")), true}, player, "team_attempts_match"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := testdb.SQLite(t)
			ctx := context.Background()
			testdb.LoadRaw(t, s, season, feb3, feb3)
			x := newExecutor(s)
			for _, p := range []pipeline.Processor{team, player} {
				if r, err := x.Execute(ctx, p, feb3, publish.Options{}); err != nil || r.State != publish.Published {
					t.Fatalf("good %s: %s, %v", p.Name(), r.State, err)
				}
			}
			if tc.upstream != nil {
				if r, err := x.Execute(ctx, tc.upstream, feb3, publish.Options{}); err != nil || r.State != publish.Published {
					t.Fatalf("faulty upstream %s: %s, %v", tc.upstream.Name(), r.State, err)
				}
			}
			before, _ := s.CurrentVersion(ctx, tc.target.Name(), feb3)
			r, err := x.Execute(ctx, tc.target, feb3, publish.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.State != publish.Rejected || !hasCritical(r.Outcomes, tc.check) {
				t.Errorf("%s: %s with outcomes %v, want rejected by %s", tc.target.Name(), r.State, r.Outcomes, tc.check)
			}
			after, _ := s.CurrentVersion(ctx, tc.target.Name(), feb3)
			if after.Version != before.Version || after.ContentHash != before.ContentHash {
				t.Errorf("%s became version %d after the rejection, want version %d still visible", tc.target.Name(), after.Version, before.Version)
			}
		})
	}
}
