package dag_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
)

func nbaGraph(t *testing.T) *dag.Graph {
	t.Helper()
	g, err := dag.Build(nba.Catalog, nba.Processors())
	if err != nil {
		t.Fatalf("Build(nba.Catalog, nba.Processors()) error = %v", err)
	}
	return g
}

// before reports whether a comes before b in order (both must be present).
func before(order []string, a, b string) bool {
	i, j := slices.Index(order, a), slices.Index(order, b)
	return i >= 0 && j >= 0 && i < j
}

func TestNBAOrder(t *testing.T) {
	t.Parallel()
	g := nbaGraph(t)
	want := []string{nba.TeamOffense, nba.TeamDefense, nba.PlayerGame, nba.UpcomingTeam, nba.UpcomingPlayer}
	if diff := cmp.Diff(want, g.Order()); diff != "" {
		t.Errorf("Order() mismatch (-want +got):\n%s", diff)
	}
}

// The order respects every dependency whatever order the processors are
// declared in: all 120 orderings of the five.
func TestNBAOrderAnyDeclarationOrder(t *testing.T) {
	t.Parallel()
	must := [][2]string{
		{nba.TeamOffense, nba.PlayerGame},
		{nba.TeamOffense, nba.UpcomingTeam},
		{nba.TeamDefense, nba.UpcomingTeam},
		{nba.PlayerGame, nba.UpcomingPlayer},
		{nba.UpcomingTeam, nba.UpcomingPlayer},
	}
	procs := nba.Processors()
	var permute func(k int)
	n := 0
	permute = func(k int) {
		if k == len(procs) {
			n++
			decl := slices.Clone(procs)
			g, err := dag.Build(nba.Catalog, decl)
			if err != nil {
				t.Fatalf("Build(%v) error = %v", names(decl), err)
			}
			order := g.Order()
			if len(order) != 5 {
				t.Errorf("Build(%v).Order() = %v, want all five processors", names(decl), order)
			}
			for _, m := range must {
				if !before(order, m[0], m[1]) {
					t.Errorf("Build(%v).Order() = %v, want %s before %s", names(decl), order, m[0], m[1])
				}
			}
			return
		}
		for i := k; i < len(procs); i++ {
			procs[k], procs[i] = procs[i], procs[k]
			permute(k + 1)
			procs[k], procs[i] = procs[i], procs[k]
		}
	}
	permute(0)
	if n != 120 {
		t.Fatalf("tried %d declaration orders, want 120", n)
	}
}

func names(procs []pipeline.Processor) []string {
	out := make([]string, len(procs))
	for i, p := range procs {
		out[i] = p.Name()
	}
	return out
}

func TestNBAProducer(t *testing.T) {
	t.Parallel()
	g := nbaGraph(t)
	for table, want := range map[string]string{
		nba.TeamOffense:    nba.TeamOffense,
		nba.TeamDefense:    nba.TeamDefense,
		nba.PlayerGame:     nba.PlayerGame,
		nba.UpcomingTeam:   nba.UpcomingTeam,
		nba.UpcomingPlayer: nba.UpcomingPlayer,
		nba.Schedule:       "",
		nba.Gamebook:       "",
		nba.TeamBox:        "",
		nba.PointsProps:    "",
		"no_such_table":    "",
	} {
		if got := g.Producer(table); got != want {
			t.Errorf("Producer(%q) = %q, want %q", table, got, want)
		}
	}
	for _, name := range g.Order() {
		p := g.Processor(name)
		if p == nil || p.Name() != name || p.Output() != nba.Catalog.Table(name) {
			t.Errorf("Processor(%q) = %v, want the processor writing %s", name, p, name)
		}
	}
	if p := g.Processor(nba.Schedule); p != nil {
		t.Errorf("Processor(%q) = %v, want nil for a raw table", nba.Schedule, p)
	}
}

