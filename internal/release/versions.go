package release

import (
	"context"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/pipeline"
)

// Version is a processor's running version and what was decided about it,
// as a deploy is verified (statgate version, /version).
type Version struct {
	Processor string `json:"processor"`
	Version   string `json:"version"`
	// State is promoted, held, rolled_back, or current (Plan's state).
	State string `json:"state"`
}

// Versions lists every processor of g, in graph order, with the state Plan
// would show, reading only the releases and the published partitions'
// processor versions.
func Versions(ctx context.Context, s pipeline.Store, e *engine.Engine, g *dag.Graph) ([]Version, error) {
	held, err := e.Held(ctx)
	if err != nil {
		return nil, err
	}
	rels, err := s.Releases(ctx)
	if err != nil {
		return nil, err
	}
	out := []Version{}
	for _, name := range g.Order() {
		proc := g.Processor(name)
		vs, err := s.Partitions(ctx, pipeline.PartitionFilter{Table: proc.Output().Name})
		if err != nil {
			return nil, err
		}
		changed := false
		for _, v := range vs {
			changed = changed || v.ProcessorVersion != proc.Version()
		}
		out = append(out, Version{Processor: name, Version: proc.Version(), State: stateOf(name, proc.Version(), rels, held[name], changed)})
	}
	return out, nil
}
