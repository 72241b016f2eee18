package main

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
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
	keep(t, name, png)
}

// keep writes a PNG to the artifacts directory.
func keep(t *testing.T, name string, png []byte) {
	t.Helper()
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

// navigate loads path in a viewport of width × height and waits for the
// matrix.
func navigate(t *testing.T, ctx context.Context, url string, width, height int64) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height), chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS("#matrix-body"))); err != nil {
		t.Fatal(err)
	}
}

// click clicks the element sel selects and waits for want to be visible.
func click(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	// A guard against hanging on an element that never shows, not a
	// timing goal.
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	// Centred, so that no sticky header lies over it.
	js[bool](t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (e) e.scrollIntoView({block: "center", inline: "center"}); return true })()`, sel))
	if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(sel)), chromedp.WaitVisible(chromedp.CSS(want))); err != nil {
		screenshot(t, ctx, "gave-up")
		t.Fatalf("click %s, then wait for %s: %v\npanel: %.600s", sel, want, err, js[string](t, ctx, panelText))
	}
}

// panelText is the panel's text as shown (folded parts left out).
const panelText = `document.getElementById("detail").innerText`

// browserSeason starts a browser, builds the binary and runs the demo
// into a database of the test's: what each browser test starts from.
func browserSeason(t *testing.T) (ctx context.Context, bin, db string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary, runs the season and drives a browser")
	}
	ctx = browser(t)
	bin = buildBinary(t)
	db = filepath.Join(t.TempDir(), "season.db")
	if out, err := exec.Command(bin, "demo", "--no-serve", "--db", db).CombinedOutput(); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	return ctx, bin, db
}

// TestDashboardInBrowser runs the season with the real binary, serves it,
// and drives the dashboard in Chromium: the season at a glance, filters,
// links, a cell's explanation, a recomputation requested over the API
// showing up live without a reload, a rollback from the page with the
// token, the panels of rejected, blocked, stale and late partitions, and
// the page at 800 px.
func TestDashboardInBrowser(t *testing.T) {
	ctx, bin, db := browserSeason(t)
	const token = "dash"
	sv := startServe(t, bin, "--db", db, "--auth-token", token)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve log:\n%s", tail(sv.stderr.String()))
		}
	})

	// The season, as it ended: every cell published, 48 of them partial
	// (16 dates whose box scores never all arrived, times three per-game
	// tables), each labelled in text, the newest date first.
	navigate(t, ctx, sv.url+"/", 1600, 1000)
	counts := js[map[string]int](t, ctx, `(() => { const c = {}; document.querySelectorAll("#matrix-body .cell").forEach(b => { c[b.dataset.state] = (c[b.dataset.state] || 0) + 1 }); return c })()`)
	if counts["published"]+counts["partial"]+counts["stale"] != 1190 || counts["partial"] != 48 {
		t.Errorf("cells by state = %v, want 1,190 in all, 48 partial", counts)
	}
	if first := js[string](t, ctx, `document.querySelector("#matrix-body tr").dataset.date`); first != "2023-06-12" {
		t.Errorf("first row of the matrix = %s, want the newest date, 2023-06-12", first)
	}
	if n := js[int](t, ctx, `document.querySelectorAll("svg.dag g.node").length`); n != 9 {
		t.Errorf("graph nodes in the page = %d, want 9", n)
	}
	const cell = "c-player_game_summary-2023-02-03"
	if got := js[string](t, ctx, fmt.Sprintf(cellText, cell)); got != "published v1" {
		t.Errorf("%s text = %q, want \"published v1\"", cell, got)
	}
	seasonAtAGlance(t, ctx)
	eventuallyJS(t, ctx, "live updates connected", `document.getElementById("live").classList.contains("connected")`)
	screenshot(t, ctx, "dashboard-season-1600")
	chipsFilter(t, ctx)
	otherFilters(t, ctx, sv.url)
	deepLink(t, ctx, sv.url)
	timelineRun(t, ctx)

	// A cell's explanation: the verdict in a sentence, nothing changed
	// since version 1, the runs.
	click(t, ctx, "#"+cell, `#task-detail[data-processor="player_game_summary"]`)
	if u := js[string](t, ctx, `location.search`); u != "?task=player_game_summary/2023-02-03" {
		t.Errorf("URL after selecting a cell = %q, want ?task=player_game_summary/2023-02-03", u)
	}
	detail := js[string](t, ctx, panelText)
	for _, want := range []string{"player_game_summary", "2023-02-03", "Published: version 1 is up to date with its inputs.", "Since version 1 was computed", "Nothing changed", "runs"} {
		if !strings.Contains(detail, want) {
			t.Errorf("explanation lacks %q:\n%s", want, detail)
		}
	}
	screenshot(t, ctx, "dashboard-explanation-1600")

	// Phase 2 corrects the date's box score and announces it: the
	// service recomputes team offense and then the player summary (usage
	// reads team turnovers), and the cell and the open explanation change
	// by themselves, without a reload.
	loadedAt := js[float64](t, ctx, `window.statgateLoadedAt`)
	correctBoxScore(t, db, pipeline.MustDate("2023-02-03"))
	announceRaw(t, sv, token, "nba_raw.nbac_team_boxscore", "2023-02-03")
	eventuallyJS(t, ctx, "the cell shows a new version", fmt.Sprintf(`/^published v([2-9]|\d\d)$/.test(`+cellText+`)`, cell))
	eventuallyJS(t, ctx, "the explanation shows a new version", `/\bv([2-9]|\d\d) visible/.test(`+panelText+`)`)
	if again := js[float64](t, ctx, `window.statgateLoadedAt`); again != loadedAt {
		t.Errorf("the page reloaded (loaded at %v, now %v); updates must arrive live", loadedAt, again)
	}
	rollback(t, ctx, cell, token)

	rejectedAndBlocked(t, ctx, sv, db, token)
	stale(t, ctx, sv, db, token)
	late(t, ctx, sv, db, token)
	narrow(t, ctx, sv.url)
}

