package release_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/release"
	"github.com/statgate/statgate/internal/testdb"
)

// TestVersions: a changed player summary is held, then promoted, then
// rolled back; the unchanged processors are current throughout.
func TestVersions(t *testing.T) {
	ctx := context.Background()
	s := season(t)
	e, pl := buildWith(t, s, testdb.HigherUsage{})
	want := func(state string) []release.Version {
		var out []release.Version
		for _, name := range pl.Graph.Order() {
			v := release.Version{Processor: name, Version: pl.Graph.Processor(name).Version(), State: release.Current}
			if name == nba.PlayerGame {
				v.State = state
			}
			out = append(out, v)
		}
		return out
	}
	check := func(state string) {
		t.Helper()
		got, err := release.Versions(ctx, s, e, pl.Graph)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want(state), got); diff != "" {
			t.Errorf("Versions() with the player summary %s (-want +got):\n%s", state, diff)
		}
	}
	check(pipeline.ReleaseHeld)
	if _, err := pl.Promote(ctx, nba.PlayerGame, "test"); err != nil {
		t.Fatal(err)
	}
	check(pipeline.ReleasePromoted)
	if _, err := e.RollbackVersion(ctx, nba.PlayerGame, "2-test", "test"); err != nil {
		t.Fatal(err)
	}
	check(pipeline.ReleaseRolledBack)
}
