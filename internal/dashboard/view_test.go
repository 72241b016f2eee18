package dashboard

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
)

var (
	feb2 = pipeline.MustDate("2023-02-02")
	feb3 = pipeline.MustDate("2023-02-03")
	feb4 = pipeline.MustDate("2023-02-04")
	at   = time.Date(2023, 2, 4, 5, 0, 0, 0, time.UTC)
)

func graph(t testing.TB) *dag.Graph {
	t.Helper()
	g, err := dag.Build(nba.Catalog, nba.Processors())
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestBuildMatrix: one row per calendar date, each cell the engine's
// verdict on its task, a task without one shown as none.
func TestBuildMatrix(t *testing.T) {
	procs := []string{nba.TeamOffense, nba.PlayerGame}
	verdict := func(p string, d pipeline.Date, state string, version int) engine.Verdict {
		return engine.Verdict{Processor: p, Date: d, State: state, Version: version}
	}
	in := MatrixInput{
		Processors: procs,
		Calendar: []pipeline.PartitionVersion{
			{Table: nba.Schedule, Date: feb2, Coverage: &pipeline.Coverage{Games: []string{"a", "b"}}},
			{Table: nba.Schedule, Date: feb3, Coverage: &pipeline.Coverage{Games: []string{"c"}}},
			{Table: nba.Schedule, Date: feb4, Coverage: &pipeline.Coverage{}},
		},
		Verdicts: []engine.Verdict{
			verdict(nba.TeamOffense, feb2, pipeline.Published, 3),
			verdict(nba.PlayerGame, feb2, cellPartial, 1),
			verdict(nba.TeamOffense, feb3, pipeline.Running, 0),
			verdict(nba.PlayerGame, feb3, pipeline.Blocked, 0),
			verdict(nba.TeamOffense, feb4, pipeline.Published, 2),
			verdict(nba.PlayerGame, pipeline.MustDate("2023-02-05"), pipeline.Waiting, 0), // not a calendar date
		},
	}
	m := BuildMatrix(in)
	type cell struct {
		State   string
		Version int
	}
	got := map[string]cell{}
	var dates []pipeline.Date
	var games []int
	for _, r := range m.Rows {
		dates, games = append(dates, r.Date), append(games, r.Games)
		for _, c := range r.Cells {
			got[c.ID()] = cell{c.State, c.Version}
		}
	}
	want := map[string]cell{
		"c-team_offense_game_summary-2023-02-02": {pipeline.Published, 3},
		"c-player_game_summary-2023-02-02":       {cellPartial, 1},
		"c-team_offense_game_summary-2023-02-03": {pipeline.Running, 0},
		"c-player_game_summary-2023-02-03":       {pipeline.Blocked, 0},
		"c-team_offense_game_summary-2023-02-04": {pipeline.Published, 2},
		"c-player_game_summary-2023-02-04":       {cellNone, 0}, // no verdict
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("BuildMatrix cells (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]pipeline.Date{feb4, feb3, feb2}, dates); diff != "" {
		t.Errorf("BuildMatrix dates, newest first (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{0, 1, 2}, games); diff != "" {
		t.Errorf("BuildMatrix games per date (-want +got):\n%s", diff)
	}
	wantCounts := []StateCount{{pipeline.Published, "published", 2}, {cellPartial, "partial", 1},
		{pipeline.Running, "running", 1}, {pipeline.Blocked, "blocked", 1}, {cellNone, "—", 1}}
	if diff := cmp.Diff(wantCounts, m.Counts); diff != "" {
		t.Errorf("BuildMatrix counts (-want +got):\n%s", diff)
	}
}

// TestLayout: every node is placed, raw tables first, each processor to
// the right of everything it reads, and no two boxes overlap.
func TestLayout(t *testing.T) {
	g := graph(t)
	d := Layout(g)
	at := map[string]DrawNode{}
	for _, n := range d.Nodes {
		at[n.Name] = n
	}
	if len(d.Nodes) != 9 {
		t.Errorf("Layout nodes = %d, want 9 (4 raw tables, 5 processors)", len(d.Nodes))
	}
	for _, name := range g.Order() {
		n, ok := at[name]
		if !ok || n.Raw || n.Layer < 1 {
			t.Errorf("processor %s = %+v, want placed right of the raw tables", name, n)
		}
		for _, in := range g.Processor(name).Inputs() {
			from := g.Producer(in.Table)
			if from == "" {
				from = in.Table
			}
			if from != name && at[from].X+at[from].W >= n.X {
				t.Errorf("%s (x %v) is not right of its input %s (x %v)", name, n.X, from, at[from].X)
			}
		}
	}
	for i, a := range d.Nodes {
		if a.X < 0 || a.Y < 0 || a.X+a.W > d.Width || a.Y+a.H > d.Height {
			t.Errorf("node %s at (%v,%v) lies outside the %vx%v drawing", a.Name, a.X, a.Y, d.Width, d.Height)
		}
		for _, b := range d.Nodes[i+1:] {
			if a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H {
				t.Errorf("nodes %s and %s overlap", a.Name, b.Name)
			}
		}
	}
	edges := 0
	for _, name := range g.Order() {
		edges += len(g.Processor(name).Inputs())
	}
	if len(d.Edges) != edges {
		t.Errorf("Layout edges = %d, want one per declared input (%d)", len(d.Edges), edges)
	}
}

// TestBuildTimeline: one lane per processor; a run that started later is
// drawn further right; an unfinished run runs to now.
func TestBuildTimeline(t *testing.T) {
	procs := []string{nba.TeamOffense, nba.PlayerGame}
	end := at.Add(40 * time.Millisecond)
	runs := []pipeline.TaskRun{
		{ID: 1, Task: pipeline.TaskKey{Processor: nba.TeamOffense, Date: feb3}, StartedAt: at, FinishedAt: &end, State: pipeline.Published},
		{ID: 2, Task: pipeline.TaskKey{Processor: nba.PlayerGame, Date: feb3}, StartedAt: end.Add(2 * time.Millisecond), State: pipeline.Running},
	}
	tl := BuildTimeline(procs, runs, end.Add(50*time.Millisecond), time.Time{}, time.Time{})
	if len(tl.Lanes) != 2 || len(tl.Bars) != 2 {
		t.Fatalf("BuildTimeline = %d lanes, %d bars; want 2 and 2", len(tl.Lanes), len(tl.Bars))
	}
	team, player := tl.Bars[0], tl.Bars[1]
	if player.X < team.X+team.W {
		t.Errorf("player bar starts at %v, before team offense's ends at %v", player.X, team.X+team.W)
	}
	if player.Y <= team.Y || player.State != pipeline.Running || team.State != pipeline.Published {
		t.Errorf("bars = %+v, %+v; want the player below, running, team offense published", player, team)
	}
	if right := player.X + player.W; right > tl.Width || right < tl.Width-10 {
		t.Errorf("the running bar ends at %v, want at now, the right edge (%v)", right, tl.Width)
	}
}
