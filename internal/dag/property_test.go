package dag_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/pipeline"
)

// randomDAG declares up to 12 fake processors p00…p11 whose same-day inputs
// only go from a lower index to a higher one (so there is no cycle), plus
// some raw inputs, in a shuffled declaration order. deps[j] lists the
// processors j reads.
type randomDAG struct {
	w     world
	n     int
	deps  [][]int
	procs []pipeline.Processor // shuffled
}

func procName(i int) string { return fmt.Sprintf("p%02d", i) }

func newRandomDAG(rng *rand.Rand) randomDAG {
	n := 1 + rng.IntN(12)
	var names []string
	for i := range n {
		names = append(names, procName(i))
	}
	g := randomDAG{w: newWorld(names...), n: n, deps: make([][]int, n)}
	density := rng.Float64() // sparse to dense graphs
	for j := range n {
		for i := range j {
			if rng.Float64() < density {
				g.deps[j] = append(g.deps[j], i)
			}
		}
	}
	order := rng.Perm(n)
	for _, j := range order {
		g.procs = append(g.procs, g.proc(j, rng))
	}
	return g
}

func (g randomDAG) proc(j int, rng *rand.Rand) fakeProc {
	var inputs []pipeline.Input
	if rng.IntN(2) == 0 {
		inputs = append(inputs, same("raw_a"))
	}
	for _, i := range g.deps[j] {
		inputs = append(inputs, same(procName(i)))
	}
	rng.Shuffle(len(inputs), func(a, b int) { inputs[a], inputs[b] = inputs[b], inputs[a] })
	return g.w.proc(procName(j), inputs...)
}

// ancestors lists every processor j depends on, transitively.
func (g randomDAG) ancestors(j int) map[int]bool {
	seen := map[int]bool{}
	var visit func(int)
	visit = func(k int) {
		for _, i := range g.deps[k] {
			if !seen[i] {
				seen[i] = true
				visit(i)
			}
		}
	}
	visit(j)
	return seen
}

func TestBuildRandomDAGs(t *testing.T) {
	t.Parallel()
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 0x5747))
		g := newRandomDAG(rng)
		graph, err := dag.Build(g.w.cat, g.procs)
		if err != nil {
			t.Fatalf("seed %d: Build(%d acyclic processors) error = %v", seed, g.n, err)
		}
		order := graph.Order()
		pos := map[string]int{}
		for i, name := range order {
			pos[name] = i
		}
		if len(order) != g.n || len(pos) != g.n {
			t.Fatalf("seed %d: Order() = %v, want each of the %d processors once", seed, order, g.n)
		}
		edges := 0
		for j := range g.n {
			for _, i := range g.deps[j] {
				edges++
				if pos[procName(i)] >= pos[procName(j)] {
					t.Errorf("seed %d: Order() = %v puts %s before its producer %s", seed, order, procName(j), procName(i))
				}
			}
		}
		if got := len(graph.Edges()); got != edges {
			t.Errorf("seed %d: Edges() has %d edges, want %d", seed, got, edges)
		}
		for _, e := range graph.Edges() {
			if pos[e.From] >= pos[e.To] {
				t.Errorf("seed %d: edge %s -> %s goes backwards in Order() %v", seed, e.From, e.To, order)
			}
		}
		// Upstream is exactly a processor and its ancestors, in order.
		j := rng.IntN(g.n)
		need := map[string]bool{procName(j): true}
		for k := range g.ancestors(j) {
			need[procName(k)] = true
		}
		var want []string
		for _, name := range order {
			if need[name] {
				want = append(want, name)
			}
		}
		if diff := cmp.Diff(want, graph.Upstream(procName(j))); diff != "" {
			t.Errorf("seed %d: Upstream(%s) mismatch (-want +got):\n%s", seed, procName(j), diff)
		}
	}
}

// One back edge from a processor to one of its descendants closes a cycle,
// and Build must refuse the graph, naming both ends.
func TestBuildRandomDAGsWithBackEdge(t *testing.T) {
	t.Parallel()
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 0xc1c1e))
		g := newRandomDAG(rng)
		if g.n < 2 {
			g = randomDAG{w: newWorld(procName(0), procName(1)), n: 2, deps: [][]int{nil, nil}}
		}
		// Pick a descendant pair (i reaches j); make one if there is none.
		var pairs [][2]int
		for j := range g.n {
			for i := range g.ancestors(j) {
				pairs = append(pairs, [2]int{i, j})
			}
		}
		slices.SortFunc(pairs, func(a, b [2]int) int { return cmpPair(a, b) })
		var i, j int
		if len(pairs) == 0 {
			i, j = 0, 1+rng.IntN(g.n-1)
			g.deps[j] = append(g.deps[j], i)
		} else {
			p := pairs[rng.IntN(len(pairs))]
			i, j = p[0], p[1]
		}
		// i now also reads j for the same date.
		g.deps[i] = append(g.deps[i], j)
		g.procs = nil
		for _, k := range rng.Perm(g.n) {
			g.procs = append(g.procs, g.proc(k, rng))
		}
		graph, err := dag.Build(g.w.cat, g.procs)
		if err == nil {
			t.Fatalf("seed %d: Build(%s reads %s, which depends on it) = %v, nil, want a cycle error", seed, procName(i), procName(j), graph.Order())
		}
		msg := err.Error()
		if !strings.Contains(msg, "cycle among ") || !strings.Contains(msg, procName(i)) || !strings.Contains(msg, procName(j)) {
			t.Errorf("seed %d: Build error = %q, want a cycle naming %s and %s", seed, msg, procName(i), procName(j))
		}
	}
}

func cmpPair(a, b [2]int) int {
	if a[0] != b[0] {
		return a[0] - b[0]
	}
	return a[1] - b[1]
}