// seasonAtAGlance: the overview shows every date of every processor in
// the first screen, the 48 partial partitions among them, and a mark
// opens its task.
func seasonAtAGlance(t *testing.T, ctx context.Context) {
	t.Helper()
	if bottom := js[float64](t, ctx, `document.getElementById("overview").getBoundingClientRect().bottom`); bottom > 1000 {
		t.Errorf("the overview ends at %v px, below the first screen (1,000 px)", bottom)
	}
	if n := js[int](t, ctx, `document.querySelectorAll("#overview .ov-strip rect.m-partial").length`); n != 48 {
		t.Errorf("partial marks in the overview = %d, want 48", n)
	}
	// Each mark is wide enough to see: at least a pixel at 1,600 px.
	if w := js[float64](t, ctx, `Math.min(...Array.from(document.querySelectorAll("#overview rect.m-partial"), r => r.getBoundingClientRect().width))`); w < 1 {
		t.Errorf("narrowest partial mark = %v px, want at least 1", w)
	}
	if n := js[int](t, ctx, `document.querySelectorAll("#problems li").length`); n != 16 {
		t.Errorf("dates in the problems list = %d, want the 16 partial dates", n)
	}
	health := js[string](t, ctx, `document.querySelector('#graph g.node[data-name="team_offense_game_summary"]').getAttribute("class")`)
	if !strings.Contains(health, "h-partial") {
		t.Errorf("team offense's graph node class = %q, want it coloured partial", health)
	}
	click(t, ctx, "#overview rect.m-partial", "#task-detail")
	if st := js[string](t, ctx, `document.getElementById("task-detail").dataset.state`); st != "partial" {
		t.Errorf("panel opened from a partial mark shows %s", st)
	}
	if txt := js[string](t, ctx, `document.querySelector("#detail .sentence").textContent`); !strings.HasPrefix(txt, "Partial: version 1 was published without") {
		t.Errorf("partial panel's sentence = %q", txt)
	}
	if n := js[int](t, ctx, `document.querySelectorAll("#detail .missing").length`); n != 1 {
		t.Error("the partial panel does not list the missing games")
	}
}

// chipsFilter: the partial chip leaves the 16 dates with partial cells,
// in the URL too; pressing it again shows every date.
func chipsFilter(t *testing.T, ctx context.Context) {
	t.Helper()
	visibleRows := `document.querySelectorAll("#matrix-body tr:not([hidden])").length`
	click(t, ctx, `#summary .chip[data-state="partial"]`, `#summary .chip[data-state="partial"][aria-pressed="true"]`)
	if n := js[int](t, ctx, visibleRows); n != 16 {
		t.Errorf("rows shown with the partial chip pressed = %d, want 16", n)
	}
	if n := js[int](t, ctx, `document.querySelectorAll("#matrix-body tr:not([hidden]) .cell:not(.dim):not([data-state=partial])").length`); n != 0 {
		t.Errorf("%d cells other than partial stand out with the partial chip pressed", n)
	}
	if u := js[string](t, ctx, `location.search`); !strings.Contains(u, "state=partial") {
		t.Errorf("URL with the partial chip pressed = %q, want state=partial in it", u)
	}
	screenshot(t, ctx, "dashboard-partial-only-1600")
	click(t, ctx, `#summary .chip[data-state="partial"]`, `#summary .chip[data-state="partial"][aria-pressed="false"]`)
	if n := js[int](t, ctx, visibleRows); n != 238 {
		t.Errorf("rows shown after releasing the chip = %d, want 238", n)
	}
}

