package main

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/pipeline"
)

type backfillSummary struct {
	From     pipeline.Date  `json:"from"`
	To       pipeline.Date  `json:"to"`
	Mode     string         `json:"mode"`
	DryRun   bool           `json:"dry_run"`
	Tasks    map[string]int `json:"tasks_by_state"`
	Runs     map[string]int `json:"runs_by_outcome,omitempty"`
	Start    int            `json:"would_start,omitempty"`
	Problems []dag.Decision `json:"problems,omitempty"`
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
(missing or out of date; the default) and all (recompute everything). Progress
is kept in the database: a backfill that is stopped or killed resumes where it
was when run again.`,
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
			var done atomic.Int64
			bar, finish := c.progress(cmd.ErrOrStderr(), "backfill")
			s, e, g, err := c.openEngine(cmd.Context(), ef, func(ev engine.Event) {
				if ev.State != pipeline.Running {
					done.Add(1)
					bar(done.Load())
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
			sum := backfillSummary{From: d1, To: d2, Mode: mode, DryRun: dryRun, Tasks: map[string]int{}}
			var final []dag.Decision
			if dryRun {
				plan, err := e.Plan(cmd.Context(), sc)
				if err != nil {
					return err
				}
				final, sum.Start = plan.Decisions, len(plan.Start)
			} else {
				rep, err := e.Run(cmd.Context(), sc)
				finish()
				if err != nil {
					return err
				}
				final, sum.Runs = rep.Final, rep.Runs
			}
			for _, d := range final {
				sum.Tasks[d.State]++
				if d.State != pipeline.Published && d.State != pipeline.UpToDate && !(dryRun && d.Start) {
					sum.Problems = append(sum.Problems, d)
				}
			}
			if c.jsonOut {
				return c.printJSON(sum)
			}
			c.printBackfill(sum)
			if cmd.Context().Err() != nil {
				return fmt.Errorf("interrupted; run the same backfill again to resume")
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

func (c *cli) printBackfill(s backfillSummary) {
	verb := "ran"
	if s.DryRun {
		verb = fmt.Sprintf("would start %d tasks;", s.Start)
	}
	c.printf("backfill %s..%s (mode %s) %s tasks by state: %v", s.From, s.To, s.Mode, verb, s.Tasks)
	if len(s.Runs) > 0 {
		c.printf("; runs: %v", s.Runs)
	}
	c.printf("\n")
	for i, d := range s.Problems {
		if i == 20 {
			c.printf("… and %d more\n", len(s.Problems)-20)
			break
		}
		c.printDecision(d)
	}
}

// progress returns a function setting a progress count and one finishing
// the bar. Off a terminal it prints nothing.
func (c *cli) progress(w io.Writer, name string) (set func(int64), finish func()) {
	f, ok := w.(*os.File)
	if !ok || !isatty.IsTerminal(f.Fd()) || c.jsonOut {
		return func(int64) {}, func() {}
	}
	p := mpb.New(mpb.WithOutput(w), mpb.WithWidth(40))
	bar := p.AddBar(0, mpb.PrependDecorators(decor.Name(name+" "), decor.CurrentNoUnit("%d tasks")),
		mpb.AppendDecorators(decor.AverageSpeed(0, "%.0f/s")))
	return func(n int64) { bar.SetCurrent(n) }, func() {
		bar.SetTotal(-1, true)
		p.Wait()
	}
}
