package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// RollbackReport is what rolling a processor version back did.
type RollbackReport struct {
	Processor string `json:"processor"`
	Table     string `json:"table"`
	// Version is the processor version rolled back.
	Version string `json:"processor_version"`
	// Restored are the new versions, one per date the version had
	// published, each restoring (restored_from) the newest earlier version
	// another processor version computed.
	Restored []pipeline.PartitionVersion `json:"restored"`
	// Kept are the dates whose partition stays as the version published
	// it, with the reason (nothing earlier to restore).
	Kept []KeptPartition `json:"kept"`
	// Release is the decision recorded: the version is rolled back.
	Release pipeline.Release `json:"release"`
}

// KeptPartition is a date a version rollback could not restore.
type KeptPartition struct {
	Date    pipeline.Date `json:"game_date"`
	Version int           `json:"version"`
	Reason  string        `json:"reason"`
}

// RollbackVersion rolls processor version back everywhere: every partition
// of the processor's output whose current version that version computed
// gets the content of its newest earlier version computed by another
// (Rollback, so each is a new version whose lineage says what it
// restores). Dates with nothing earlier are kept and reported. The
// version is then recorded as rolled back, which holds it (Held) until a
// new release of it is promoted; the partitions' dependents recompute
// the next time the engine runs, since they read new versions.
func (e *Engine) RollbackVersion(ctx context.Context, processor, version, reason string) (RollbackReport, error) {
	return e.rollbackVersion(ctx, processor, version, time.Time{}, reason)
}

// rollbackVersion is RollbackVersion for the partitions published at or
// after since (all when zero).
func (e *Engine) rollbackVersion(ctx context.Context, processor, version string, since time.Time, reason string) (RollbackReport, error) {
	proc := e.cfg.Graph.Processor(processor)
	if proc == nil {
		return RollbackReport{}, fmt.Errorf("%w: rollback %s: not a processor (processors: %v)", pipeline.ErrInvalid, processor, e.cfg.Graph.Order())
	}
	if version == "" {
		return RollbackReport{}, fmt.Errorf("%w: rollback %s: no processor version given", pipeline.ErrInvalid, processor)
	}
	table := proc.Output().Name
	rep := RollbackReport{Processor: processor, Table: table, Version: version, Restored: []pipeline.PartitionVersion{}, Kept: []KeptPartition{}}
	vs, err := e.cfg.Store.Partitions(ctx, pipeline.PartitionFilter{Table: table})
	if err != nil {
		return rep, fmt.Errorf("rollback %s %s: %w", processor, version, err)
	}
	var dates []pipeline.Date
	for _, v := range vs {
		if v.ProcessorVersion == version && !v.CreatedAt.Before(since) {
			dates = append(dates, v.Date)
		}
	}
	if len(dates) == 0 && version != proc.Version() {
		known, err := e.decided(ctx, processor, version)
		if err != nil {
			return rep, err
		}
		if !known {
			return rep, fmt.Errorf("rollback %s: %w: version %q never published a partition and is not the running version (%s)",
				processor, pipeline.ErrNotFound, version, proc.Version())
		}
	}
	slices.Sort(dates)
	for _, d := range dates {
		to, why, err := e.restoreTarget(ctx, table, d, version)
		if err != nil {
			return rep, err
		}
		if to == 0 {
			rep.Kept = append(rep.Kept, KeptPartition{Date: d, Version: why.Version, Reason: why.Reason})
			continue
		}
		v, err := e.Rollback(ctx, table, d, to)
		if errors.Is(err, pipeline.ErrNotFound) {
			// The earlier version's rows are gone (versions kept are
			// limited): nothing to restore from.
			rep.Kept = append(rep.Kept, KeptPartition{Date: d, Version: why.Version, Reason: err.Error()})
			continue
		}
		if err != nil {
			return rep, err
		}
		rep.Restored = append(rep.Restored, v)
	}
	rep.Release = pipeline.Release{Processor: processor, Version: version, State: pipeline.ReleaseRolledBack,
		Reason: reason, DecidedAt: e.cfg.Now()}
	if err := e.cfg.Store.SaveRelease(ctx, rep.Release); err != nil {
		return rep, fmt.Errorf("rollback %s %s: record the release: %w", processor, version, err)
	}
	e.cfg.Logger.Info("rollback version", "processor", processor, "processor_version", version,
		"restored", len(rep.Restored), "kept", len(rep.Kept))
	return rep, nil
}

// restoreTarget is the version of (table, d) to restore: the newest
// earlier one that version did not compute. With none it returns 0 and
// why the partition is kept.
func (e *Engine) restoreTarget(ctx context.Context, table string, d pipeline.Date, version string) (int, KeptPartition, error) {
	hist, err := e.cfg.Store.History(ctx, table, d)
	if err != nil {
		return 0, KeptPartition{}, fmt.Errorf("rollback %s %s: %w", table, d, err)
	}
	if len(hist) == 0 {
		return 0, KeptPartition{Reason: "never published"}, nil
	}
	cur := hist[len(hist)-1]
	for i := len(hist) - 2; i >= 0; i-- {
		if hist[i].ProcessorVersion != version {
			return hist[i].Version, KeptPartition{Version: cur.Version}, nil
		}
	}
	// Version 1 being this version's means it published the date first,
	// or found its content already published and recorded itself on it (a
	// restamp): either way nothing else computed anything to restore.
	why := fmt.Sprintf("no earlier version computed by another processor version (versions 1 to %d are %s's)", cur.Version, version)
	return 0, KeptPartition{Version: cur.Version, Reason: why}, nil
}

// decided reports whether a release of processor's version is recorded:
// rolling back a version that was decided about but has nothing published
// now still records the decision, while an unknown one (a typo) is an
// error.
func (e *Engine) decided(ctx context.Context, processor, version string) (bool, error) {
	rels, err := e.cfg.Store.Releases(ctx)
	if err != nil {
		return false, fmt.Errorf("rollback %s %s: read releases: %w", processor, version, err)
	}
	for _, r := range rels {
		if r.Processor == processor && r.Version == version {
			return true, nil
		}
	}
	return false, nil
}
