package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
)

// graph builds the processor graph; a bad declaration stops the program.
func graph() (*dag.Graph, error) { return dag.Build(nba.Catalog, nba.Processors()) }

func (c *cli) executor(s pipeline.Store) *publish.Executor {
	return &publish.Executor{Store: s, Catalog: nba.Catalog, BuildRevision: readBuildInfo().Revision, Cache: publish.NewCache(200_000), Calendar: nba.Schedule}
}

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

func newRunCmd(c *cli) *cobra.Command {
	var (
		date  string
		procs []string
		force bool
	)
	cmd := &cobra.Command{
		Use:   "run --date D [--processors a,b] [--force]",
		Short: "Compute and publish the analytics tables for one date",
		Long: `Run computes the named processors (default: all) for one date, with every
processor they depend on, in dependency order. A task whose required inputs for
the date are not published waits and says what for; exit status 1 when a task
was rejected by a critical quality check.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := pipeline.ParseDate(date)
			if err != nil {
				return usageError{fmt.Errorf("--date: %w", err)}
			}
			g, err := graph()
			if err != nil {
				return err
			}
			names, err := processorNames(g, procs)
			if err != nil {
				return err
			}
			s, err := c.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			results, err := c.executor(s).RunDate(cmd.Context(), g, names, d, publish.Options{Force: force})
			if err != nil {
				return err
			}
			if c.jsonOut {
				if err := c.printJSON(results); err != nil {
					return err
				}
			} else {
				for _, r := range results {
					c.printTask(r)
				}
			}
			for _, r := range results {
				if r.State == publish.Rejected {
					return fmt.Errorf("%s %s was rejected by a critical quality check", r.Processor, r.Date)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&date, "date", "", "game date (YYYY-MM-DD)")
	cmd.Flags().StringSliceVar(&procs, "processors", nil, "processors to run (default: all)")
	cmd.Flags().BoolVar(&force, "force", false, "recompute even when inputs are unchanged")
	_ = cmd.MarkFlagRequired("date")
	return cmd
}

// printTask prints one line per task, and one per failed check under it.
func (c *cli) printTask(r publish.DateResult) {
	line := fmt.Sprintf("%s %s %s", r.Processor, r.Date, r.State)
	switch {
	case r.Reason != "":
		line += ": " + r.Reason
	case r.State == publish.Published || r.State == publish.UpToDate:
		line += fmt.Sprintf(" (version %d, %d rows)", r.Version.Version, r.Version.RowCount)
	}
	c.printf("%s\n", line)
	for _, o := range r.Outcomes {
		c.printf("  %s %s %s: observed %s, expected %s\n", o.Severity, o.Check, o.Subject, o.Observed, o.Expected)
	}
}
