package dashboard

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/pipeline"
)

// Drawing is the processor graph laid out for SVG: raw tables in the first
// column, each processor one column right of its furthest input, and the
// order within a column chosen to keep edges short. Nothing is positioned
// by hand; a new processor or input lays itself out.
type Drawing struct {
	Width, Height float64
	Nodes         []DrawNode
	Edges         []DrawEdge
}

// DrawNode is a box in the drawing.
type DrawNode struct {
	Name       string
	Raw        bool
	Layer, Pos int
	X, Y, W, H float64
}

// DrawEdge is a declared input drawn as a curve from the input's table to
// the reading processor.
type DrawEdge struct {
	From, To string
	Label    string
	Optional bool
	Path     string // SVG path data
	LabelX   float64
	LabelY   float64
}

// Drawing geometry, in SVG user units.
const (
	nodeW   = 232.0
	nodeH   = 46.0
	colGap  = 90.0
	rowGap  = 26.0
	margin  = 16.0
	sweeps  = 6
	loopTop = 22.0
)

// layoutEdge is a declared input between two drawing nodes.
type layoutEdge struct {
	from, to, label string
	optional        bool
}

// Layout lays g out: longest-path layers, then barycenter sweeps down and
// up the layers to reduce crossings, then coordinates.
func Layout(g *dag.Graph) Drawing {
	layer, raw, edges := layers(g)
	cols := order(layer, append(raw, g.Order()...), edges)
	return place(cols, layer, edges)
}

// layers puts raw tables in layer 0 and each processor one layer right of
// its furthest input; it also lists the raw tables and the edges.
func layers(g *dag.Graph) (map[string]int, []string, []layoutEdge) {
	layer := map[string]int{}
	var raw []string
	var edges []layoutEdge
	for _, name := range g.Order() {
		l := 1
		for _, in := range g.Processor(name).Inputs() {
			from := g.Producer(in.Table)
			if from == "" {
				from = in.Table
				if _, ok := layer[from]; !ok {
					layer[from] = 0
					raw = append(raw, from)
				}
			}
			if from != name {
				l = max(l, layer[from]+1)
			}
			label := ""
			if in.Window != pipeline.Same {
				label = in.Window.String() // same-date reads are the rule; windows are worth a label
			}
			edges = append(edges, layoutEdge{from, name, label, !in.Required})
		}
		layer[name] = l
	}
	return layer, raw, edges
}

// order fills the columns in first-seen order, then sorts each by the
// mean position of its neighbours in the column before (sweeping down) or
// after (sweeping up).
func order(layer map[string]int, names []string, edges []layoutEdge) [][]string {
	nLayers := 0
	for _, l := range layer {
		nLayers = max(nLayers, l+1)
	}
	cols := make([][]string, nLayers)
	for _, n := range names {
		cols[layer[n]] = append(cols[layer[n]], n)
	}
	pos := map[string]float64{}
	index := func() {
		for _, col := range cols {
			for i, n := range col {
				pos[n] = float64(i)
			}
		}
	}
	index()
	for s := 0; s < sweeps; s++ {
		down := s%2 == 0
		for i := range cols {
			li := i
			if !down {
				li = len(cols) - 1 - i
			}
			bary := map[string]float64{}
			for _, n := range cols[li] {
				sum, k := 0.0, 0
				for _, e := range edges {
					switch {
					case e.from == e.to:
					case down && e.to == n:
						sum, k = sum+pos[e.from], k+1
					case !down && e.from == n:
						sum, k = sum+pos[e.to], k+1
					}
				}
				bary[n] = pos[n]
				if k > 0 {
					bary[n] = sum / float64(k)
				}
			}
			slices.SortStableFunc(cols[li], func(a, b string) int { return cmp.Compare(bary[a], bary[b]) })
		}
		index()
	}
	return cols
}

// place gives the columns coordinates, left to right, each centred
// vertically, and draws the edges as curves (a loop above the node for a
// processor reading its own earlier dates).
func place(cols [][]string, layer map[string]int, edges []layoutEdge) Drawing {
	tallest := 0
	for _, col := range cols {
		tallest = max(tallest, len(col))
	}
	height := 2*margin + loopTop + float64(tallest)*nodeH + float64(max(tallest-1, 0))*rowGap
	d := Drawing{Width: 2*margin + float64(len(cols))*nodeW + float64(max(len(cols)-1, 0))*colGap, Height: height}
	at := map[string]DrawNode{}
	for li, col := range cols {
		colH := float64(len(col))*nodeH + float64(max(len(col)-1, 0))*rowGap
		top := margin + loopTop + (height-2*margin-loopTop-colH)/2
		for i, n := range col {
			node := DrawNode{Name: n, Raw: layer[n] == 0, Layer: li, Pos: i, W: nodeW, H: nodeH,
				X: margin + float64(li)*(nodeW+colGap), Y: top + float64(i)*(nodeH+rowGap)}
			at[n] = node
			d.Nodes = append(d.Nodes, node)
		}
	}
	for _, e := range edges {
		a, b := at[e.from], at[e.to]
		de := DrawEdge{From: e.from, To: e.to, Label: e.label, Optional: e.optional}
		if e.from == e.to {
			x0, x1, y := a.X+a.W*0.3, a.X+a.W*0.7, a.Y
			de.Path = fmt.Sprintf("M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f", x0, y, x0, y-loopTop, x1, y-loopTop, x1, y)
			de.LabelX, de.LabelY = a.X+a.W/2, y-loopTop+4
		} else {
			x0, y0 := a.X+a.W, a.Y+a.H/2
			x1, y1 := b.X, b.Y+b.H/2
			mx := (x0 + x1) / 2
			de.Path = fmt.Sprintf("M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f", x0, y0, mx, y0, mx, y1, x1, y1)
			de.LabelX, de.LabelY = mx, (y0+y1)/2-3
		}
		d.Edges = append(d.Edges, de)
	}
	return d
}
