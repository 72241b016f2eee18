package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
)

// graph builds the processor graph; a bad declaration stops the program.
func graph() (*dag.Graph, error) { return dag.Build(nba.Catalog, nba.Processors()) }

// processorNames validates a --processors list against the graph.
func processorNames(g *dag.Graph, list []string) ([]string, error) {
	if len(list) == 0 {
		return g.Order(), nil
	}
	for _, n := range list {
		if g.Processor(n) == nil {
			return nil, usageError{fmt.Errorf("unknown processor %q (processors: %s)", n, strings.Join(g.Order(), ", "))}
		}
	}
	return list, nil
}

func parseDateFlag(name, value string) (pipeline.Date, error) {
	d, err := pipeline.ParseDate(value)
	if err != nil {
		return 0, usageError{fmt.Errorf("--%s: %w", name, err)}
	}
	return d, nil
}

func newRunCmd(c *cli) *cobra.Command {
	var (
		date  string
		procs []string
		force bool
		wait  time.Duration
		ef    engineFlags
	)
	cmd := &cobra.Command{
		Use:   "run --date D [--processors a,b] [--force] [--wait DURATION]",
		Short: "Run the pipeline for one date",
		Long: `Run computes the named processors (default: all) for one date, with every
processor they depend on, in dependency order behind the completeness gate, and
returns when every task is finished or waiting. A waiting task says what it
waits for; --wait keeps waiting for inputs up to that long. Exit status 1 when
a task failed or was rejected by a critical quality check.

With --json: an array of the planner's decisions, one per task, each
{"task": {"processor", "game_date"}, "state", "reason", "code",
"base_version", "inputs", "input_fingerprint", "missing_games", "partial",
"fallback_games", "wait_until"} (empty fields left out).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := parseDateFlag("date", date)
			if err != nil {
				return err
			}
			s, e, g, err := c.openEngine(cmd.Context(), ef, nil)
			if err != nil {
				return err
			}
			defer s.Close()
			names, err := processorNames(g, procs)
			if err != nil {
				return err
			}
			rep, err := e.Run(cmd.Context(), engine.Scope{From: d, To: d, Processors: g.Upstream(names...), Force: force, WaitFor: wait, Explicit: true})
			if err != nil {
				return err
			}
			if c.jsonOut {
				final := rep.Final
				if final == nil {
					final = []dag.Decision{}
				}
				if err := c.printJSON(final); err != nil {
					return err
				}
			} else {
				for _, dec := range rep.Final {
					c.printDecision(dec)
				}
			}
			return failedTasks(rep)
		},
	}
	cmd.Flags().StringVar(&date, "date", "", "game date (YYYY-MM-DD)")
	cmd.Flags().StringSliceVar(&procs, "processors", nil, "processors to run (default: all)")
	cmd.Flags().BoolVar(&force, "force", false, "recompute even when inputs are unchanged")
	cmd.Flags().DurationVar(&wait, "wait", 0, "keep waiting for inputs up to this long")
	ef.register(cmd.Flags())
	_ = cmd.MarkFlagRequired("date")
	return cmd
}

// failedTasks turns failed or rejected tasks into the command's error.
func failedTasks(rep engine.Report) error {
	var bad []string
	for _, d := range rep.Final {
		if d.State == pipeline.Failed || d.State == pipeline.Rejected {
			bad = append(bad, fmt.Sprintf("%s %s %s", d.Task.Processor, d.Task.Date, d.State))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("%s failed or rejected: %s", plural(len(bad), "task"), strings.Join(bad, ", "))
}

// printDecision prints one line per task.
func (c *cli) printDecision(d dag.Decision) {
	line := fmt.Sprintf("%s %s %s", d.Task.Processor, d.Task.Date, d.State)
	if d.Reason != "" {
		line += ": " + d.Reason
	}
	if d.Partial && (d.State == pipeline.Published || d.State == pipeline.UpToDate) {
		line += fmt.Sprintf(" (partial: %s missing: %s)", plural(len(d.Missing), "game"), strings.Join(d.Missing, ", "))
	}
	c.printf("%s\n", line)
}
