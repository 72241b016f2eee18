package dashboard

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
	"github.com/statgate/statgate/internal/testdb"
)

// inflated returns d's gamebook rows with one active player's field-goal
// attempts raised by ten: the players' sum no longer matches the team box
// score, so the player summary is rejected.
func inflated(t *testing.T, d pipeline.Date) []pipeline.Row {
	gb := nba.GamebookTable
	rows := testdb.OnDates(gb, testdb.SeasonRows(t)[nba.Gamebook], d, d)
	fga, status := gb.MustCol("field_goals_attempted"), gb.MustCol("player_status")
	for i, r := range rows {
		if r[status] == "active" && r[fga] != nil {
			rows[i] = append(pipeline.Row(nil), r...)
			rows[i][fga] = r[fga].(int64) + 10
			break
		}
	}
	return rows
}

// rerun runs the fixture's store through an engine whose clock says now
// and returns a dashboard with that clock.
func rerun(t *testing.T, s pipeline.Store, now time.Time, to pipeline.Date) *Dashboard {
	t.Helper()
	clock := func() time.Time { return now }
	g := graph(t)
	e, err := engine.New(engine.Config{Store: s, Catalog: nba.Catalog, Graph: g, Now: clock, Owner: "rerun",
		Executor: &publish.Executor{Store: s, Catalog: nba.Catalog, BuildRevision: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Run(context.Background(), engine.Scope{From: pipeline.MustDate("2023-02-01"), To: to}); err != nil {
		t.Fatal(err)
	}
	d, err := New(Config{Store: s, Catalog: nba.Catalog, Graph: g, Engine: e, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestProblemPanels: a corrected gamebook of 2023-02-02 that fails the
// player summary's checks. The rejected task's panel names the one input
// that changed and says v1 is still what readers see; the task it blocks
// links it; the cells and the problems list say the same; and a player
// summary never published by its deadline is late, everywhere.
func TestProblemPanels(t *testing.T) {
	_, s := fixture(t)
	testdb.LoadRaw(t, s, map[string][]pipeline.Row{nba.Gamebook: inflated(t, feb2)}, feb2, feb2, nba.Gamebook)
	d := rerun(t, s, at, feb3)

	doc, _ := get(t, d, "/ui/task/player_game_summary/2023-02-02")
	if got := doc.Find("#task-detail").AttrOr("data-state", ""); got != pipeline.Rejected {
		t.Fatalf("player summary 2023-02-02 = %s, want rejected", got)
	}
	var changed []string
	doc.Find(".changes li.input-change").Each(func(_ int, s *goquery.Selection) {
		changed = append(changed, strings.Join(strings.Fields(s.Text()), " "))
	})
	if diff := cmp.Diff([]string{"nbac_gamebook_player_stats 2023-02-02: v1 → v2"}, changed); diff != "" {
		t.Errorf("changed inputs (-want +got):\n%s", diff)
	}
	if n := doc.Find(".changes details.unchanged tbody tr").Length(); n != 2 {
		t.Errorf("unchanged inputs folded away = %d, want 2", n)
	}
	if txt := doc.Find(".sentence").Text(); !strings.HasPrefix(txt, "Rejected: ") || !strings.Contains(txt, "version 1 is still what readers see") {
		t.Errorf("sentence = %q, want rejected and version 1 still visible", txt)
	}
	if got := strings.Join(strings.Fields(doc.Find("#c-player_game_summary-2023-02-02").Text()), " "); got != "" {
		t.Errorf("the panel holds a matrix cell %q", got)
	}

	doc, _ = get(t, d, "/ui/task/upcoming_player_game_context/2023-02-03")
	if got := doc.Find("#task-detail").AttrOr("data-state", ""); got != pipeline.Blocked {
		t.Fatalf("upcoming player context 2023-02-03 = %s, want blocked", got)
	}
	if txt := doc.Find(".sentence").Text(); !strings.Contains(txt, "version 1 is still what readers see") {
		t.Errorf("blocked sentence = %q, want version 1 still visible", txt)
	}
	if href := doc.Find(".upstream a.upstream-link").AttrOr("href", ""); href != "?task=player_game_summary/2023-02-02" {
		t.Errorf("blocked panel's upstream link = %q, want ?task=player_game_summary/2023-02-02", href)
	}

	doc, _ = get(t, d, "/")
	if got := strings.Join(strings.Fields(doc.Find("#c-player_game_summary-2023-02-02").Text()), " "); got != "rejected v1 visible" {
		t.Errorf("rejected cell text = %q, want \"rejected v1 visible\"", got)
	}
	if got := strings.Join(strings.Fields(doc.Find("#c-upcoming_player_game_context-2023-02-03").Text()), " "); got != "blocked v1 visible" {
		t.Errorf("blocked cell text = %q, want \"blocked v1 visible\"", got)
	}
	li := doc.Find(`#problems li[data-date="2023-02-02"]`)
	if li.Find(".swatch.s-rejected").Length() != 1 || li.Find(`a[href="?task=player_game_summary/2023-02-02"]`).Length() != 1 {
		t.Errorf("problems list for 2023-02-02 = %q, want the rejected player summary linked", li.Text())
	}
	if n := doc.Find("#overview rect.m-rejected").Length(); n != 1 {
		t.Errorf("rejected marks in the overview = %d, want 1", n)
	}
	if doc.Find(`#graph g.node.h-rejected[data-name="player_game_summary"]`).Length() != 1 {
		t.Error("the graph's player summary node is not marked rejected")
	}

	// 2023-02-04's schedule arrives, and nothing else: at 13:00 the next
	// day its player summary, due at 12:00, is late.
	testdb.LoadRaw(t, s, testdb.SeasonRows(t), feb4, feb4, nba.Schedule)
	d = rerun(t, s, time.Date(2023, 2, 5, 13, 0, 0, 0, time.UTC), feb4)
	doc, _ = get(t, d, "/?task=player_game_summary/2023-02-04")
	cell := doc.Find("#c-player_game_summary-2023-02-04")
	if !cell.HasClass("late") || cell.AttrOr("data-problem", "") != "late" || !strings.Contains(cell.Text(), "late") {
		t.Errorf("late cell = class %q, problem %q, text %q; want marked late in class, problem and text",
			cell.AttrOr("class", ""), cell.AttrOr("data-problem", ""), cell.Text())
	}
	if doc.Find(`#summary .chip[data-state="late"]`).Length() != 1 {
		t.Error("no late chip in the summary")
	}
	if doc.Find("#overview rect.m-late").Length() != 1 || doc.Find(`#problems li[data-date="2023-02-04"] .swatch.s-late`).Length() != 1 {
		t.Error("the late partition is not in the overview and the problems list")
	}
	// The deep link opened its panel in the page.
	if got := doc.Find("#detail #task-detail").AttrOr("data-late", ""); got != "true" ||
		!strings.HasPrefix(doc.Find("#detail .sentence").Text(), "Late: due 2023-02-05 12:00 UTC") {
		t.Errorf("deep-linked panel: late %q, sentence %q", got, doc.Find("#detail .sentence").Text())
	}
}

// TestDiffInputs: changed versions, inputs read only now and inputs no
// longer there are changes; the rest is unchanged.
func TestDiffInputs(t *testing.T) {
	iv := func(table string, d pipeline.Date, v int) pipeline.InputVersion {
		return pipeline.InputVersion{Table: table, Date: d, Version: v}
	}
	then := []pipeline.InputVersion{iv("a", feb2, 1), iv("a", feb3, 1), iv("b", feb2, 2)}
	now := []pipeline.InputVersion{iv("a", feb2, 1), iv("a", feb3, 2), iv("c", feb2, 1)}
	changed, same := diffInputs(then, now)
	want := []InputChange{{Table: "a", Date: feb3, Old: 1, New: 2}, {Table: "b", Date: feb2, Old: 2}, {Table: "c", Date: feb2, New: 1}}
	if diff := cmp.Diff(want, changed); diff != "" {
		t.Errorf("diffInputs changed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]pipeline.InputVersion{iv("a", feb2, 1)}, same); diff != "" {
		t.Errorf("diffInputs unchanged (-want +got):\n%s", diff)
	}
}
