package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/pipeline"
)

// backfillSummary is what backfill prints (--json: this object, every
// field always present).
type backfillSummary struct {
	From   pipeline.Date `json:"from"`
	To     pipeline.Date `json:"to"`
	Mode   string        `json:"mode"`
	DryRun bool          `json:"dry_run"`
	// WouldRun counts the tasks the backfill runs (dry run) or expected to
	// run when it began: those its mode selects, now or once the tasks
	// they wait for have run.
	WouldRun int `json:"would_run"`
	// Resumed counts tasks an interrupted run of the same backfill had
	// already recomputed (mode all), not run again.
	Resumed int `json:"resumed"`
	// Tasks counts every task in the range by state, at the end (or now,
	// for a dry run).
	Tasks map[string]int `json:"tasks_by_state"`
	// Runs counts finished runs by outcome (empty for a dry run).
	Runs        map[string]int `json:"runs_by_outcome"`
	Interrupted bool           `json:"interrupted"`
	// Problems are the tasks that will not be (or were not) published
	// and current: waiting for games, blocked, failed, rejected. Tasks
	// that only wait for others the backfill runs are not problems.
	Problems []dag.Decision `json:"problems"`
}

func newBackfillCmd(c *cli) *cobra.Command {
	var (
		from, to, mode string
		procs          []string
		dryRun         bool
		ef             engineFlags
	)
	cmd := &cobra.Command{
		Use:   "backfill --from D1 --to D2 [--processors …] [--mode missing|failed|stale|all] [--dry-run] [--concurrency N]",
		Short: "Compute a range of dates, in the order windows require; resumable",
		Long: `Backfill runs every task in the range that its mode selects, earlier dates
first so that [D-30, D-1] windows are complete before they are read. Modes:
missing (never published), failed (failed or rejected, tried again), stale
(missing or out of date; the default) and all (recompute everything).

Progress is kept in the database: a backfill that is stopped or killed
resumes where it was when run again with the same range, processors and
mode — mode all too: what the interrupted run recomputed is not recomputed
again. --dry-run counts the tasks the backfill would run, including those
that can start only after others of the backfill have run.

On a terminal a progress bar shows done/total, percentage and time left;
otherwise a progress line is written to stderr every 10 seconds.

With --json: {"from", "to", "mode", "dry_run", "would_run", "resumed",
"tasks_by_state", "runs_by_outcome", "interrupted", "problems"}, problems
being the planner's decisions (task, state, reason, code, missing_games).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d1, err := parseDateFlag("from", from)
			if err != nil {
				return err
			}
			d2, err := parseDateFlag("to", to)
			if err != nil {
				return err
			}
			if d2 < d1 {
				return usageError{fmt.Errorf("--to %s is before --from %s", d2, d1)}
			}
			var bar *progress
			s, e, g, err := c.openEngine(cmd.Context(), ef, func(ev engine.Event) {
				if bar != nil && settledOutcome(ev.State) {
					bar.add(1)
					if c.taskDone != nil {
						c.taskDone()
					}
				}
			})
			if err != nil {
				return err
			}
			defer s.Close()
			if _, err := processorNames(g, procs); err != nil {
				return err
			}
			sc, err := e.BackfillScope(engine.BackfillRequest{From: d1, To: d2, Processors: procs, Mode: mode})
			if err != nil {
				return usageError{err}
			}
			if _, err := e.ScheduledDates(cmd.Context(), d1, d2); err != nil {
				return err
			}
			sum := backfillSummary{From: d1, To: d2, Mode: mode, DryRun: dryRun, Tasks: map[string]int{},
				Runs: map[string]int{}, Problems: []dag.Decision{}}
			var rec pipeline.Backfill
			if !dryRun {
				if rec, sc.Recomputed, err = c.resumeBackfill(cmd.Context(), s, sc, procs, mode); err != nil {
					return err
				}
				sum.Resumed = len(sc.Recomputed)
			}
			plan, err := e.Plan(cmd.Context(), sc)
			if err != nil {
				return err
			}
			recs, err := taskRecords(cmd.Context(), s, sc)
			if err != nil {
				return err
			}
			will := expectedRuns(g, sc, plan.Decisions, recs)
			sum.WouldRun = len(will)
			final := plan.Decisions
			if !dryRun {
				bar = c.progress(cmd.ErrOrStderr(), "backfill", int64(sum.WouldRun))
				rep, err := e.Run(cmd.Context(), sc)
				bar.finish()
				if err != nil {
					return err
				}
				final, sum.Runs = rep.Final, rep.Runs
				sum.Interrupted = cmd.Context().Err() != nil
				c.finishBackfill(s, rec, rep, sum.Interrupted)
			}
			for _, d := range final {
				sum.Tasks[d.State]++
				if isProblem(d, dryRun && will[d.Task]) {
					sum.Problems = append(sum.Problems, d)
				}
			}
			if sum.Interrupted {
				sum.Problems = []dag.Decision{} // unfinished, not wrong: the next run continues
			}
			if c.jsonOut {
				if err := c.printJSON(sum); err != nil {
					return err
				}
			} else {
				c.printBackfill(sum)
			}
			if sum.Interrupted {
				return fmt.Errorf("interrupted")
			}
			return failedTasks(engine.Report{Final: final})
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "first date (YYYY-MM-DD)")
	f.StringVar(&to, "to", "", "last date (YYYY-MM-DD)")
	f.StringSliceVar(&procs, "processors", nil, "processors (default: all), with their upstream")
	f.StringVar(&mode, "mode", "stale", "missing, failed, stale or all")
	f.BoolVar(&dryRun, "dry-run", false, "print what would run and exit")
	ef.register(f)
	_ = cmd.MarkFlagRequired("from")
	_ = cmd.MarkFlagRequired("to")
	return cmd
}

// settledOutcome: a run that ended the task's turn (not a retry or a
// conflict, after which it runs again).
func settledOutcome(state string) bool {
	switch state {
	case pipeline.Published, pipeline.UpToDate, pipeline.Rejected, pipeline.Failed:
		return true
	}
	return false
}

// isProblem: a task that will not end published and current. In a dry
// run, a task the backfill will run is not one, whatever it waits for now.
func isProblem(d dag.Decision, willRun bool) bool {
	if willRun {
		return false
	}
	switch d.State {
	case pipeline.Published, pipeline.UpToDate, pipeline.Stale:
		// Stale and left so by the mode: the backfill was not asked to.
		return false
	}
	return true
}

// taskRecords reads the stored records of the scope's tasks.
func taskRecords(ctx context.Context, s pipeline.Store, sc engine.Scope) (map[pipeline.TaskKey]pipeline.TaskRecord, error) {
	list, err := s.Tasks(ctx, sc.From, sc.To)
	if err != nil {
		return nil, err
	}
	out := make(map[pipeline.TaskKey]pipeline.TaskRecord, len(list))
	for _, r := range list {
		out[r.Key] = r
	}
	return out, nil
}

// expectedRuns lists the tasks a backfill of sc runs, given its first
// plan: those it starts now, and those that wait only for tasks it runs
// (a player summary waits for the team offense being recomputed), if the
// mode selects them. Decisions come in graph order, so every upstream task
// is decided before the tasks that read it.
func expectedRuns(g *dag.Graph, sc engine.Scope, ds []dag.Decision, recs map[pipeline.TaskKey]pipeline.TaskRecord) map[pipeline.TaskKey]bool {
	will := map[pipeline.TaskKey]bool{}
	for _, d := range ds {
		if d.Start {
			will[d.Task] = true
			continue
		}
		switch d.Code {
		case dag.CodeInputPending, dag.CodeInputMissing, dag.CodeUpstreamFailed:
		default:
			continue
		}
		if sc.Only != nil && !sc.Only(d, recs[d.Task], d.Base > 0) || sc.Recomputed[d.Task] {
			continue
		}
		if upstreamRuns(g, d.Task, will) {
			will[d.Task] = true
		}
	}
	return will
}

// upstreamRuns: a task producing a required input of key runs.
func upstreamRuns(g *dag.Graph, key pipeline.TaskKey, will map[pipeline.TaskKey]bool) bool {
	for _, in := range g.Processor(key.Processor).Inputs() {
		producer := g.Producer(in.Table)
		if producer == "" || !in.Required {
			continue
		}
		if slices.ContainsFunc(in.Window.Dates(key.Date), func(d pipeline.Date) bool {
			return will[pipeline.TaskKey{Processor: producer, Date: d}]
		}) {
			return true
		}
	}
	return false
}

func (c *cli) printBackfill(s backfillSummary) {
	head := fmt.Sprintf("backfill %s to %s (mode %s)", s.From, s.To, s.Mode)
	if s.Interrupted {
		c.printf("%s interrupted after %s; run the same command again to resume\n", head, plural(sumCounts(s.Runs), "run"))
		return
	}
	if s.DryRun {
		c.printf("%s would run %s\n", head, plural(s.WouldRun, "task"))
		c.printf("tasks now: %s\n", countList(s.Tasks))
	} else {
		resumed := ""
		if s.Resumed > 0 {
			resumed = fmt.Sprintf(" (resumed: %s already recomputed)", plural(s.Resumed, "task"))
		}
		c.printf("%s ran %s%s: %s\n", head, plural(sumCounts(s.Runs), "task"), resumed, countList(s.Runs))
		c.printf("tasks now: %s\n", countList(s.Tasks))
	}
	if len(s.Problems) == 0 {
		return
	}
	verb := "will not be published"
	if !s.DryRun {
		verb = "were not published"
	}
	c.printf("%s %s:\n", plural(len(s.Problems), "task"), verb)
	for i, d := range s.Problems {
		if i == 20 {
			c.printf("… and %d more (statgate status --problems lists them all)\n", len(s.Problems)-20)
			break
		}
		c.printDecision(d)
	}
}

func sumCounts(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
