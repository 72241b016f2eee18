package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/sqlite"
	"github.com/statgate/statgate/internal/testdb"
)

// ChromiumEnv names the browser the dashboard tests drive; without it
// they look for chromium on PATH and skip loudly when there is none.
const ChromiumEnv = "STATGATE_TEST_CHROMIUM"

// ArtifactsEnv names a directory that keeps the tests' screenshots; without
// it they go to a temporary directory.
const ArtifactsEnv = "STATGATE_TEST_ARTIFACTS"

// browser starts a headless Chromium for the test, or skips it loudly.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv(ChromiumEnv)
	if path == "" {
		path, _ = exec.LookPath("chromium")
	}
	if path == "" {
		t.Skip("SKIPPED: browser tests need Chromium: install Debian's chromium or set " + ChromiumEnv)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1440, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return ctx
}

// screenshot keeps a full-page PNG as a test artifact.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	dir := os.Getenv(ArtifactsEnv)
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d KiB)", path, len(png)/1024)
}

// js evaluates an expression in the page.
func js[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// eventuallyJS polls an expression until it is true (a hang guard, not a
// timing goal). On giving up it keeps a screenshot and reports what the
// page showed.
func eventuallyJS(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !js[bool](t, ctx, expr) {
		if time.Now().After(deadline) {
			screenshot(t, ctx, "gave-up")
			t.Fatalf("gave up waiting in the browser: %s (%s)\nlive: %s\nnotice: %s\ncell: %s\npanel: %.600s", what, expr,
				js[string](t, ctx, `document.getElementById("live").className + " " + document.getElementById("live").textContent`),
				js[string](t, ctx, `document.getElementById("notice").textContent`),
				js[string](t, ctx, `(document.querySelector(".cell.selected") || {outerHTML: "none selected"}).outerHTML`),
				js[string](t, ctx, `document.getElementById("detail").innerText`))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

const cellText = `(document.getElementById(%q) || {textContent: ""}).textContent`

// TestDashboardInBrowser runs the season with the real binary, serves it,
// and drives the dashboard in Chromium: cell states over the season, a
// cell's explanation, a recomputation requested over the API showing up
// live without a reload, and a rollback from the page with the token.
func TestDashboardInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary, runs the season and drives a browser")
	}
	ctx := browser(t)
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "season.db")
	if out, err := exec.Command(bin, "demo", "--no-serve", "--db", db).CombinedOutput(); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	const token = "dash"
	sv := startServe(t, bin, "--db", db, "--auth-token", token)

	// The season, as it ended: every cell published, 48 of them partial
	// (16 dates whose box scores never all arrived, times three per-game
	// tables), each labelled in text.
	if err := chromedp.Do(ctx, chromedp.Navigate(sv.url+"/"), chromedp.WaitVisible(chromedp.CSS("#matrix-body"))); err != nil {
		t.Fatal(err)
	}
	loadedAt := js[float64](t, ctx, `window.statgateLoadedAt`)
	counts := js[map[string]int](t, ctx, `(() => { const c = {}; document.querySelectorAll("#matrix-body .cell").forEach(b => { c[b.dataset.state] = (c[b.dataset.state] || 0) + 1 }); return c })()`)
	if counts["published"]+counts["partial"]+counts["stale"] != 1190 || counts["partial"] != 48 {
		t.Errorf("cells by state = %v, want 1,190 in all, 48 partial", counts)
	}
	if n := js[int](t, ctx, `document.querySelectorAll("svg.dag g.node").length`); n != 9 {
		t.Errorf("graph nodes in the page = %d, want 9", n)
	}
	const cell = "c-player_game_summary-2023-02-03"
	if got := js[string](t, ctx, fmt.Sprintf(cellText, cell)); got != "published v1" {
		t.Errorf("%s text = %q, want \"published v1\"", cell, got)
	}
	eventuallyJS(t, ctx, "live updates connected", `document.getElementById("live").classList.contains("connected")`)
	screenshot(t, ctx, "dashboard-season")

	// A cell's explanation: inputs and versions, lineage.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID(cell)),
		chromedp.WaitVisible(chromedp.CSS(`#task-detail[data-processor="player_game_summary"]`))); err != nil {
		t.Fatal(err)
	}
	detail := js[string](t, ctx, `document.getElementById("detail").innerText`)
	for _, want := range []string{"player_game_summary", "2023-02-03", "Inputs it reads now", "team_offense_game_summary", "Lineage", "Current version 1"} {
		if !strings.Contains(detail, want) {
			t.Errorf("explanation lacks %q:\n%s", want, detail)
		}
	}
	screenshot(t, ctx, "dashboard-explanation")

	// Phase 2 corrects the date's box score and announces it: the
	// service recomputes team offense and then the player summary (usage
	// reads team turnovers), and the cell and the open explanation change
	// by themselves, without a reload.
	correctBoxScore(t, db, pipeline.MustDate("2023-02-03"))
	msg := map[string]any{"output_table": "nba_raw.nbac_team_boxscore", "game_date": "2023-02-03", "status": "success"}
	if code := sv.call(t, "POST", "/process", token, msg, nil); code != http.StatusAccepted {
		t.Fatalf("POST /process = %d, want 202", code)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve log:\n%s", tail(sv.stderr.String()))
		}
	})
	eventuallyJS(t, ctx, "the cell shows a new version", fmt.Sprintf(`/^published v([2-9]|\d\d)$/.test(`+cellText+`)`, cell))
	eventuallyJS(t, ctx, "the explanation shows a new version", `/Current version ([2-9]|\d\d)\b/.test(document.getElementById("detail").innerText)`)
	if again := js[float64](t, ctx, `window.statgateLoadedAt`); again != loadedAt {
		t.Errorf("the page reloaded (loaded at %v, now %v); updates must arrive live", loadedAt, again)
	}

	// Rollback from the page: hidden until the token is given, then it
	// publishes version 1's content as the next version.
	current, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(cellText, cell)))
	if err != nil {
		t.Fatal(err)
	}
	var v int
	if _, err := fmt.Sscanf(current, "published v%d", &v); err != nil {
		t.Fatalf("cell text %q after the recomputation: %v", current, err)
	}
	next := fmt.Sprintf("published v%d", v+1)
	if js[bool](t, ctx, `getComputedStyle(document.querySelector("button.rollback")).display !== "none"`) {
		t.Error("the rollback button shows before a token is given")
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("token"), token)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button.rollback[data-version="1"]`))); err != nil {
		t.Fatal(err)
	}
	eventuallyJS(t, ctx, "the rollback is confirmed", fmt.Sprintf(`document.getElementById("notice").textContent.includes("as version %d")`, v+1))
	eventuallyJS(t, ctx, "the cell shows the restored version", fmt.Sprintf(cellText+` === %q`, cell, next))
	screenshot(t, ctx, "dashboard-after-rollback")
}

// correctBoxScore rewrites d's team box scores in the table with the first
// team's turnovers one higher, as Phase 2 does after a scorer's
// correction: directly, unannounced until POST /process.
func correctBoxScore(t *testing.T, db string, d pipeline.Date) {
	t.Helper()
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: db, Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tb := nba.TeamBoxTable
	rows := testdb.OnDates(tb, testdb.SeasonRows(t)[tb.Name], d, d)
	ti := tb.MustCol("turnovers")
	rows[0] = append(pipeline.Row(nil), rows[0]...)
	rows[0][ti] = rows[0][ti].(int64) + 1
	testdb.WriteDirect(t, s, tb, d, rows)
}
