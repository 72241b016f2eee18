package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/pipeline"
)

type rollbackResult struct {
	Version    pipeline.PartitionVersion `json:"version"`
	Dependents map[string]int            `json:"dependents_recomputed"`
}

func newRollbackCmd(c *cli) *cobra.Command {
	var (
		table, date string
		to          int
		ef          engineFlags
	)
	cmd := &cobra.Command{
		Use:   "rollback --table T --date D [--to-version N]",
		Short: "Publish an earlier version's content again; dependents recompute",
		Long: `Rollback publishes the content of an earlier version of an analytics
partition (default: the one before the current) as a new version whose lineage
names the version it restores. The restored partition is kept until an input
or its processor changes; the tasks that read it (the same date and the windows
of the following 30 days) then recompute.

With --json: {"version": the new partition version, "dependents_recomputed":
runs by outcome}.`,
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
			if g.Processor(table) == nil {
				return usageError{fmt.Errorf("--table %q: not an analytics table (processors: %s)", table, strings.Join(g.Order(), ", "))}
			}
			v, err := e.Rollback(cmd.Context(), table, d, to)
			if err != nil {
				return err
			}
			rep, err := e.Run(cmd.Context(), engine.Scope{From: d, To: d.AddDays(30), Explicit: true})
			if err != nil {
				return err
			}
			res := rollbackResult{Version: v, Dependents: rep.Runs}
			if res.Dependents == nil {
				res.Dependents = map[string]int{}
			}
			if c.jsonOut {
				return c.printJSON(res)
			}
			c.printf("%s %s: version %d restores version %d (%s); dependents recomputed: %s\n",
				table, d, v.Version, v.RestoredFrom, plural(v.RowCount, "row"), countList(rep.Runs))
			return failedTasks(rep)
		},
	}
	f := cmd.Flags()
	f.StringVar(&table, "table", "", "analytics table")
	f.StringVar(&date, "date", "", "game date")
	f.IntVar(&to, "to-version", 0, "version to restore (default: the one before the current)")
	ef.register(f)
	_ = cmd.MarkFlagRequired("table")
	_ = cmd.MarkFlagRequired("date")
	return cmd
}