// deepLink: a pasted link opens its cell's panel, and a reload keeps it.
func deepLink(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	const link = "/?task=team_defense_game_summary/2022-11-30&run="
	navigate(t, ctx, base+"/?task=team_defense_game_summary/2022-11-30", 1600, 1000)
	for range 2 {
		if got := js[string](t, ctx, `(document.querySelector("#detail #task-detail") || {dataset: {}}).dataset.processor + " " + document.querySelector("#detail #task-detail").dataset.date`); got != "team_defense_game_summary 2022-11-30" {
			t.Errorf("deep-linked panel = %q, want team_defense_game_summary 2022-11-30", got)
		}
		if !js[bool](t, ctx, `document.getElementById("c-team_defense_game_summary-2022-11-30").classList.contains("selected")`) {
			t.Error("the deep-linked cell is not marked selected")
		}
		if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#matrix-body"))); err != nil {
			t.Fatal(err)
		}
	}
	// A run's link selects the run in its task's panel.
	run := js[string](t, ctx, `document.querySelector("#detail table.runs tr[id^=run-]").id.slice(4)`)
	navigate(t, ctx, base+link+run, 1600, 1000)
	if !js[bool](t, ctx, fmt.Sprintf(`document.getElementById("run-%s").classList.contains("selected")`, run)) {
		t.Errorf("run %s is not selected in the panel of its link", run)
	}
}

// announceRaw posts Phase 2's completion message for table and date.
func announceRaw(t *testing.T, sv *server, token, table, date string) {
	t.Helper()
	msg := map[string]any{"output_table": table, "game_date": date, "status": "success"}
	if code := sv.call(t, "POST", "/process", token, msg, nil); code != http.StatusAccepted {
		t.Fatalf("POST /process %s %s = %d, want 202", table, date, code)
	}
}

// rollback: hidden until the token is given, then the page publishes
// version 1's content as the next version.
func rollback(t *testing.T, ctx context.Context, cell, token string) {
	t.Helper()
	current := js[string](t, ctx, fmt.Sprintf(cellText, cell))
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
	screenshot(t, ctx, "dashboard-after-rollback-1600")

	// Recompute from the panel: a backfill of the one task, accepted.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#detail button.recompute"))); err != nil {
		t.Fatal(err)
	}
	eventuallyJS(t, ctx, "the recomputation is accepted", `/^Backfill #\d+ of player_game_summary 2023-02-03 \(all\) accepted: 1 scheduled date/.test(document.getElementById("notice").textContent)`)
}

// otherFilters: a graph node shows only its processor; a date range
// (from a pasted link) only its dates; "problems only" the dates with one.
func otherFilters(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	shownColumns := `Array.from(document.querySelectorAll("#matrix thead th[data-proc]:not([hidden])"), th => th.dataset.proc)`
	click(t, ctx, `#graph a[data-proc="player_game_summary"]`, `#graph g.node.chosen`)
	if procs := js[[]string](t, ctx, shownColumns); !slices.Equal(procs, []string{"player_game_summary"}) {
		t.Errorf("columns shown after selecting the player summary's node = %v", procs)
	}
	click(t, ctx, `#graph a[data-proc="player_game_summary"]`, `#graph g.node:not(.chosen)`)
	if n := len(js[[]string](t, ctx, shownColumns)); n != 5 {
		t.Errorf("columns shown after selecting the node again = %d, want 5", n)
	}
	navigate(t, ctx, base+"/?from=2022-12-01&to=2022-12-31&problems=1", 1600, 1000)
	dates := js[[]string](t, ctx, `Array.from(document.querySelectorAll("#matrix-body tr:not([hidden])"), tr => tr.dataset.date)`)
	if len(dates) == 0 {
		t.Error("no date shown for December 2022 with problems only; the season has partial dates then")
	}
	for _, d := range dates {
		if d < "2022-12-01" || d > "2022-12-31" || !js[bool](t, ctx, fmt.Sprintf(`document.querySelector('#matrix-body tr[data-date="%s"]').classList.contains("has-problem")`, d)) {
			t.Errorf("date %s shown for December 2022 with problems only", d)
		}
	}
}

