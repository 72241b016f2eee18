package dag_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/pipeline"
)

func TestBuildErrors(t *testing.T) {
	t.Parallel()
	w := newWorld("a", "b", "c", "d")
	outside := table("outside", pipeline.Analytics) // not in the catalog
	impostor := table("a", pipeline.Analytics)      // named like a, but another table
	noCalendar := pipeline.NewCatalog(table("raw_a", pipeline.Raw), w.tables["a"])
	tests := []struct {
		name  string
		cat   *pipeline.Catalog // w.cat when nil
		procs []pipeline.Processor
		want  []string // fragments of the error
	}{
		// The completeness gate needs a table that lists each date's games.
		{"no calendar table", noCalendar, []pipeline.Processor{w.proc("a", same("raw_a"))},
			[]string{"the catalog has no calendar table"}},
		{"unknown input table", nil, []pipeline.Processor{w.proc("a", same("raw_a"), same("nbac_nope"))},
			[]string{"processor a", "input nbac_nope is not a known table"}},
		{"output not in catalog", nil, []pipeline.Processor{fakeProc{out: outside}},
			[]string{"processor outside", "output table is not in the catalog"}},
		{"output is another table of the same name", nil, []pipeline.Processor{fakeProc{out: impostor}},
			[]string{"processor a", "not in the catalog"}},
		{"no output", nil, []pipeline.Processor{fakeProc{name: "ghost"}},
			[]string{"processor ghost", "not in the catalog"}},
		{"raw output", nil, []pipeline.Processor{w.proc("raw_a")},
			[]string{"processor raw_a", "output raw_a is a raw table"}},
		{"name is not the output table", nil, []pipeline.Processor{fakeProc{name: "team_offense", out: w.tables["a"]}},
			[]string{"processor team_offense", "must be named after its output table a"}},
		{"two producers", nil, []pipeline.Processor{w.proc("a", same("raw_a")), w.proc("b"), w.proc("a", same("raw_b"))},
			[]string{"processors a and a both produce a"}},
		{"two-processor cycle", nil, []pipeline.Processor{w.proc("a", same("b")), w.proc("b", same("a"))},
			[]string{"processor graph has a cycle among a, b"}},
		{"three-processor cycle", nil, []pipeline.Processor{w.proc("a", same("c")), w.proc("b", same("a")), w.proc("c", same("b"))},
			[]string{"cycle among a, b, c"}},
		{"cycle behind a healthy processor", nil, []pipeline.Processor{w.proc("d", same("raw_a")), w.proc("b", same("c")), w.proc("c", same("b"), same("d"))},
			[]string{"cycle among b, c"}},
		{"cycle through an optional input", nil, []pipeline.Processor{
			w.proc("a", pipeline.Input{Table: "b", Window: pipeline.Same}), w.proc("b", same("a"))},
			[]string{"cycle among a, b"}},
		{"self-read same date", nil, []pipeline.Processor{w.proc("a", same("raw_a"), same("a"))},
			[]string{"processor a reads its own output for the same or a later date"}},
		{"self-read window ending on D", nil, []pipeline.Processor{w.proc("a", window("a", -7, 0))},
			[]string{"processor a reads its own output"}},
		{"self-read a later date", nil, []pipeline.Processor{w.proc("a", window("a", 1, 1))},
			[]string{"processor a reads its own output"}},
		{"empty window", nil, []pipeline.Processor{w.proc("a", window("raw_a", 0, -1))},
			[]string{"processor a", "input raw_a has an empty window"}},
		{"empty window on an analytics input", nil, []pipeline.Processor{w.proc("b"), w.proc("a", window("b", -1, -30))},
			[]string{"processor a", "input b has an empty window"}},
		{"input nobody produces", nil, []pipeline.Processor{w.proc("a", same("raw_a")), w.proc("b", same("a"), prior("c"))},
			[]string{"processor b", "no processor produces its input c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cat := w.cat
			if tt.cat != nil {
				cat = tt.cat
			}
			g, err := dag.Build(cat, tt.procs)
			if err == nil {
				t.Fatalf("Build(%s) = %v, nil, want an error", tt.name, g.Order())
			}
			if g != nil {
				t.Errorf("Build(%s) returned a graph with its error %v", tt.name, err)
			}
			if missing := mentions(err.Error(), tt.want...); len(missing) > 0 {
				t.Errorf("Build(%s) error = %q, want it to mention %q", tt.name, err, missing)
			}
		})
	}
}