func TestNBAConsumers(t *testing.T) {
	t.Parallel()
	g := nbaGraph(t)
	last30 := func(table string) pipeline.Input {
		return pipeline.Input{Table: table, Window: pipeline.Last30, Required: true}
	}
	tests := []struct {
		table string
		want  []dag.Edge
	}{
		{nba.TeamOffense, []dag.Edge{
			{From: nba.TeamOffense, To: nba.PlayerGame, Input: same(nba.TeamOffense)},
			{From: nba.TeamOffense, To: nba.UpcomingTeam, Input: last30(nba.TeamOffense)},
		}},
		{nba.TeamDefense, []dag.Edge{
			{From: nba.TeamDefense, To: nba.UpcomingTeam, Input: last30(nba.TeamDefense)},
		}},
		{nba.PlayerGame, []dag.Edge{
			{From: nba.PlayerGame, To: nba.UpcomingPlayer, Input: last30(nba.PlayerGame)},
		}},
		{nba.UpcomingTeam, []dag.Edge{
			{From: nba.UpcomingTeam, To: nba.UpcomingPlayer, Input: same(nba.UpcomingTeam)},
		}},
		{nba.UpcomingPlayer, nil},
		// Raw tables are read, but not by an edge between processors.
		{nba.Schedule, nil},
		{nba.PointsProps, nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, g.Consumers(tt.table)); diff != "" {
			t.Errorf("Consumers(%q) mismatch (-want +got):\n%s", tt.table, diff)
		}
	}
}

func TestNBAEdges(t *testing.T) {
	t.Parallel()
	g := nbaGraph(t)
	type pair struct {
		From, To string
		Window   pipeline.Window
	}
	var got []pair
	for _, e := range g.Edges() {
		if e.Input.Table != e.From {
			t.Errorf("edge %+v reads table %s, want its producer's output %s", e, e.Input.Table, e.From)
		}
		got = append(got, pair{e.From, e.To, e.Input.Window})
	}
	want := []pair{
		{nba.TeamOffense, nba.PlayerGame, pipeline.Same},
		{nba.TeamOffense, nba.UpcomingTeam, pipeline.Last30},
		{nba.TeamDefense, nba.UpcomingTeam, pipeline.Last30},
		{nba.PlayerGame, nba.UpcomingPlayer, pipeline.Last30},
		{nba.UpcomingTeam, nba.UpcomingPlayer, pipeline.Same},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Edges() mismatch (-want +got):\n%s", diff)
	}
}

func TestNBAUpstream(t *testing.T) {
	t.Parallel()
	g := nbaGraph(t)
	tests := []struct {
		names []string
		want  []string
	}{
		{[]string{nba.TeamOffense}, []string{nba.TeamOffense}},
		{[]string{nba.PlayerGame}, []string{nba.TeamOffense, nba.PlayerGame}},
		{[]string{nba.UpcomingTeam}, []string{nba.TeamOffense, nba.TeamDefense, nba.UpcomingTeam}},
		{[]string{nba.UpcomingPlayer}, []string{nba.TeamOffense, nba.TeamDefense, nba.PlayerGame, nba.UpcomingTeam, nba.UpcomingPlayer}},
		{[]string{nba.PlayerGame, nba.TeamDefense}, []string{nba.TeamOffense, nba.TeamDefense, nba.PlayerGame}},
		{[]string{nba.PlayerGame, nba.PlayerGame}, []string{nba.TeamOffense, nba.PlayerGame}},
		{[]string{"no_such_processor", nba.PlayerGame}, []string{nba.TeamOffense, nba.PlayerGame}},
		{[]string{nba.Schedule}, nil}, // a raw table has no processor
		{nil, nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, g.Upstream(tt.names...)); diff != "" {
			t.Errorf("Upstream(%v) mismatch (-want +got):\n%s", tt.names, diff)
		}
	}
}

// Graph says it is immutable once built, yet its accessors hand out its
// own slices: a caller that sorts or edits Order() changes the order every
// other caller (and Upstream) sees.
func TestGraphAccessorsDoNotShareState(t *testing.T) {
	t.Parallel()
	g := nbaGraph(t)
	want := slices.Clone(g.Order())
	slices.Reverse(g.Order())
	if diff := cmp.Diff(want, g.Order()); diff != "" {
		t.Errorf("Order() changed after a caller reversed its result (-want +got):\n%s", diff)
	}
	g.Consumers(nba.TeamOffense)[0].To = "someone_else"
	if got := g.Consumers(nba.TeamOffense)[0].To; got != nba.PlayerGame {
		t.Errorf("Consumers(%q)[0].To = %q after a caller edited it, want %q", nba.TeamOffense, got, nba.PlayerGame)
	}
}