// timelineRun: a run's bar links to its task with the run selected.
func timelineRun(t *testing.T, ctx context.Context) {
	t.Helper()
	// The newest run's bar is drawn last, over any it overlaps.
	const newest = "#activity svg a[data-run]:last-of-type"
	run := js[string](t, ctx, `document.querySelector("`+newest+`").dataset.run`)
	// Clicked as an element, not at a point: at season scale bars are a
	// few pixels wide, and the link's wiring is what is under test.
	js[bool](t, ctx, `(() => { document.querySelector("`+newest+`").dispatchEvent(new MouseEvent("click", {bubbles: true, cancelable: true})); return true })()`)
	eventuallyJS(t, ctx, "the run's task opens with the run selected", `document.querySelector("#task-detail tr.selected") !== null`)
	if got := js[string](t, ctx, `document.querySelector("#task-detail tr.selected").id`); got != "run-"+run {
		t.Errorf("selected row after clicking run %s's bar = %s", run, got)
	}
	if u := js[string](t, ctx, `location.search`); !strings.HasSuffix(u, "&run="+run) {
		t.Errorf("URL after clicking a run's bar = %q", u)
	}
}

// rejectedAndBlocked: a scorer's sheet for 2023-03-01 arrives with a bad
// value, so the player summary is rejected (version 1 stays visible) and
// the next 30 days' upcoming player contexts, which read it, are blocked.
// The blocked panel links the rejected task; its panel names exactly the
// input that changed.
func rejectedAndBlocked(t *testing.T, ctx context.Context, sv *server, db, token string) {
	t.Helper()
	bad := pipeline.MustDate("2023-03-01")
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: db, Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	gb := nba.GamebookTable
	testdb.WriteDirect(t, s, gb, bad, inflatedAttempts(testdb.OnDates(gb, testdb.SeasonRows(t)[gb.Name], bad, bad)))
	s.Close()
	announceRaw(t, sv, token, "nba_raw."+nba.Gamebook, bad.String())
	const rejected, blocked = "c-player_game_summary-2023-03-01", "c-upcoming_player_game_context-2023-03-02"
	eventuallyJS(t, ctx, "the player summary is rejected", fmt.Sprintf(cellText+` === "rejected v1 visible"`, rejected))
	eventuallyJS(t, ctx, "the upcoming player context is blocked", fmt.Sprintf(`document.getElementById(%q).dataset.state === "blocked"`, blocked))

	click(t, ctx, "#"+blocked, `#task-detail[data-state="blocked"]`)
	if href := js[string](t, ctx, `(document.querySelector("#detail a.upstream-link") || {}).getAttribute("href")`); href != "?task=player_game_summary/2023-03-01" {
		t.Errorf("blocked panel's upstream link = %q, want ?task=player_game_summary/2023-03-01", href)
	}
	screenshot(t, ctx, "dashboard-blocked-1600")
	click(t, ctx, "#detail a.upstream-link", `#task-detail[data-state="rejected"]`)
	changed := js[[]string](t, ctx, `Array.from(document.querySelectorAll("#detail .changes li.input-change"), li => li.textContent)`)
	if want := []string{"nbac_gamebook_player_stats 2023-03-01: v1 → v2"}; !slices.Equal(changed, want) {
		t.Errorf("changed inputs of the rejected task = %q, want exactly %q", changed, want)
	}
	if txt := js[string](t, ctx, `document.querySelector("#detail .sentence").textContent`); !strings.Contains(txt, "version 1 is still what readers see") {
		t.Errorf("rejected panel's sentence = %q, want it to say version 1 is still visible", txt)
	}
	screenshot(t, ctx, "dashboard-rejected-1600")
}

// stale: the upcoming team context of 2023-01-10 was published by the
// previous build (another processor version). It stays as it is while the
// running version is held; once that is promoted it is stale, left for a
// backfill (older than 45 days); its panel says the processor changed and
// no input did, with the 91 unchanged inputs folded away.
func stale(t *testing.T, ctx context.Context, sv *server, db, token string) {
	t.Helper()
	const proc, date = nba.UpcomingTeam, "2023-01-10"
	old, cur := publishedByOldBuild(t, db, proc, pipeline.MustDate(date))
	navigate(t, ctx, sv.url+"/?task="+proc+"/"+date, 1600, 1000)
	if st := js[string](t, ctx, `document.querySelector("#detail #task-detail").dataset.state`); st != "published" {
		t.Errorf("%s %s before its version is promoted = %s, want published (held)", proc, date, st)
	}
	if txt := js[string](t, ctx, `document.querySelector("#detail .sentence").textContent`); !strings.HasPrefix(txt, "Held: processor version "+cur+" is held") {
		t.Errorf("held panel's sentence = %q", txt)
	}
	if code := sv.call(t, "POST", "/api/plan/apply", token, map[string]string{"processor": proc}, nil); code != http.StatusOK {
		t.Fatalf("POST /api/plan/apply %s = %d, want 200", proc, code)
	}
	navigate(t, ctx, sv.url+"/?task="+proc+"/"+date, 1600, 1000)
	if st := js[string](t, ctx, `document.querySelector("#detail #task-detail").dataset.state`); st != "stale" {
		t.Fatalf("%s %s = %s, want stale", proc, date, st)
	}
	if got, want := js[string](t, ctx, `document.querySelector("#detail li.processor-change").textContent`), "processor version "+old+" → "+cur; got != want {
		t.Errorf("stale panel's change = %q, want %q", got, want)
	}
	if n := js[int](t, ctx, `document.querySelectorAll("#detail li.input-change").length`); n != 0 {
		t.Errorf("stale panel lists %d changed inputs, want none", n)
	}
	if got := js[string](t, ctx, `document.querySelector("#detail details.unchanged summary").textContent`); got != "91 input partition(s) unchanged" {
		t.Errorf("folded inputs = %q, want 91 unchanged", got)
	}
	if js[bool](t, ctx, `document.querySelector("#detail details.unchanged").open`) {
		t.Error("the unchanged inputs are unfolded")
	}
	screenshot(t, ctx, "dashboard-stale-1600")
}

