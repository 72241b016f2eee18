package dashboard

import (
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
	"github.com/statgate/statgate/internal/sqlite"
	"github.com/statgate/statgate/internal/testdb"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// fixture is a small real database: 2023-02-01..03 loaded, but not
// 2023-02-03's team box scores, run through the engine the morning after
// (before the deadline), with every clock fixed so output is stable.
func fixture(t testing.TB) (*Dashboard, pipeline.Store) {
	t.Helper()
	clock := func() time.Time { return at }
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(t.TempDir(), "d.db"), Catalog: nba.Catalog, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	season := testdb.SeasonRows(t)
	feb1 := pipeline.MustDate("2023-02-01")
	testdb.LoadRaw(t, s, season, feb1, feb3, nba.Schedule, nba.Gamebook)
	testdb.LoadRaw(t, s, season, feb1, feb2, nba.TeamBox)
	g := graph(t)
	e, err := engine.New(engine.Config{Store: s, Catalog: nba.Catalog, Graph: g, Now: clock, Owner: "fixture",
		Executor: &publish.Executor{Store: s, Catalog: nba.Catalog, BuildRevision: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Run(context.Background(), engine.Scope{From: feb1, To: feb3}); err != nil {
		t.Fatal(err)
	}
	d, err := New(Config{Store: s, Catalog: nba.Catalog, Graph: g, Engine: e, Hub: NewHub(), TokenRequired: true, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	return d, s
}

func get(t *testing.T, h http.Handler, path string) (*goquery.Document, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s = %d: %s", path, rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("GET %s Content-Type = %q, want text/html", path, ct)
	}
	body := rec.Body.String()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc, body
}

// TestPage checks the whole page by CSS selector: the graph, every cell
// with its state and a text label, the legend, live updates wired, and
// the activity section.
func TestPage(t *testing.T) {
	d, _ := fixture(t)
	doc, _ := get(t, d, "/")
	if n := doc.Find("svg.dag g.node").Length(); n != 9 {
		t.Errorf("graph nodes = %d, want 9", n)
	}
	if n := doc.Find("svg.dag g.node.raw").Length(); n != 4 {
		t.Errorf("raw table nodes = %d, want 4", n)
	}
	if n := doc.Find(`svg.dag g.edge[data-from="team_offense_game_summary"][data-to="player_game_summary"]`).Length(); n != 1 {
		t.Errorf("edges team offense → player summary = %d, want 1", n)
	}
	if n := doc.Find("#matrix tbody tr").Length(); n != 3 {
		t.Errorf("matrix rows = %d, want 3 dates", n)
	}
	if n := doc.Find("#matrix thead th").Length(); n != 6 {
		t.Errorf("matrix header cells = %d, want date + 5 processors", n)
	}
	want := map[string]string{
		"#c-team_offense_game_summary-2023-02-02": "published",
		"#c-player_game_summary-2023-02-02":       "published",
		"#c-team_offense_game_summary-2023-02-03": "waiting",
		"#c-player_game_summary-2023-02-03":       "waiting",
	}
	for sel, state := range want {
		cell := doc.Find(sel)
		if got, _ := cell.Attr("data-state"); got != state {
			t.Errorf("%s data-state = %q, want %q", sel, got, state)
		}
		if !cell.HasClass("s-"+state) || !strings.HasPrefix(strings.TrimSpace(cell.Text()), state) {
			t.Errorf("%s = class %q, text %q; want class s-%s and the state as text", sel, cell.AttrOr("class", ""), cell.Text(), state)
		}
		if label := cell.AttrOr("aria-label", ""); !strings.Contains(label, state) {
			t.Errorf("%s aria-label = %q, want it to name the state", sel, label)
		}
	}
	if title := doc.Find("#c-team_offense_game_summary-2023-02-03").AttrOr("title", ""); !strings.Contains(title, "nbac_team_boxscore missing 8 of 8 games") {
		t.Errorf("waiting cell title = %q, want the reason", title)
	}
	if n := doc.Find(".legend .swatch").Length(); n != len(stateOrder)+1 {
		t.Errorf("legend entries = %d, want %d (the states and late)", n, len(stateOrder)+1)
	}
	if doc.Find("body").AttrOr("sse-connect", "") != "/ui/stream" || !strings.HasPrefix(doc.Find("#season-feed").AttrOr("hx-trigger", ""), "sse:update") ||
		doc.Find("#season-feed").AttrOr("hx-get", "") != "/ui/season" {
		t.Error("the page is not wired for live updates (sse-connect on body, sse:update fetching /ui/season)")
	}
	// Every cell is a link to its task, newest date first.
	if href := doc.Find("#c-player_game_summary-2023-02-03").AttrOr("href", ""); href != "?task=player_game_summary/2023-02-03" {
		t.Errorf("cell href = %q, want ?task=player_game_summary/2023-02-03", href)
	}
	if first := doc.Find("#matrix-body tr").First().AttrOr("data-date", ""); first != "2023-02-03" {
		t.Errorf("first matrix row = %s, want the newest date, 2023-02-03", first)
	}
	if doc.Find("#token").Length() != 1 {
		t.Error("a token is required but the page has no token field")
	}
	if n := doc.Find("#activity rect.bar").Length(); n == 0 {
		t.Error("the timeline shows no runs")
	}
	if doc.Find("#no-circuits").Length() != 1 {
		t.Error("the circuits section does not say all are closed")
	}
	for _, src := range []string{"/assets/vendor/htmx-2.0.11.min.js", "/assets/vendor/htmx-ext-sse-2.2.4.min.js", "/assets/app.js", "/assets/style.css"} {
		rec := httptest.NewRecorder()
		d.ServeHTTP(rec, httptest.NewRequest("GET", src, nil))
		if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
			t.Errorf("GET %s = %d with %d bytes, want the asset", src, rec.Code, rec.Body.Len())
		}
	}
}

// TestTaskPanel: a cell's explanation names the inputs and versions, the
// missing games, lineage, and offers earlier versions for rollback.
func TestTaskPanel(t *testing.T) {
	d, _ := fixture(t)
	doc, _ := get(t, d, "/ui/task/team_offense_game_summary/2023-02-03")
	if got := doc.Find("#task-detail").AttrOr("data-state", ""); got != pipeline.Waiting {
		t.Errorf("team offense 2023-02-03 panel state = %q, want waiting", got)
	}
	if txt := doc.Find(".missing").Text(); !strings.Contains(txt, "8 game(s)") || !strings.Contains(txt, "20230203_PHX_BOS") {
		t.Errorf("missing games = %q, want the 8 games of the day", txt)
	}
	doc, _ = get(t, d, "/ui/task/player_game_summary/2023-02-02")
	var inputs []string
	doc.Find(".changes table.inputs tbody tr").Each(func(_ int, s *goquery.Selection) {
		inputs = append(inputs, strings.Join(s.Find("td").Map(func(_ int, c *goquery.Selection) string { return c.Text() }), " "))
	})
	wantInputs := []string{"nbac_gamebook_player_stats 2023-02-02 1", "nbac_schedule 2023-02-02 1", "team_offense_game_summary 2023-02-02 1"}
	if diff := cmp.Diff(wantInputs, inputs); diff != "" {
		t.Errorf("player summary inputs, unchanged since v1 (-want +got):\n%s", diff)
	}
	if doc.Find(".changes .no-change").Length() != 1 || doc.Find(".changes li.input-change").Length() != 0 {
		t.Errorf("changes = %q, want it to say nothing changed", doc.Find(".changes").Text())
	}
	if got := doc.Find(".sentence").Text(); got != "Published: version 1 is up to date with its inputs." {
		t.Errorf("sentence = %q", got)
	}
	if doc.Find("button.rollback").Length() != 0 {
		t.Error("a rollback button for a partition with one version")
	}
	if n := doc.Find("table.runs tbody tr").Length(); n != 1 {
		t.Errorf("runs = %d, want 1", n)
	}
	rec := httptest.NewRecorder()
	d.ServeHTTP(rec, httptest.NewRequest("GET", "/ui/task/no_such/2023-02-02", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("GET /ui/task/no_such/… = %d, want 404", rec.Code)
	}
}

// TestGolden compares the matrix, a task panel and the graph with
// reviewed files (rewrite with -update).
func TestGolden(t *testing.T) {
	d, _ := fixture(t)
	for _, tc := range []struct{ path, file string }{
		{"/ui/matrix", "matrix.golden.html"},
		{"/ui/task/player_game_summary/2023-02-02", "task.golden.html"},
	} {
		_, body := get(t, d, tc.path)
		// Run ids depend on the order the fixture's tasks ran in.
		golden(t, tc.file, runID.ReplaceAllString(body, "${1}N"))
	}
	var b strings.Builder
	m, err := d.Matrix(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.tmpl.ExecuteTemplate(&b, "graph", pageData{Drawing: d.drawing, Matrix: m}); err != nil {
		t.Fatal(err)
	}
	golden(t, "graph.golden.svg", b.String())
}

var runID = regexp.MustCompile(`(run-|run=|#)\d+`)

func golden(t *testing.T, file, got string) {
	t.Helper()
	path := filepath.Join("testdata", file)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got; rerun with -update if the change is intended):\n%s", file, diff)
	}
}
