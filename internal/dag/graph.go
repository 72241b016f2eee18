// Package dag derives the processor graph from declarations: which processor
// produces each table, which processors consume it and through what window,
// a topological order, and the errors (unknown tables, cycles, two producers
// of one table) that must stop statgate at start-up.
package dag

import (
	"fmt"
	"slices"
	"strings"

	"github.com/statgate/statgate/internal/pipeline"
)

// Edge is one declared input of a processor that another processor produces.
type Edge struct {
	From  string // producing processor (= its output table)
	To    string // consuming processor
	Input pipeline.Input
}

// Graph is the processor graph. It is immutable once built.
type Graph struct {
	catalog  *pipeline.Catalog
	procs    map[string]pipeline.Processor
	order    []string // topological: producers before consumers
	edges    []Edge
	consumer map[string][]Edge // by input table
	readers  map[string][]Edge // by input table, raw tables included
	producer map[string]string // output table -> processor
}

// Build checks the declarations against the catalog and derives the graph.
func Build(cat *pipeline.Catalog, procs []pipeline.Processor) (*Graph, error) {
	if cat.Calendar() == nil {
		return nil, fmt.Errorf("the catalog has no calendar table")
	}
	g := &Graph{catalog: cat, procs: map[string]pipeline.Processor{}, consumer: map[string][]Edge{},
		readers: map[string][]Edge{}, producer: map[string]string{}}
	for _, p := range procs {
		out := p.Output()
		switch {
		case out == nil || cat.Table(out.Name) != out:
			return nil, fmt.Errorf("processor %s: output table is not in the catalog", p.Name())
		case out.Kind != pipeline.Analytics:
			return nil, fmt.Errorf("processor %s: output %s is a raw table", p.Name(), out.Name)
		case p.Name() != out.Name:
			return nil, fmt.Errorf("processor %s: must be named after its output table %s", p.Name(), out.Name)
		}
		if other, dup := g.producer[out.Name]; dup {
			return nil, fmt.Errorf("processors %s and %s both produce %s", other, p.Name(), out.Name)
		}
		g.producer[out.Name] = p.Name()
		g.procs[p.Name()] = p
	}
	for _, p := range procs {
		for _, in := range p.Inputs() {
			t := cat.Table(in.Table)
			if t == nil {
				return nil, fmt.Errorf("processor %s: input %s is not a known table", p.Name(), in.Table)
			}
			if in.Window.From > in.Window.To {
				return nil, fmt.Errorf("processor %s: input %s has an empty window %s", p.Name(), in.Table, in.Window)
			}
			if in.Fallback != "" {
				if err := checkFallback(cat, p, in); err != nil {
					return nil, err
				}
			}
			g.readers[in.Table] = append(g.readers[in.Table], Edge{From: g.producer[in.Table], To: p.Name(), Input: in})
			if in.Fallback != "" {
				g.readers[in.Fallback] = append(g.readers[in.Fallback], Edge{To: p.Name(), Input: pipeline.Input{Table: in.Fallback, Window: in.Window}})
			}
			if t.Kind == pipeline.Raw {
				continue
			}
			from, ok := g.producer[in.Table]
			if !ok {
				return nil, fmt.Errorf("processor %s: no processor produces its input %s", p.Name(), in.Table)
			}
			if from == p.Name() && in.Window.To >= 0 {
				return nil, fmt.Errorf("processor %s reads its own output for the same or a later date", p.Name())
			}
			e := Edge{From: from, To: p.Name(), Input: in}
			g.edges = append(g.edges, e)
			g.consumer[in.Table] = append(g.consumer[in.Table], e)
		}
	}
	order, err := g.topo(procs)
	if err != nil {
		return nil, err
	}
	g.order = order
	return g, nil
}

