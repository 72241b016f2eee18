package testdb

import (
	"context"
	"slices"
	"testing"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
)

// HigherUsage is a changed build of the player summary, for tests of
// processor changes: usage rates 0.2% higher on every row (at most 100,
// within the checks), everything else the same code, under version
// "2-test".
type HigherUsage struct{ nba.PlayerGameProcessor }

// Version implements pipeline.Processor.
func (HigherUsage) Version() string { return "2-test" }

// Compute implements pipeline.Processor.
func (p HigherUsage) Compute(c pipeline.Compute) ([]pipeline.Row, error) {
	rows, err := p.PlayerGameProcessor.Compute(c)
	if err != nil {
		return nil, err
	}
	u := p.Output().Col("usage_rate")
	out := make([]pipeline.Row, len(rows))
	for i, r := range rows {
		if v, ok := r[u].(float64); ok {
			r = slices.Clone(r)
			r[u] = min(v*1.002, 100)
		}
		out[i] = r
	}
	return out, nil
}

// Graph is the graph of nba.Processors with each of replace standing in
// for the processor of its name: a build with changed processors.
func Graph(tb testing.TB, replace ...pipeline.Processor) *dag.Graph {
	tb.Helper()
	var procs []pipeline.Processor
	for _, p := range nba.Processors() {
		for _, r := range replace {
			if r.Name() == p.Name() {
				p = r
			}
		}
		procs = append(procs, p)
	}
	g, err := dag.Build(nba.Catalog, procs)
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

// Current returns the current version of every partition of table, by date.
func Current(tb testing.TB, s pipeline.Store, table string) map[pipeline.Date]pipeline.PartitionVersion {
	tb.Helper()
	vs, err := s.Partitions(context.Background(), pipeline.PartitionFilter{Table: table})
	if err != nil {
		tb.Fatal(err)
	}
	out := make(map[pipeline.Date]pipeline.PartitionVersion, len(vs))
	for _, v := range vs {
		out[v.Date] = v
	}
	return out
}
