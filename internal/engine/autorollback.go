package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/statgate/statgate/internal/alert"
	"github.com/statgate/statgate/internal/pipeline"
)

// A promoted processor version that keeps failing is rolled back by the
// engine itself: once its circuit opens, what the version published since
// its promotion is restored to what the version before it published
// (RollbackVersion), and the version is recorded rolled back, which holds
// it. Rejections count towards the circuit only for a promoted version:
// new code whose output fails its checks date after date is the change to
// undo, while rejections under code that was not just promoted are the
// data's doing and stay per task.

// promotion is the promoted release of proc's running version, if any.
func (e *Engine) promotion(ctx context.Context, proc string) (pipeline.Release, bool, error) {
	version := e.cfg.Graph.Processor(proc).Version()
	rels, err := e.cfg.Store.Releases(ctx)
	if err != nil {
		return pipeline.Release{}, false, fmt.Errorf("engine: read releases: %w", err)
	}
	for _, r := range rels {
		if r.Processor == proc && r.Version == version && r.State == pipeline.ReleasePromoted {
			return r, true, nil
		}
	}
	return pipeline.Release{}, false, nil
}

// rejectedAfterPromotion counts a rejected task of a promoted version as a
// failure in a row for its processor's circuit.
func (r *run) rejectedAfterPromotion(proc, outcome string, now time.Time) {
	if outcome != pipeline.Rejected {
		return
	}
	_, promoted, err := r.e.promotion(context.Background(), proc)
	if err != nil {
		r.e.cfg.Logger.Warn("rejection after a promotion", "processor", proc, "err", err)
		return
	}
	if promoted {
		r.circuitFailure(proc, now)
	}
}

// rollbackPromotion is called when proc's circuit opens: if its running
// version was promoted, the partitions the version published since are
// rolled back, the snapshot is read again (the restored partitions, the
// version now held) and an alert says so.
func (r *run) rollbackPromotion(proc string) {
	ctx := context.Background()
	rel, promoted, err := r.e.promotion(ctx, proc)
	if err == nil && !promoted {
		return
	}
	version := r.e.cfg.Graph.Processor(proc).Version()
	var rep RollbackReport
	if err == nil {
		reason := fmt.Sprintf("circuit opened after %d failed or rejected tasks in a row since its promotion at %s",
			r.circuits[proc].failures, rel.DecidedAt.UTC().Format(time.RFC3339))
		rep, err = r.e.rollbackVersion(ctx, proc, version, rel.DecidedAt, reason)
	}
	r.dirty = true
	for _, v := range rep.Restored {
		r.e.tellPeers(pipeline.PartKey{Table: v.Table, Date: v.Date})
	}
	if err != nil {
		r.alert(alert.RolledBack, fmt.Sprintf("rollback:%s:%s", proc, version),
			fmt.Sprintf("circuit open for %s: rolling back version %s failed after %d partitions restored: %v", proc, version, len(rep.Restored), err))
		r.e.cfg.Logger.Error("automatic rollback", "processor", proc, "processor_version", version, "restored", len(rep.Restored), "err", err)
		return
	}
	r.alert(alert.RolledBack, fmt.Sprintf("rollback:%s:%s", proc, version),
		fmt.Sprintf("%s version %s rolled back: its circuit opened after its promotion at %s; %d partitions published since restored to the version before, %d kept (nothing earlier); the version is held",
			proc, version, rel.DecidedAt.UTC().Format(time.RFC3339), len(rep.Restored), len(rep.Kept)))
	r.e.cfg.Logger.Warn("automatic rollback", "processor", proc, "processor_version", version,
		"restored", len(rep.Restored), "kept", len(rep.Kept))
}
