package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/alert"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

// breaksFrom is a changed build of the player summary that is right (a
// 0.2% higher usage rate) before date from, and from then on leaves every
// usage rate out, which the critical check usage_present rejects.
type breaksFrom struct {
	testdb.HigherUsage
	from pipeline.Date
}

func (p breaksFrom) Compute(c pipeline.Compute) ([]pipeline.Row, error) {
	rows, err := p.HigherUsage.Compute(c)
	if err != nil || c.Date < p.from {
		return rows, err
	}
	u := p.Output().Col("usage_rate")
	for i, r := range rows {
		r = append(pipeline.Row(nil), r...)
		r[u] = nil
		rows[i] = r
	}
	return rows, nil
}

// TestPromotedVersionRolledBackWhenItsCircuitOpens: a promoted build
// republishes the player summaries of the dates already published, then
// is rejected date after date; its circuit opens, what it published since
// the promotion is restored with an alert, the version is rolled back
// (held), and the upcoming player contexts are back to what they were.
// The same rejections before any promotion open no circuit.
func TestPromotedVersionRolledBackWhenItsCircuitOpens(t *testing.T) {
	ctx := context.Background()
	s := testdb.SQLite(t)
	from, broken, to := seasonStart, pipeline.MustDate("2022-11-11"), pipeline.MustDate("2022-11-30")
	testdb.LoadRaw(t, s, testdb.SeasonRows(t), from, to)
	if _, err := newEngine(t, s, time.Now, holding).Run(ctx, engine.Scope{From: from, To: broken.AddDays(-1), Explicit: true}); err != nil {
		t.Fatal(err)
	}
	summaries, contexts := testdb.Current(t, s, nba.PlayerGame), testdb.Current(t, s, nba.UpcomingPlayer)

	var notes notes
	e := newEngine(t, s, time.Now, holding, withProcessor(t, breaksFrom{from: broken}), func(c *engine.Config) {
		c.Alerts, c.Workers, c.CircuitThreshold = &notes, 1, 3
	})
	all := engine.Scope{From: from, To: to, Explicit: true}

	// Held, the new dates up to the 20th compute and are rejected; nothing
	// opens.
	rep, err := e.Run(ctx, engine.Scope{From: from, To: pipeline.MustDate("2022-11-20"), Explicit: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Runs[pipeline.Rejected] < 3 || len(notes.kind(alert.CircuitOpen)) != 0 || len(notes.kind(alert.RolledBack)) != 0 {
		t.Fatalf("held: %d rejected, %d circuit alerts, %d rollback alerts; want the new dates rejected and no circuit",
			rep.Runs[pipeline.Rejected], len(notes.kind(alert.CircuitOpen)), len(notes.kind(alert.RolledBack)))
	}

	promoted := time.Now()
	if err := s.SaveRelease(ctx, pipeline.Release{Processor: nba.PlayerGame, Version: "2-test", State: pipeline.ReleasePromoted, DecidedAt: promoted}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Run(ctx, all); err != nil {
		t.Fatal(err)
	}
	if n := len(notes.kind(alert.RolledBack)); n != 1 || len(notes.kind(alert.CircuitOpen)) == 0 {
		t.Fatalf("promoted: %d rollback alerts, %d circuit alerts; want the circuit open and one rollback", n, len(notes.kind(alert.CircuitOpen)))
	}
	rels, err := s.Releases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rels {
		if r.Processor == nba.PlayerGame && r.Version == "2-test" &&
			(r.State != pipeline.ReleaseRolledBack || !strings.Contains(r.Reason, "circuit opened")) {
			t.Errorf("release of 2-test: %s (%s); want rolled back when its circuit opened", r.State, r.Reason)
		}
	}
	restored := 0
	for d, v := range testdb.Current(t, s, nba.PlayerGame) {
		was, ok := summaries[d]
		switch {
		case !ok:
			if v.ProcessorVersion == "2-test" && v.RowCount > 0 {
				t.Errorf("%s: the broken build published %d rows", d, v.RowCount)
			}
		case v.ContentHash != was.ContentHash:
			t.Errorf("%s: hash %.12s by %s, want the content before the promotion (%.12s)", d, v.ContentHash, v.ProcessorVersion, was.ContentHash)
		case v.Source == pipeline.SourceRollback && v.CreatedAt.After(promoted):
			restored++
		}
	}
	if restored == 0 {
		t.Error("no player summary was restored")
	}
	for d, was := range contexts {
		if v := testdb.Current(t, s, nba.UpcomingPlayer)[d]; v.ContentHash != was.ContentHash {
			t.Errorf("upcoming player context %s: hash %.12s, want the original %.12s", d, v.ContentHash, was.ContentHash)
		}
	}
}
