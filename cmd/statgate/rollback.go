package main

import (
	"errors"
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

// versionRollbackResult is rollback --processor --version's JSON.
type versionRollbackResult struct {
	engine.RollbackReport
	Dependents map[string]int `json:"dependents_recomputed"`
}

func newRollbackCmd(c *cli) *cobra.Command {
	var (
		table, date             string
		to                      int
		processor, version, why string
		ef                      engineFlags
	)
	cmd := &cobra.Command{
		Use:   "rollback (--table T --date D [--to-version N] | --processor P --version V [--reason TEXT])",
		Short: "Publish earlier content again, for one partition or everything a processor version published; dependents recompute",
		Long: `Rollback publishes the content of an earlier version of an analytics
partition (default: the one before the current) as a new version whose lineage
names the version it restores. The restored partition is kept until an input
or its processor changes; the tasks that read it (the same date and the windows
of the following 30 days) then recompute.

With --processor P --version V it rolls processor version V back everywhere:
every partition of P's table whose current version V computed gets the content
of its newest earlier version another processor version computed (a new
version each, restoring it); a date with nothing earlier is kept and listed.
V is recorded rolled_back (with --reason), which holds it: while it is the
running version it replaces nothing an older version published. The tasks that
read the restored partitions then recompute.

With --json, for --table: {"version": the new partition version,
"dependents_recomputed": runs by outcome}. For --processor: {"processor",
"table", "processor_version", "restored": [partition version, …], "kept":
[{"game_date", "version", "reason"}, …], "release": {"processor", "version",
"state", "reason", "decided_at"}, "dependents_recomputed": runs by outcome}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			byVersion := processor != "" || version != "" || why != ""
			switch {
			case byVersion && (table != "" || date != "" || to != 0):
				return usageError{errors.New("--processor/--version and --table/--date/--to-version do not go together: roll back a version or a partition")}
			case byVersion && (processor == "" || version == ""):
				return usageError{errors.New("--processor and --version go together")}
			case !byVersion && (table == "" || date == ""):
				return usageError{errors.New("want --table and --date, or --processor and --version")}
			}
			if byVersion {
				return c.rollbackVersion(cmd, processor, version, why, ef)
			}
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
	f.StringVar(&processor, "processor", "", "processor whose version to roll back everywhere")
	f.StringVar(&version, "version", "", "processor version to roll back (with --processor)")
	f.StringVar(&why, "reason", "", "why, recorded with the release (with --processor)")
	ef.register(f)
	return cmd
}

// rollbackVersion rolls a processor version back everywhere, then runs the
// engine over the dates after the restored ones so their dependents
// recompute.
func (c *cli) rollbackVersion(cmd *cobra.Command, processor, version, why string, ef engineFlags) error {
	s, e, g, err := c.openEngine(cmd.Context(), ef, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	if g.Processor(processor) == nil {
		return usageError{fmt.Errorf("--processor %q: not a processor (processors: %s)", processor, strings.Join(g.Order(), ", "))}
	}
	rb, err := e.RollbackVersion(cmd.Context(), processor, version, why)
	if err != nil {
		return err
	}
	res := versionRollbackResult{RollbackReport: rb, Dependents: map[string]int{}}
	var rep engine.Report
	if len(rb.Restored) > 0 {
		from, to := rb.Restored[0].Date, rb.Restored[len(rb.Restored)-1].Date
		rep, err = e.Run(cmd.Context(), engine.Scope{From: from, To: to.AddDays(30), Explicit: true})
		if err != nil {
			return err
		}
		if rep.Runs != nil {
			res.Dependents = rep.Runs
		}
	}
	if c.jsonOut {
		return c.printJSON(res)
	}
	c.printf("%s version %s rolled back: %s restored", processor, version, plural(len(rb.Restored), "partition"))
	if n := len(rb.Restored); n > 0 {
		c.printf(" (%s to %s)", rb.Restored[0].Date, rb.Restored[n-1].Date)
	}
	c.printf("; dependents recomputed: %s\n", countList(res.Dependents))
	for _, k := range rb.Kept {
		c.printf("  kept %s version %d: %s\n", k.Date, k.Version, k.Reason)
	}
	return failedTasks(rep)
}