// publishedByOldBuild rewrites the current version of proc's partition on
// d as the previous build would have recorded it: the same inputs, an
// older processor version. It returns the old and current versions.
func publishedByOldBuild(t *testing.T, db, proc string, d pipeline.Date) (old, cur string) {
	t.Helper()
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: db, Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	hist, err := s.History(context.Background(), proc, d)
	s.Close()
	if err != nil || len(hist) == 0 {
		t.Fatalf("history of %s %s: %d versions, %v", proc, d, len(hist), err)
	}
	v := hist[len(hist)-1]
	if pipeline.Fingerprint(v.ProcessorVersion, v.Inputs, nil, nil) != v.Fingerprint {
		t.Fatalf("%s %s was computed with missing or fallback games; pick a date without", proc, d)
	}
	old = v.ProcessorVersion + "-previous"
	sdb, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	res, err := sdb.Exec(`UPDATE partition_versions SET processor_version = ?, input_fingerprint = ?
		WHERE table_name = ? AND game_date = ? AND version = ?`, old, pipeline.Fingerprint(old, v.Inputs, nil, nil), proc, d.String(), v.Version)
	if n, _ := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("rewrite %s %s v%d: %d rows, %v", proc, d, v.Version, n, err)
	}
	return old, v.ProcessorVersion
}

// late: the schedule adds a game on 2023-06-15, after the season's last
// date, whose box score never arrives. The player summary of that date,
// due at 12:00 the next day, was never published: it is late on the page
// (a chip, the overview, the problems list, the cell and its panel).
func late(t *testing.T, ctx context.Context, sv *server, db, token string) {
	t.Helper()
	day, last := pipeline.MustDate("2023-06-15"), pipeline.MustDate("2023-06-12")
	sched := nba.ScheduleTable
	rows := testdb.OnDates(sched, testdb.SeasonRows(t)[sched.Name], last, last)[:1]
	r := append(pipeline.Row(nil), rows[0]...)
	away, home := r[sched.MustCol("away_team_abbr")].(string), r[sched.MustCol("home_team_abbr")].(string)
	r[sched.MustCol("game_id")] = "20230615_" + away + "_" + home
	r[sched.MustCol("nba_game_id")] = "0042299999"
	r[sched.DateIndex()] = day
	r[sched.MustCol("game_status")] = int64(1)
	r[sched.MustCol("game_status_text")] = "Scheduled"
	r[sched.MustCol("home_score")], r[sched.MustCol("away_score")] = nil, nil
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: db, Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	if h, err := s.History(context.Background(), nba.PlayerGame, day); err != nil || len(h) != 0 {
		t.Fatalf("player summary of %s: %d versions, %v; want none (never published)", day, len(h), err)
	}
	testdb.WriteDirect(t, s, sched, day, []pipeline.Row{r})
	s.Close()
	announceRaw(t, sv, token, "nba_raw."+nba.Schedule, day.String())
	navigate(t, ctx, sv.url+"/", 1600, 1000)
	const cell = "c-player_game_summary-2023-06-15"
	eventuallyJS(t, ctx, "the player summary of 2023-06-15 is late", fmt.Sprintf(`(document.getElementById(%q) || {classList: {contains: () => false}}).classList.contains("late")`, cell))
	if got := js[string](t, ctx, fmt.Sprintf(`document.getElementById(%q).dataset.problem`, cell)); got != "late" {
		t.Errorf("late cell's problem = %q, want late", got)
	}
	if n := js[int](t, ctx, `document.querySelectorAll('#problems li[data-date="2023-06-15"] .swatch.s-late').length`); n != 1 {
		t.Error("the problems list does not show 2023-06-15 as late")
	}
	if n := js[int](t, ctx, `document.querySelectorAll('#overview rect.m-late[data-task="player_game_summary/2023-06-15"]').length`); n != 1 {
		t.Error("the overview does not mark player_game_summary 2023-06-15 late")
	}
	click(t, ctx, `#summary .chip[data-state="late"]`, `#summary .chip[data-state="late"][aria-pressed="true"]`)
	if dates := js[[]string](t, ctx, `Array.from(document.querySelectorAll("#matrix-body tr:not([hidden])"), tr => tr.dataset.date)`); !slices.Equal(dates, []string{"2023-06-15"}) {
		t.Errorf("dates shown with the late chip pressed = %v, want 2023-06-15", dates)
	}
	click(t, ctx, "#"+cell, `#task-detail[data-late="true"]`)
	if txt := js[string](t, ctx, `document.querySelector("#detail .sentence").textContent`); !strings.HasPrefix(txt, "Late: due 2023-06-16 12:00 UTC and not published.") {
		t.Errorf("late panel's sentence = %q", txt)
	}
	screenshot(t, ctx, "dashboard-late-1600")
}

