package release_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/postgres"
	"github.com/statgate/statgate/internal/publish"
	"github.com/statgate/statgate/internal/release"
	"github.com/statgate/statgate/internal/testdb"
)

var seasonFrom, seasonTo = pipeline.MustDate("2022-10-18"), pipeline.MustDate("2023-06-12")

// declared is the same change, declaring it.
type declared struct{ testdb.HigherUsage }

func (declared) ChangedColumns() []string { return []string{"usage_rate"} }

// season is the real season published by the released code.
func season(t *testing.T) pipeline.Store {
	t.Helper()
	s := testdb.SQLite(t)
	testdb.LoadRaw(t, s, testdb.SeasonRows(t), seasonFrom, seasonTo)
	e := build(t, s, nba.PlayerGameProcessor{})
	if _, err := e.Run(context.Background(), engine.Scope{From: seasonFrom, To: seasonTo, RefreshAll: true, Explicit: true}); err != nil {
		t.Fatal(err)
	}
	return s
}

// build wires an engine whose player summary is pg, holding new versions.
func build(t *testing.T, s pipeline.Store, pg pipeline.Processor) *engine.Engine {
	t.Helper()
	e, _ := buildWith(t, s, pg)
	return e
}

func buildWith(t *testing.T, s pipeline.Store, pg pipeline.Processor, tune ...func(*engine.Config)) (*engine.Engine, *release.Planner) {
	t.Helper()
	g := testdb.Graph(t, pg)
	x := &publish.Executor{Store: s, Catalog: nba.Catalog, BuildRevision: "test", Cache: publish.NewCache(publish.DefaultCacheRows)}
	cfg := engine.Config{Store: s, Catalog: nba.Catalog, Graph: g, Executor: x, Hold: true, Owner: "test"}
	for _, f := range tune {
		f(&cfg)
	}
	e, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e, &release.Planner{Store: s, Engine: e, Graph: g, Executor: x, Policy: dag.DefaultPolicy(), Now: time.Now}
}

