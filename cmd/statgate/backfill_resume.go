package main

import (
	"context"
	"slices"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/pipeline"
)

// cliBackfillRunning is the state of a backfill the command line runs, in
// the database's backfills: while it runs, and after it was interrupted or
// killed. The service's backfiller takes only queued and running ones, so
// it never picks this up; running the same backfill again resumes it.
const cliBackfillRunning = "command_line"

// resumeBackfill records the backfill, or finds the interrupted run of the
// same one (same range, processors and mode) and, for mode all, returns
// the tasks it already recomputed: the others' progress is in their
// records.
func (c *cli) resumeBackfill(ctx context.Context, s pipeline.Store, sc engine.Scope, procs []string, mode string) (pipeline.Backfill, map[pipeline.TaskKey]bool, error) {
	want := pipeline.Backfill{From: sc.From, To: sc.To, Processors: sortedCopy(procs), Mode: mode, State: cliBackfillRunning}
	all, err := s.Backfills(ctx, false)
	if err != nil {
		return want, nil, err
	}
	i := slices.IndexFunc(all, func(b pipeline.Backfill) bool {
		return b.State == cliBackfillRunning && b.From == want.From && b.To == want.To && b.Mode == want.Mode &&
			slices.Equal(sortedCopy(b.Processors), want.Processors)
	})
	if i < 0 {
		rec, err := s.CreateBackfill(ctx, want, c.now())
		return rec, nil, err
	}
	rec := all[i]
	if !sc.Force {
		return rec, nil, nil
	}
	runs, err := s.Runs(ctx, pipeline.RunFilter{Since: rec.CreatedAt, Limit: 1 << 30})
	if err != nil {
		return rec, nil, err
	}
	inScope := map[string]bool{}
	for _, p := range sc.Processors {
		inScope[p] = true
	}
	done := map[pipeline.TaskKey]bool{}
	for _, r := range runs {
		if settledOutcome(r.State) && r.Task.Date >= sc.From && r.Task.Date <= sc.To && (len(inScope) == 0 || inScope[r.Task.Processor]) {
			done[r.Task] = true
		}
	}
	return rec, done, nil
}

// finishBackfill records how the backfill ended: done, or, interrupted,
// left to resume. Failing to record it is logged: the work is done.
func (c *cli) finishBackfill(s pipeline.Store, rec pipeline.Backfill, rep engine.Report, interrupted bool) {
	if rec.ID == 0 {
		return
	}
	rec.Tasks, rec.Runs = map[string]int{}, rep.Runs
	for _, d := range rep.Final {
		rec.Tasks[d.State]++
	}
	if !interrupted {
		rec.State = pipeline.BackfillDone
	}
	if err := s.SaveBackfill(context.Background(), rec, c.now()); err != nil {
		c.logger().Warn("record backfill", "backfill", rec.ID, "err", err)
	}
}

func sortedCopy(names []string) []string {
	out := slices.Clone(names)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}