// narrow: at 800 px the panel opens over the page, on screen, and the
// graph's labels stay legible.
func narrow(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	navigate(t, ctx, base+"/", 800, 1000)
	if size := js[float64](t, ctx, `document.querySelector("#graph g.node text").getBoundingClientRect().height`); size < 12 {
		t.Errorf("graph label height at 800 px = %v px, want at least 12", size)
	}
	screenshot(t, ctx, "dashboard-season-800")
	// A cell far down the page: its panel still opens where it is seen.
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.ID("c-team_offense_game_summary-2022-12-25"))); err != nil {
		t.Fatal(err)
	}
	click(t, ctx, "#c-team_offense_game_summary-2022-12-25", "#task-detail")
	box := js[map[string]float64](t, ctx, `(() => { const r = document.getElementById("detail").getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, bottom: r.bottom} })()`)
	if box["left"] < 0 || box["right"] > 800 || box["top"] < 0 || box["top"] > 100 || box["bottom"]-box["top"] < 400 {
		t.Errorf("panel at 800 px spans %v; want it on screen (within 0..800 wide, from the top, at least 400 px tall)", box)
	}
	if err := chromedp.Do(ctx, chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	keep(t, "dashboard-panel-800", png)
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

// TestPlanInBrowser: a demo season as if an older build had published the
// player summaries (their processor version is "0"), with a few stored
// usage rates the running build computes differently. The page's
// Processor changes section shows the summary held with every date
// affected; its canary, run from the page on two of the changed dates,
// shows usage_rate as the one column changed, with the counts and the
// largest change, and says why it is held; nothing visible changed; the
// promotion from the page, with the token, recomputes the recent dates.
func TestPlanInBrowser(t *testing.T) {
	ctx, bin, db := browserSeason(t)
	// An old date (left for a backfill on promotion), a recent one
	// (recomputed at once) and one the canary does not sample.
	old, recent, other := pipeline.MustDate("2023-02-03"), pipeline.MustDate("2023-05-20"), pipeline.MustDate("2023-03-15")
	versions := publishedByBuildZero(t, db)
	for _, d := range []pipeline.Date{old, recent, other} {
		raiseUsage(t, db, d, changedRows, usageRaise)
	}
	stored := usageRates(t, db)
	const token = "plan"
	sv := startServe(t, bin, "--db", db, "--auth-token", token)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve log:\n%s", tail(sv.stderr.String()))
		}
	})

	navigate(t, ctx, sv.url+"/", 1600, 1000)
	const row = `#plan-report tr[data-processor="player_game_summary"]`
	eventuallyJS(t, ctx, "the plan section is loaded", `document.querySelector('`+row+`') !== null`)
	if st := js[string](t, ctx, `document.querySelector('`+row+`').dataset.state`); st != "held" {
		t.Errorf("player summary's release state on the page = %q, want held", st)
	}
	if n := js[string](t, ctx, `document.querySelector('`+row+` .affected-dates').dataset.n`); n != fmt.Sprint(len(versions)) {
		t.Errorf("player summary's affected dates on the page = %s, want all %d", n, len(versions))
	}
	if txt := js[string](t, ctx, `document.querySelector('`+row+` .affected').textContent`); !strings.Contains(txt, "2022-10-18 to 2023-06-12") || !strings.Contains(txt, "upcoming_player_game_context") {
		t.Errorf("player summary's affected cell = %q, want the season's dates and the upcoming player contexts following", txt)
	}
	if others := js[[]string](t, ctx, `Array.from(document.querySelectorAll('#plan-report tr[data-processor]:not([data-processor="player_game_summary"])'), r => r.dataset.state)`); !slices.Equal(others, []string{"current", "current", "current", "current"}) {
		t.Errorf("other processors' release states = %v, want four current", others)
	}
	// A held partition stays what readers see, and its panel says why.
	cell := "c-player_game_summary-" + old.String()
	if got := js[string](t, ctx, fmt.Sprintf(cellText, cell)); got != "published v1" {
		t.Errorf("%s text = %q, want \"published v1\"", cell, got)
	}
	click(t, ctx, "#"+cell, `#task-detail[data-processor="player_game_summary"]`)
	if txt := js[string](t, ctx, `document.querySelector("#detail .sentence").textContent`); !strings.HasPrefix(txt, "Held: processor version 1 is held") {
		t.Errorf("held partition's sentence = %q", txt)
	}
	screenshot(t, ctx, "dashboard-plan-held-1600")

	canary(t, ctx, old, recent)
	if got := publishedVersions(t, sv); !maps.Equal(got, versions) {
		t.Errorf("published player summaries after the canary differ from before (%d versions, want %d the same)", len(got), len(versions))
	}
	if !maps.Equal(usageRates(t, db), stored) {
		t.Error("the canary changed stored usage rates")
	}

	// The promotion needs the token; then the engine recomputes the dates
	// within 45 days of the season's end, and leaves the older ones stale
	// for a backfill.
	const promote = row + ` button.promote`
	if js[bool](t, ctx, `getComputedStyle(document.querySelector('`+promote+`')).display !== "none"`) {
		t.Error("the promote button shows before a token is given")
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("token"), token)); err != nil {
		t.Fatal(err)
	}
	click(t, ctx, promote, "#notice")
	eventuallyJS(t, ctx, "the promotion is confirmed", `document.getElementById("notice").textContent.startsWith("Promoted player_game_summary version 1")`)
	eventuallyJS(t, ctx, "the player summary shows promoted", `document.querySelector('`+row+`').dataset.state === "promoted"`)
	eventuallyJS(t, ctx, "the recent changed date is recomputed", fmt.Sprintf(cellText+` === "published v2"`, "c-player_game_summary-"+recent.String()))
	eventuallyJS(t, ctx, "the old changed date is left stale", fmt.Sprintf(`document.getElementById(%q).dataset.state === "stale"`, cell))
	screenshot(t, ctx, "dashboard-plan-promoted-1600")
}