// A processor may read its own earlier partitions (a running total, say):
// that is an edge, but not a dependency between runs for the same date.
func TestBuildSelfReadOfEarlierDates(t *testing.T) {
	t.Parallel()
	w := newWorld("a", "b")
	for _, in := range []pipeline.Input{prior("a"), window("a", -30, -1), window("a", -1, -1)} {
		g, err := dag.Build(w.cat, []pipeline.Processor{w.proc("b", same("a")), w.proc("a", same("raw_a"), in)})
		if err != nil {
			t.Errorf("Build(a reads itself over %v) error = %v, want nil", in.Window, err)
			continue
		}
		if diff := cmp.Diff([]string{"a", "b"}, g.Order()); diff != "" {
			t.Errorf("Build(a reads itself over %v).Order() mismatch (-want +got):\n%s", in.Window, diff)
		}
		wantEdges := []dag.Edge{
			{From: "a", To: "b", Input: same("a")},
			{From: "a", To: "a", Input: in},
		}
		if diff := cmp.Diff(wantEdges, g.Edges()); diff != "" {
			t.Errorf("Build(a reads itself over %v).Edges() mismatch (-want +got):\n%s", in.Window, diff)
		}
		if diff := cmp.Diff([]string{"a"}, g.Upstream("a")); diff != "" {
			t.Errorf("Upstream(a) mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"a", "b"}, g.Upstream("b")); diff != "" {
			t.Errorf("Upstream(b) mismatch (-want +got):\n%s", diff)
		}
	}
}

// Declarations that are unusual but valid.
func TestBuildAccepts(t *testing.T) {
	t.Parallel()
	w := newWorld("a", "b", "c")
	tests := []struct {
		name  string
		procs []pipeline.Processor
		order []string
	}{
		{"no processors", nil, nil},
		{"only raw inputs", []pipeline.Processor{w.proc("a", same("raw_a"), prior("raw_b"))}, []string{"a"}},
		{"no inputs at all", []pipeline.Processor{w.proc("a")}, []string{"a"}},
		{"the same table twice", []pipeline.Processor{w.proc("a"), w.proc("b", same("a"), window("a", -30, -1))}, []string{"a", "b"}},
		{"consumer declared first", []pipeline.Processor{w.proc("c", same("b")), w.proc("b", same("a")), w.proc("a")}, []string{"a", "b", "c"}},
		{"independent keep declaration order", []pipeline.Processor{w.proc("c"), w.proc("a"), w.proc("b")}, []string{"c", "a", "b"}},
		{"a later date of another processor", []pipeline.Processor{w.proc("b", window("a", 1, 1)), w.proc("a")}, []string{"a", "b"}},
		{"a diamond", []pipeline.Processor{w.proc("c", same("a"), same("b")), w.proc("b", same("a")), w.proc("a", same("raw_a"))}, []string{"a", "b", "c"}},
	}
	for _, tt := range tests {
		g, err := dag.Build(w.cat, tt.procs)
		if err != nil {
			t.Errorf("Build(%s) error = %v, want nil", tt.name, err)
			continue
		}
		if diff := cmp.Diff(tt.order, g.Order()); diff != "" {
			t.Errorf("Build(%s).Order() mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}

// A cycle error should name the processors on the cycle; a processor that
// merely depends on the cycle is not part of the problem.
func TestBuildCycleErrorNamesOnlyTheCycle(t *testing.T) {
	t.Parallel()
	w := newWorld("a", "b", "c")
	_, err := dag.Build(w.cat, []pipeline.Processor{w.proc("a", same("b")), w.proc("b", same("a")), w.proc("c", same("a"))})
	if err == nil {
		t.Fatal("Build(a<->b, c<-a) = nil error, want a cycle")
	}
	if got, want := err.Error(), "processor graph has a cycle among a, b"; got != want {
		t.Errorf("Build(a<->b, c<-a) error = %q, want %q (c depends on the cycle but is not on it)", got, want)
	}
}

func mentions(msg string, fragments ...string) (missing []string) {
	for _, f := range fragments {
		if !strings.Contains(msg, f) {
			missing = append(missing, f)
		}
	}
	return missing
}

// A fallback source stands in for an input's missing games, so it must be a
// raw table the processor may read, like the gamebook for the team box score.
func TestBuildFallback(t *testing.T) {
	t.Parallel()
	w := newWorld("a", "b")
	fallback := func(table, fb string) pipeline.Input {
		return pipeline.Input{Table: table, Window: pipeline.Same, Required: true, Fallback: fb}
	}
	g, err := dag.Build(w.cat, []pipeline.Processor{w.proc("a", fallback("raw_a", "raw_b"), pipeline.Input{Table: "raw_b", Window: pipeline.Same})})
	if err != nil {
		t.Fatalf("Build(a reads raw_a with fallback raw_b) error = %v, want nil", err)
	}
	if got := g.Processor("a").Inputs()[0].Fallback; got != "raw_b" {
		t.Errorf("Processor(a).Inputs()[0].Fallback = %q, want raw_b", got)
	}

	for name, procs := range map[string][]pipeline.Processor{
		"unknown fallback":    {w.proc("a", fallback("raw_a", "nbac_nope"))},
		"analytics fallback":  {w.proc("b"), w.proc("a", fallback("raw_a", "b"), same("b"))},
		"undeclared fallback": {w.proc("a", fallback("raw_a", "raw_b"))},
	} {
		if _, err := dag.Build(w.cat, procs); err == nil {
			t.Errorf("Build(%s) = nil error, want the fallback rejected", name)
		}
	}
}
