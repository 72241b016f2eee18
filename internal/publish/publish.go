// Package publish is the only way analytics tables are written: read the
// task's declared inputs, compute, stage the rows, run the table's quality
// checks over them and the exact inputs read, then publish atomically with
// lineage, or discard when a critical check fails.
package publish

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/statgate/statgate/internal/pipeline"
)

// Task outcomes of one execution.
const (
	Published = "published"
	UpToDate  = "up_to_date"
	Rejected  = "rejected"
)

// Executor runs (processor, date) tasks against a store.
type Executor struct {
	Store         pipeline.Store
	Catalog       *pipeline.Catalog
	BuildRevision string
	// Cache, when set, keeps recently read and published partitions.
	Cache *Cache
	// Calendar names the raw table that lists each date's games (the
	// schedule): when its partition for D is published and empty, D has no
	// games, and every other raw input is complete and empty for D.
	Calendar string
}

// Options change one execution.
type Options struct {
	// Force recomputes even when inputs and processor are unchanged.
	Force bool
	// Partial marks the publication as made on incomplete inputs.
	Partial bool
	// FallbackGames are games whose team totals may come from the gamebook.
	FallbackGames map[string]bool
}

// Result is what one execution did.
type Result struct {
	Processor string                    `json:"processor"`
	Date      pipeline.Date             `json:"game_date"`
	State     string                    `json:"state"`
	Rows      int                       `json:"rows"`
	Version   pipeline.PartitionVersion `json:"version"`
	// Outcomes are the failed checks: critical ones made it Rejected,
	// warnings were published alongside.
	Outcomes []pipeline.Outcome `json:"outcomes,omitempty"`
}

// Execute runs one task: up_to_date when the current version was computed by
// this processor version from exactly the input versions now visible;
// otherwise compute, check and publish or reject.
func (x *Executor) Execute(ctx context.Context, p pipeline.Processor, d pipeline.Date, opt Options) (Result, error) {
	res := Result{Processor: p.Name(), Date: d}
	in, err := ReadInputs(ctx, x.Store, x.Catalog, x.Cache, p, d)
	if err != nil {
		return res, err
	}
	if !opt.Force {
		cur, err := x.Store.CurrentVersion(ctx, p.Name(), d)
		switch {
		case errors.Is(err, pipeline.ErrNotFound):
		case err != nil:
			return res, err
		case cur.ProcessorVersion == p.Version() && cur.Partial == opt.Partial && slices.Equal(cur.Inputs, in.Versions()):
			res.State, res.Version, res.Rows = UpToDate, cur, cur.RowCount
			return res, nil
		}
	}
	c := pipeline.Compute{Date: d, Inputs: in, FallbackGames: opt.FallbackGames}
	rows, err := p.Compute(c)
	if err != nil {
		return res, fmt.Errorf("%s %s: compute: %w", p.Name(), d, err)
	}
	res.Rows = len(rows)
	res.Outcomes = pipeline.RunChecks(append(guardChecks(p.Output()), p.Checks()...), c, rows)
	for _, o := range res.Outcomes {
		if o.Severity == pipeline.Critical {
			res.State = Rejected
			return res, nil
		}
	}
	out, err := x.Store.Publish(ctx, []pipeline.Publication{{
		Table: p.Output(), Date: d, Rows: rows, Source: pipeline.SourceCompute, Partial: opt.Partial,
		ProcessorVersion: p.Version(), BuildRevision: x.BuildRevision, Inputs: in.Versions(),
	}})
	if err != nil {
		return res, err
	}
	res.State, res.Version = Published, out[0].PartitionVersion
	x.Cache.put(partKey{p.Name(), d}, res.Version.Version, rows)
	return res, nil
}