// changedRows of each changed date have their usage rate raised by
// usageRaise.
const (
	changedRows = 4
	usageRaise  = 2.5
)

// canary runs the page's canary of the player summary on two changed
// dates and checks what it shows.
func canary(t *testing.T, ctx context.Context, old, recent pipeline.Date) {
	t.Helper()
	input := "#canary-dates-player_game_summary"
	js[bool](t, ctx, `(() => { document.querySelector("#changes").scrollIntoView(); return true })()`)
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(input), recent.String()+","+old.String())); err != nil {
		t.Fatal(err)
	}
	click(t, ctx, `#plan-report form[data-processor="player_game_summary"] button.run-canary`, "#canary-result")
	got := js[[][]string](t, ctx, `Array.from(document.querySelectorAll("#canary-result table.canary-columns tr[data-column]"), r => [r.dataset.column, r.querySelector(".changed").textContent, r.querySelector(".largest").textContent])`)
	if want := [][]string{{"usage_rate", fmt.Sprint(2 * changedRows), fmt.Sprint(usageRaise)}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("canary columns (column, values changed, largest change) = %v, want %v", got, want)
	}
	dates := js[[][]string](t, ctx, `Array.from(document.querySelectorAll("#canary-result table.canary-dates tr[data-date]"), r => [r.dataset.date, r.querySelector(".changed").textContent, r.querySelector(".added").textContent, r.querySelector(".removed").textContent, r.querySelector(".checks").textContent])`)
	var want [][]string
	for _, d := range []pipeline.Date{old, recent} {
		want = append(want, []string{d.String(), fmt.Sprint(changedRows), "0", "0"})
	}
	if !slices.EqualFunc(dates, want, func(got, want []string) bool { return slices.Equal(got[:4], want) }) {
		t.Errorf("canary dates (date, changed, added, removed, checks) = %v, want %v", dates, want)
	}
	// The raised rates fail the usage checks the running build's pass.
	for _, d := range dates {
		if before, after, _ := strings.Cut(d[4], " → "); !strings.Contains(before, "critical") || after != "clean" {
			t.Errorf("canary %s checks before → after = %q, want critical failures before, clean after", d[0], d[4])
		}
	}
	if v := js[string](t, ctx, `document.querySelector("#canary-result .verdict").textContent`); !strings.HasPrefix(v, "Held: usage_rate changed, which version 1 does not declare; first: "+old.String()) {
		t.Errorf("canary verdict = %q", v)
	}
	screenshot(t, ctx, "dashboard-plan-canary-1600")
}