// TestHeldCanaryPromote: a build whose player summary changed is planned
// (every published partition affected, its dependents following), its
// canary shows usage rates changing on every sampled date and nothing
// else, the change is held (nothing visible changes, even on a backfill),
// and once promoted it is published with the new version.
func TestHeldCanaryPromote(t *testing.T) {
	ctx := context.Background()
	s := season(t)
	before := testdb.Current(t, s, nba.PlayerGame)
	upBefore := testdb.Current(t, s, nba.UpcomingPlayer)
	e, pl := buildWith(t, s, testdb.HigherUsage{})

	rep, err := pl.Plan(ctx, nba.PlayerGame)
	if err != nil {
		t.Fatal(err)
	}
	p := rep.Processors[0]
	if p.State != pipeline.ReleaseHeld || len(p.Affected) != len(before) || p.Published["1"] != len(before) {
		t.Errorf("plan: %s, %d affected, published by version %v; want held, all %d", p.State, len(p.Affected), p.Published, len(before))
	}
	if p.Dependents[nba.UpcomingPlayer] == 0 || p.Tasks <= len(p.Affected) {
		t.Errorf("plan: dependents %v, %d tasks; want the upcoming player contexts that read the summaries", p.Dependents, p.Tasks)
	}

	dates, err := pl.Sample(ctx, nba.PlayerGame, 7, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(dates) != 10 {
		t.Fatalf("sample: %v, want the newest 7 and 3 more", dates)
	}
	c, err := pl.Canary(ctx, nba.PlayerGame, dates)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range c.Dates {
		if d.Changed == 0 || d.Added != 0 || d.Removed != 0 || d.RowsBefore != d.RowsAfter {
			t.Errorf("canary %s: %d changed, %d added, %d removed; want usage rates changed, no row added or removed", d.Date, d.Changed, d.Added, d.Removed)
		}
	}
	if len(c.Columns) != 1 || c.Columns[0].Column != "usage_rate" || c.Columns[0].Largest <= 0 {
		t.Errorf("canary columns = %+v, want usage_rate alone", c.Columns)
	}
	if c.Promotable || !slices.Equal(c.Undeclared, []string{"usage_rate"}) {
		t.Errorf("canary of an undeclared change: promotable %t, undeclared %v (%s); want held for usage_rate", c.Promotable, c.Undeclared, c.Reason)
	}

	// Held: a backfill of the whole season changes nothing visible.
	if _, err := e.Run(ctx, engine.Scope{From: seasonFrom, To: seasonTo, RefreshAll: true, Explicit: true}); err != nil {
		t.Fatal(err)
	}
	if got := testdb.Current(t, s, nba.PlayerGame); !sameContent(got, before) {
		t.Error("a held version replaced published player summaries")
	}
	dec, _, err := e.Explain(ctx, pipeline.TaskKey{Processor: nba.PlayerGame, Date: pipeline.MustDate("2023-02-03")})
	if err != nil || dec.Code != dag.CodeHeld || dec.State != pipeline.Published {
		t.Errorf("a held partition's verdict: %s %s (%s), %v; want published, held", dec.State, dec.Code, dec.Reason, err)
	}

	// Promoted: the same backfill publishes the new version everywhere,
	// and the dependents follow.
	if _, err := pl.Promote(ctx, nba.PlayerGame, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Run(ctx, engine.Scope{From: seasonFrom, To: seasonTo, RefreshAll: true, Explicit: true}); err != nil {
		t.Fatal(err)
	}
	after := testdb.Current(t, s, nba.PlayerGame)
	for d, v := range after {
		if v.ProcessorVersion != "2-test" || (before[d].RowCount > 0 && v.ContentHash == before[d].ContentHash) {
			t.Errorf("%s after promotion: v%d by %s, hash %.12s (was %.12s)", d, v.Version, v.ProcessorVersion, v.ContentHash, before[d].ContentHash)
			break
		}
	}
	upAfter := testdb.Current(t, s, nba.UpcomingPlayer)
	changed := 0
	for d, v := range upAfter {
		if v.ContentHash != upBefore[d].ContentHash {
			changed++
		}
	}
	if changed == 0 {
		t.Error("no upcoming player context recomputed after the promotion")
	}
	rep, err = pl.Plan(ctx, nba.PlayerGame)
	if err != nil {
		t.Fatal(err)
	}
	if p := rep.Processors[0]; p.State != pipeline.ReleasePromoted || len(p.Affected) != 0 {
		t.Errorf("plan after the promotion: %s, %d affected; want promoted, none", p.State, len(p.Affected))
	}
}

// TestDeclaredChangeIsPromotable: the same change declaring usage_rate as
// what it changes passes the canary's policy.
func TestDeclaredChangeIsPromotable(t *testing.T) {
	ctx := context.Background()
	s := season(t)
	_, pl := buildWith(t, s, declared{})
	dates, err := pl.Sample(ctx, nba.PlayerGame, 7, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	c, err := pl.Canary(ctx, nba.PlayerGame, dates)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Promotable || len(c.Undeclared) != 0 {
		t.Errorf("declared change: promotable %t, undeclared %v (%s); want promotable", c.Promotable, c.Undeclared, c.Reason)
	}
}

func sameContent(a, b map[pipeline.Date]pipeline.PartitionVersion) bool {
	if len(a) != len(b) {
		return false
	}
	for d, v := range a {
		if b[d].ContentHash != v.ContentHash || b[d].Version != v.Version {
			return false
		}
	}
	return true
}

// TestPromotionWakesAnotherProcess: on PostgreSQL, a service holding a new
// version recomputes as soon as another process promotes it (the decision
// is announced at commit), not at its next re-check an hour away.
func TestPromotionWakesAnotherProcess(t *testing.T) {
	ctx := context.Background()
	url := testdb.PostgresURL(t)
	schema := testdb.NewSchema(t, url)
	open := func() pipeline.Store {
		s, err := postgres.Open(ctx, postgres.Config{URL: url, Schema: schema, Catalog: nba.Catalog})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	service, operator := open(), open()
	from, to := pipeline.MustDate("2023-01-30"), pipeline.MustDate("2023-02-05")
	testdb.LoadRaw(t, service, testdb.SeasonRows(t), from, to)
	if _, err := build(t, service, nba.PlayerGameProcessor{}).Run(ctx, engine.Scope{From: from, To: to, Explicit: true}); err != nil {
		t.Fatal(err)
	}
	e, _ := buildWith(t, service, testdb.HigherUsage{}, func(c *engine.Config) { c.Recheck, c.TriggerPoll = time.Hour, time.Hour })
	_, pl := buildWith(t, operator, testdb.HigherUsage{})
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(rctx, engine.Scope{Follow: true}) //nolint:errcheck // stopped below
	}()
	defer func() { cancel(); <-done }()
	time.Sleep(500 * time.Millisecond) // it reads the dates and finds every change held
	if v := testdb.Current(t, operator, nba.PlayerGame)[to]; v.ProcessorVersion != "1" {
		t.Fatalf("before the promotion %s was recomputed by %s", to, v.ProcessorVersion)
	}
	if _, err := pl.Promote(ctx, nba.PlayerGame, "test"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second) // a guard, not a goal: the re-check is an hour away
	for testdb.Current(t, operator, nba.PlayerGame)[to].ProcessorVersion != "2-test" {
		if time.Now().After(deadline) {
			t.Fatal("the service did not recompute after another process promoted the version")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
