package publish_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
	"github.com/statgate/statgate/internal/testdb"
)

// TestUnannouncedRowsAreNotRead: an upstream system rewrites a raw
// partition in the table without announcing it. A computation over it
// fails (transiently, not as invalid input) instead of reading content
// nobody announced, and publishes nothing; once announced, the new content
// is read and recorded in the lineage.
func TestUnannouncedRowsAreNotRead(t *testing.T) {
	season := testdb.SeasonRows(t)
	testdb.Each(t, func(t *testing.T, s pipeline.Store) {
		ctx := context.Background()
		testdb.LoadRaw(t, s, season, feb3, feb3)
		team := processor(t, nba.TeamOffense)
		box := testdb.OnDates(nba.TeamBoxTable, season[nba.TeamBox], feb3, feb3)
		// Boston's box score is corrected: one more turnover.
		changed := make([]pipeline.Row, len(box))
		tov, abbr := nba.TeamBoxTable.MustCol("turnovers"), nba.TeamBoxTable.MustCol("team_abbr")
		for i, r := range box {
			changed[i] = append(pipeline.Row(nil), r...)
			if r[abbr] == "BOS" {
				changed[i][tov] = r[tov].(int64) + 1
			}
		}
		testdb.WriteDirect(t, s, nba.TeamBoxTable, feb3, changed)

		for _, x := range []*publish.Executor{newExecutor(s), {Store: s, Catalog: nba.Catalog, BuildRevision: "test"}} {
			_, err := x.Execute(ctx, team, feb3, publish.Options{})
			if err == nil || !strings.Contains(err.Error(), "differ from its announced version 1") || errors.Is(err, pipeline.ErrInvalid) {
				t.Fatalf("Execute over unannounced rows = %v, want a transient error naming announced version 1", err)
			}
		}
		if _, err := s.CurrentVersion(ctx, nba.TeamOffense, feb3); !pipeline.IsNotFound(err) {
			t.Fatalf("team offense after the refused read: %v, want never published", err)
		}
		ann, err := s.Announce(ctx, pipeline.Announcement{Table: nba.TeamBoxTable, Date: feb3, MessageID: "fix-1", Status: pipeline.StatusSuccess})
		if err != nil || ann.Version.Version != 2 {
			t.Fatalf("Announce = %+v, %v; want version 2", ann, err)
		}
		r, err := newExecutor(s).Execute(ctx, team, feb3, publish.Options{})
		if err != nil || r.State != publish.Published {
			t.Fatalf("Execute after the announcement = %+v, %v; want published", r, err)
		}
		if got := inputVersion(r.Version, nba.TeamBox, feb3); got != 2 {
			t.Errorf("team offense read team box version %d, want 2", got)
		}
	})
}