// topo orders processors with Kahn's algorithm, keeping declaration order
// among equals so the order is stable; a self-edge over earlier dates is not
// a dependency between runs for the same date.
func (g *Graph) topo(procs []pipeline.Processor) ([]string, error) {
	indeg := map[string]int{}
	next := map[string][]string{}
	for _, e := range g.edges {
		if e.From == e.To || slices.Contains(next[e.From], e.To) {
			continue
		}
		next[e.From] = append(next[e.From], e.To)
		indeg[e.To]++
	}
	var order []string
	done := map[string]bool{}
	for len(order) < len(procs) {
		progressed := false
		for _, p := range procs {
			n := p.Name()
			if done[n] || indeg[n] > 0 {
				continue
			}
			done[n], progressed = true, true
			order = append(order, n)
			for _, m := range next[n] {
				indeg[m]--
			}
		}
		if !progressed {
			return nil, fmt.Errorf("processor graph has a cycle among %s", strings.Join(onCycles(procs, done, next), ", "))
		}
	}
	return order, nil
}

// onCycles names the unordered processors that lie on a cycle: it prunes,
// repeatedly, those none of whose consumers is left, which removes the
// processors that merely depend on a cycle.
func onCycles(procs []pipeline.Processor, done map[string]bool, next map[string][]string) []string {
	left := map[string]bool{}
	for _, p := range procs {
		if !done[p.Name()] {
			left[p.Name()] = true
		}
	}
	for pruned := true; pruned; {
		pruned = false
		for n := range left {
			if !slices.ContainsFunc(next[n], func(m string) bool { return left[m] }) {
				delete(left, n)
				pruned = true
			}
		}
	}
	var out []string
	for _, p := range procs {
		if left[p.Name()] {
			out = append(out, p.Name())
		}
	}
	return out
}

// Order lists processor names, producers before consumers.
func (g *Graph) Order() []string { return slices.Clone(g.order) }

// Processor returns the named processor or nil.
func (g *Graph) Processor(name string) pipeline.Processor { return g.procs[name] }

// Edges lists every processor-to-processor edge.
func (g *Graph) Edges() []Edge { return slices.Clone(g.edges) }

// Consumers lists the edges out of a table: who reads it, through which window.
func (g *Graph) Consumers(table string) []Edge { return slices.Clone(g.consumer[table]) }

// Producer names the processor producing table, or "" for a raw table.
func (g *Graph) Producer(table string) string { return g.producer[table] }

// Reach is how many days before a task's date the verdicts it depends on
// may lie: the longest chain of analytics windows back from any processor
// (a task for D reads D-30's player summary, which reads D-30's team
// offense). Planning dates from..to decides them as a wider scope would
// when the plan starts Reach days earlier.
func (g *Graph) Reach() int {
	reach := map[string]int{}
	most := 0
	for _, name := range g.order {
		for _, in := range g.procs[name].Inputs() {
			if up := g.producer[in.Table]; up != "" {
				reach[name] = max(reach[name], -in.Window.From+reach[up])
			}
		}
		most = max(most, reach[name])
	}
	return most
}

// Upstream returns the named processors plus every processor they depend on
// (transitively), in topological order.
func (g *Graph) Upstream(names ...string) []string {
	need := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		if need[n] {
			return
		}
		need[n] = true
		for _, in := range g.procs[n].Inputs() {
			if from := g.producer[in.Table]; from != "" && from != n {
				visit(from)
			}
		}
	}
	for _, n := range names {
		if g.procs[n] != nil {
			visit(n)
		}
	}
	var out []string
	for _, n := range g.order {
		if need[n] {
			out = append(out, n)
		}
	}
	return out
}

// checkFallback: a fallback source must be a raw table the processor also
// declares for the same window, so the planner and the executor read it.
func checkFallback(cat *pipeline.Catalog, p pipeline.Processor, in pipeline.Input) error {
	t := cat.Table(in.Fallback)
	if t == nil || t.Kind != pipeline.Raw {
		return fmt.Errorf("processor %s: fallback %s of input %s is not a raw table", p.Name(), in.Fallback, in.Table)
	}
	for _, other := range p.Inputs() {
		if other.Table == in.Fallback && other.Window == in.Window {
			return nil
		}
	}
	return fmt.Errorf("processor %s: fallback %s of input %s is not declared as an input", p.Name(), in.Fallback, in.Table)
}
