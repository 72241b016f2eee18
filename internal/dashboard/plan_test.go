package dashboard

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
	"github.com/statgate/statgate/internal/release"
	"github.com/statgate/statgate/internal/testdb"
)

// heldDashboard publishes 2023-02-01..03 with the released build and
// returns the dashboard of a build whose player summary changed, held.
func heldDashboard(t *testing.T) *Dashboard {
	t.Helper()
	s := testdb.SQLite(t)
	feb1 := pipeline.MustDate("2023-02-01")
	testdb.LoadRaw(t, s, testdb.SeasonRows(t), feb1, feb3)
	released := graph(t)
	x := &publish.Executor{Store: s, Catalog: nba.Catalog, BuildRevision: "test"}
	e, err := engine.New(engine.Config{Store: s, Catalog: nba.Catalog, Graph: released, Executor: x, Owner: "released"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Run(context.Background(), engine.Scope{From: feb1, To: feb3, RefreshAll: true, Explicit: true}); err != nil {
		t.Fatal(err)
	}
	g := testdb.Graph(t, testdb.HigherUsage{})
	e, err = engine.New(engine.Config{Store: s, Catalog: nba.Catalog, Graph: g, Executor: x, Owner: "changed", Hold: true})
	if err != nil {
		t.Fatal(err)
	}
	pl := &release.Planner{Store: s, Engine: e, Graph: g, Executor: x, Policy: dag.DefaultPolicy(), Now: time.Now}
	d, err := New(Config{Store: s, Catalog: nba.Catalog, Graph: g, Engine: e, Planner: pl, TokenRequired: true})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestPlanSection: the page carries the section's placeholder only; the
// plan shows the player summary held with its affected dates, dependents
// and cost, offering a canary and the promotion; its canary shows
// usage_rate changed on the chosen dates and says why it is held; a held
// partition's panel says it is held.
func TestPlanSection(t *testing.T) {
	t.Parallel()
	d := heldDashboard(t)

	page, _ := get(t, d, "/")
	if page.Find("#changes #plan-report[hx-get='/ui/plan'][hx-trigger='load']").Length() != 1 {
		t.Error("the page has no lazily loaded plan section")
	}
	if n := page.Find("#changes table").Length(); n != 0 {
		t.Errorf("the page renders %d plan tables itself; the plan is loaded after the page", n)
	}

	plan, _ := get(t, d, "/ui/plan")
	row := plan.Find(`tr[data-processor="player_game_summary"]`)
	if st := row.AttrOr("data-state", ""); st != "held" || strings.TrimSpace(row.Find(".release").Text()) != "held" {
		t.Errorf("player summary's plan row state = %q (%q), want held", st, row.Find(".release").Text())
	}
	if n := row.Find(".affected-dates").AttrOr("data-n", ""); n != "3" {
		t.Errorf("player summary's affected dates = %s, want 3", n)
	}
	if !strings.Contains(row.Find(".affected").Text(), "2023-02-01 to 2023-02-03") || row.Find(`.dependents [data-processor="upcoming_player_game_context"]`).Length() != 1 {
		t.Errorf("player summary's affected cell = %q, want its dates and the upcoming player contexts following", row.Find(".affected").Text())
	}
	if row.Find("form.canary-form[hx-get='/ui/canary/player_game_summary'] input[name=dates]").Length() != 1 || row.Find(`button.promote[data-processor="player_game_summary"][data-version="2-test"]`).Length() != 1 {
		t.Error("the held player summary offers no canary form or promote button")
	}
	other := plan.Find(`tr[data-processor="team_offense_game_summary"]`)
	if st := other.AttrOr("data-state", ""); st != "current" || other.Find("form, button").Length() != 0 || strings.TrimSpace(other.Find(".affected").Text()) != "nothing" {
		t.Errorf("team offense's plan row: state %q, %d controls, affected %q; want current, none, nothing", st, other.Find("form, button").Length(), other.Find(".affected").Text())
	}

	c, _ := get(t, d, "/ui/canary/player_game_summary?dates=2023-02-03,2023-02-02")
	var cols, dates []string
	c.Find("table.canary-columns tr[data-column]").Each(func(_ int, s *goquery.Selection) { cols = append(cols, s.AttrOr("data-column", "")) })
	c.Find("table.canary-dates tr[data-date]").Each(func(_ int, s *goquery.Selection) {
		dates = append(dates, s.AttrOr("data-date", ""))
		if s.Find(".changed").Text() == "0" || s.Find(".added").Text() != "0" || s.Find(".removed").Text() != "0" || !strings.HasPrefix(s.Find(".checks").Text(), "clean → clean") {
			t.Errorf("canary row %s: %q", s.AttrOr("data-date", ""), s.Text())
		}
	})
	if !slices.Equal(cols, []string{"usage_rate"}) || !slices.Equal(dates, []string{"2023-02-02", "2023-02-03"}) {
		t.Errorf("canary columns %v over dates %v; want usage_rate over 2023-02-02 and 2023-02-03", cols, dates)
	}
	if v := c.Find(".verdict.held").Text(); !strings.HasPrefix(v, "Held: usage_rate changed, which version 2-test does not declare") {
		t.Errorf("canary verdict = %q", v)
	}

	panel, _ := get(t, d, "/ui/task/player_game_summary/2023-02-02")
	if s := panel.Find(".sentence").Text(); !strings.HasPrefix(s, "Held: processor version 2-test is held") {
		t.Errorf("held partition's sentence = %q", s)
	}

	for path, code := range map[string]int{"/ui/canary/no_such_processor": http.StatusNotFound, "/ui/canary/player_game_summary?dates=2023-02-30": http.StatusBadRequest} {
		rec := httptest.NewRecorder()
		d.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != code || !strings.Contains(rec.Body.String(), `class="error"`) {
			t.Errorf("GET %s = %d %s, want %d with the error", path, rec.Code, rec.Body, code)
		}
	}
}
