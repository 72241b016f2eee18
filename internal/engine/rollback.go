package engine

import (
	"context"
	"fmt"

	"github.com/statgate/statgate/internal/pipeline"
)

// Rollback publishes the content of an earlier version of an analytics
// partition again, as a new version whose lineage names the version it
// restores (restored_from) and the inputs that content was computed from.
// toVersion 0 means the version before the current one.
//
// The restored version carries the fingerprint of the inputs as they are
// now, so the engine keeps it until an input or the processor changes
// instead of recomputing it straight back; its dependents see a new input
// version and recompute. It returns the new version.
func (e *Engine) Rollback(ctx context.Context, table string, d pipeline.Date, toVersion int) (pipeline.PartitionVersion, error) {
	proc := e.cfg.Graph.Processor(table)
	if proc == nil {
		return pipeline.PartitionVersion{}, fmt.Errorf("%w: %s is not an analytics table", pipeline.ErrInvalid, table)
	}
	t := proc.Output()
	hist, err := e.cfg.Store.History(ctx, table, d)
	if err != nil {
		return pipeline.PartitionVersion{}, err
	}
	if len(hist) == 0 {
		return pipeline.PartitionVersion{}, fmt.Errorf("rollback %s %s: %w: never published", table, d, pipeline.ErrNotFound)
	}
	cur := hist[len(hist)-1]
	if cur.Version == 1 {
		return pipeline.PartitionVersion{}, fmt.Errorf("%w: rollback %s %s: only version 1 was ever published; there is no earlier version to restore",
			pipeline.ErrInvalid, table, d)
	}
	if toVersion == 0 {
		toVersion = cur.Version - 1
	}
	if toVersion < 1 || toVersion >= cur.Version {
		return pipeline.PartitionVersion{}, fmt.Errorf("%w: rollback %s %s to version %d: want one of versions 1 to %d (the current is %d)",
			pipeline.ErrInvalid, table, d, toVersion, cur.Version-1, cur.Version)
	}
	old := hist[toVersion-1]
	rows, err := e.cfg.Store.VersionRows(ctx, t, d, toVersion)
	if err != nil {
		return pipeline.PartitionVersion{}, fmt.Errorf("rollback %s %s to version %d: %w", table, d, toVersion, err)
	}
	dec, _, err := e.Explain(ctx, pipeline.TaskKey{Processor: table, Date: d})
	if err != nil {
		return pipeline.PartitionVersion{}, err
	}
	res, err := e.cfg.Store.Publish(ctx, []pipeline.Publication{{
		Table: t, Date: d, Rows: rows, Source: pipeline.SourceRollback, Partial: old.Partial,
		ProcessorVersion: old.ProcessorVersion, BuildRevision: old.BuildRevision, RestoredFrom: toVersion,
		Inputs: old.Inputs, Fingerprint: dec.Fingerprint,
	}})
	if err != nil {
		return pipeline.PartitionVersion{}, err
	}
	e.cfg.Logger.Info("rollback", "table", table, "game_date", d.String(), "restored_from", toVersion, "version", res[0].Version)
	return res[0].PartitionVersion, nil
}