// publishedByBuildZero rewrites the current version of every player
// summary as processor version "0" would have recorded it: the same
// inputs, missing and fallback games (as the engine reads them now), an
// older processor version. It returns the versions by date.
func publishedByBuildZero(t *testing.T, db string) map[string]int {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, sqlite.Config{Path: db, Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g, err := graph()
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(engine.Config{Store: s, Catalog: nba.Catalog, Graph: g, Executor: &publish.Executor{Store: s, Catalog: nba.Catalog}})
	if err != nil {
		t.Fatal(err)
	}
	ds, _, err := e.Verdicts(ctx, pipeline.MustDate("2022-10-18"), pipeline.MustDate("2023-06-12"))
	if err != nil {
		t.Fatal(err)
	}
	parts, err := s.Partitions(ctx, pipeline.PartitionFilter{Table: nba.PlayerGame})
	if err != nil {
		t.Fatal(err)
	}
	current := map[pipeline.Date]pipeline.PartitionVersion{}
	for _, v := range parts {
		current[v.Date] = v
	}
	sdb, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	out := map[string]int{}
	for _, dec := range ds {
		v, ok := current[dec.Task.Date]
		if dec.Task.Processor != nba.PlayerGame || !ok {
			continue
		}
		if dec.Fingerprint != v.Fingerprint {
			t.Fatalf("player summary %s: the engine's fingerprint differs from the published one; it is not up to date", dec.Task.Date)
		}
		res, err := sdb.Exec(`UPDATE partition_versions SET processor_version = '0', input_fingerprint = ?
			WHERE table_name = ? AND game_date = ? AND version = ?`,
			pipeline.Fingerprint("0", dec.Inputs, dec.Missing, dec.Fallback), nba.PlayerGame, dec.Task.Date.String(), v.Version)
		if n, _ := res.RowsAffected(); err != nil || n != 1 {
			t.Fatalf("rewrite player summary %s v%d: %d rows, %v", dec.Task.Date, v.Version, n, err)
		}
		out[dec.Task.Date.String()] = v.Version
	}
	if len(out) != len(current) {
		t.Fatalf("rewrote %d player summaries of %d published", len(out), len(current))
	}
	return out
}

// raiseUsage raises the stored usage rate of n player rows of d by by, as
// the older build would have computed them, and records the content's
// hash as that build would have.
func raiseUsage(t *testing.T, db string, d pipeline.Date, n int, by float64) {
	t.Helper()
	sdb, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	res, err := sdb.Exec(`UPDATE player_game_summary SET usage_rate = usage_rate + ? WHERE rowid IN (
		SELECT rowid FROM player_game_summary WHERE game_date = ? AND usage_rate BETWEEN 5 AND 50 ORDER BY player_lookup LIMIT ?)`, by, d.String(), n)
	if k, _ := res.RowsAffected(); err != nil || k != int64(n) {
		t.Fatalf("raise usage rates of %s: %d rows, %v; want %d", d, k, err, n)
	}
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: db, Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	rows, v, err := s.ReadPartition(context.Background(), nba.PlayerGameTable, d)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	res, err = sdb.Exec(`UPDATE partition_versions SET content_hash = ? WHERE table_name = ? AND game_date = ? AND version = ?`,
		nba.PlayerGameTable.ContentHash(rows), nba.PlayerGame, d.String(), v.Version)
	if k, _ := res.RowsAffected(); err != nil || k != 1 {
		t.Fatalf("record the content hash of %s v%d: %d rows, %v", d, v.Version, k, err)
	}
}

// usageRates are the stored usage rates of every player summary row.
func usageRates(t *testing.T, db string) map[string]float64 {
	t.Helper()
	sdb, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	rows, err := sdb.Query(`SELECT game_date, game_id, player_lookup, usage_rate FROM player_game_summary WHERE usage_rate IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var d, game, player string
		var u float64
		if err := rows.Scan(&d, &game, &player, &u); err != nil {
			t.Fatal(err)
		}
		out[d+" "+game+" "+player] = u
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// publishedVersions are the player summaries' current versions by date,
// as the service answers them, checking they are still version "0"'s.
func publishedVersions(t *testing.T, sv *server) map[string]int {
	t.Helper()
	var ans struct {
		Partitions []pipeline.PartitionVersion `json:"partitions"`
	}
	if code := sv.call(t, "GET", "/api/partitions?table="+nba.PlayerGame, "", nil, &ans); code != http.StatusOK {
		t.Fatalf("GET /api/partitions = %d", code)
	}
	out := map[string]int{}
	for _, v := range ans.Partitions {
		if v.ProcessorVersion != "0" {
			t.Errorf("player summary %s v%d is by processor version %q, want 0 (held)", v.Date, v.Version, v.ProcessorVersion)
		}
		out[v.Date.String()] = v.Version
	}
	return out
}
