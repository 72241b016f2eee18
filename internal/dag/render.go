package dag

import (
	"fmt"
	"strings"

	"github.com/statgate/statgate/internal/pipeline"
)

// renderEdge is one declared input drawn as an arrow from the input table
// (a raw table, or the processor that produces it) to the consumer.
type renderEdge struct {
	from, to string
	input    pipeline.Input
}

// renderEdges lists every declared input, raw ones included, in processor
// order and then declaration order, so output is stable.
func (g *Graph) renderEdges() (raw []string, edges []renderEdge) {
	seen := map[string]bool{}
	for _, name := range g.order {
		for _, in := range g.procs[name].Inputs() {
			if g.producer[in.Table] == "" && !seen[in.Table] {
				seen[in.Table] = true
				raw = append(raw, in.Table)
			}
			edges = append(edges, renderEdge{from: in.Table, to: name, input: in})
		}
	}
	return raw, edges
}

func edgeLabel(in pipeline.Input) string {
	l := in.Window.String()
	if !in.Required {
		l += ", optional"
	}
	return l
}

// Text renders the graph for a terminal: each processor with its inputs.
func (g *Graph) Text() string {
	var b strings.Builder
	for _, name := range g.order {
		p := g.procs[name]
		fmt.Fprintf(&b, "%s (version %s)\n", name, p.Version())
		for _, in := range p.Inputs() {
			kind := "raw"
			if g.producer[in.Table] != "" {
				kind = "processor"
			}
			// A window prints as the spec writes it: "same date" or "[D-30, D-1]".
			window := in.Window.String()
			if in.Window == pipeline.Same {
				window = "same date"
			}
			if !in.Required {
				window += ", optional"
			}
			fmt.Fprintf(&b, "  <- %s %s (%s)\n", in.Table, window, kind)
		}
	}
	return b.String()
}

// Dot renders the graph in Graphviz syntax.
func (g *Graph) Dot() string {
	raw, edges := g.renderEdges()
	var b strings.Builder
	b.WriteString("digraph statgate {\n  rankdir=LR;\n  node [shape=box];\n")
	for _, t := range raw {
		fmt.Fprintf(&b, "  %q [shape=cylinder];\n", t)
	}
	for _, n := range g.order {
		fmt.Fprintf(&b, "  %q;\n", n)
	}
	for _, e := range edges {
		style := ""
		if !e.input.Required {
			style = ", style=dashed"
		}
		fmt.Fprintf(&b, "  %q -> %q [label=%q%s];\n", e.from, e.to, edgeLabel(e.input), style)
	}
	b.WriteString("}\n")
	return b.String()
}

// Mermaid renders the graph as a mermaid flowchart.
func (g *Graph) Mermaid() string {
	raw, edges := g.renderEdges()
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, t := range raw {
		fmt.Fprintf(&b, "  %s[(%s)]\n", t, t)
	}
	for _, n := range g.order {
		fmt.Fprintf(&b, "  %s[%s]\n", n, n)
	}
	for _, e := range edges {
		arrow := "-->"
		if !e.input.Required {
			arrow = "-.->"
		}
		fmt.Fprintf(&b, "  %s %s|%q| %s\n", e.from, arrow, edgeLabel(e.input), e.to)
	}
	return b.String()
}
