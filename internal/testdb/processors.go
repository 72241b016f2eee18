package testdb

import (
	"slices"

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
