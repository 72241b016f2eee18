package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/pipeline"
)

// stateCodes are the one-letter cells of the status matrix.
var stateCodes = map[string]string{
	pipeline.Published: "P", pipeline.UpToDate: "P", engine.Partial: "p", pipeline.Stale: "s",
	pipeline.Waiting: "w", pipeline.Ready: "r", pipeline.Running: "R", pipeline.Rejected: "X",
	pipeline.Failed: "F", pipeline.Blocked: "b", pipeline.Pending: ".",
}

// statusCell is one task's verdict in the matrix.
type statusCell = engine.Verdict

func newStatusCmd(c *cli) *cobra.Command {
	var (
		from, to string
		ef       engineFlags
	)
	cmd := &cobra.Command{
		Use:   "status [--from D1 --to D2]",
		Short: "Print the partition matrix: processors × dates",
		Long: `status decides every task of the schedule's dates (or --from..--to) as the
service does — the same verdicts explain, the API and the dashboard show —
and prints them as a matrix, with the reason for each cell that is not
published.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, e, g, err := c.openEngine(cmd.Context(), ef, nil)
			if err != nil {
				return err
			}
			defer s.Close()
			cal, err := e.Calendar(cmd.Context())
			if err != nil {
				return err
			}
			if len(cal) == 0 {
				c.printf("nothing loaded yet\n")
				return nil
			}
			first, last := cal[0].Date, cal[len(cal)-1].Date
			if from != "" || to != "" {
				if first, err = parseDateFlag("from", from); err != nil {
					return err
				}
				if last, err = parseDateFlag("to", to); err != nil {
					return err
				}
			}
			ds, recs, err := e.Verdicts(cmd.Context(), first, last)
			if err != nil {
				return err
			}
			dates := map[pipeline.Date]bool{}
			for _, v := range cal {
				if v.Date >= first && v.Date <= last {
					dates[v.Date] = true
				}
			}
			cells := map[pipeline.TaskKey]*statusCell{}
			for _, d := range ds {
				if dates[d.Task.Date] {
					v := engine.View(d, recs[d.Task])
					cells[d.Task] = &v
				}
			}
			if len(dates) == 0 {
				c.printf("no schedule dates from %s to %s\n", first, last)
				return nil
			}
			return c.printStatus(g.Order(), sortedDates(dates), cells)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "first date")
	cmd.Flags().StringVar(&to, "to", "", "last date")
	ef.register(cmd.Flags())
	return cmd
}

func sortedDates(dates map[pipeline.Date]bool) []pipeline.Date {
	out := make([]pipeline.Date, 0, len(dates))
	for d := range dates {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (c *cli) printStatus(procs []string, dates []pipeline.Date, cells map[pipeline.TaskKey]*statusCell) error {
	if c.jsonOut {
		var out []statusCell
		for _, d := range dates {
			for _, p := range procs {
				if cell := cells[pipeline.TaskKey{Processor: p, Date: d}]; cell != nil {
					out = append(out, *cell)
				}
			}
		}
		return c.printJSON(out)
	}
	c.printf("%-10s", "date")
	for i := range procs {
		c.printf(" %d", i+1)
	}
	c.printf("\n")
	counts := map[string]int{}
	for _, d := range dates {
		c.printf("%s", d)
		var notes []string
		for _, p := range procs {
			code := "-"
			if cell := cells[pipeline.TaskKey{Processor: p, Date: d}]; cell != nil {
				code = stateCodes[cell.State]
				counts[cell.State]++
				if cell.Reason != "" && cell.State != pipeline.Published {
					notes = append(notes, fmt.Sprintf("%s: %s", p, cell.Reason))
				}
			}
			c.printf(" %s", code)
		}
		if len(notes) > 0 {
			c.printf("  %s", strings.Join(notes, "; "))
		}
		c.printf("\n")
	}
	for i, p := range procs {
		c.printf("%d = %s\n", i+1, p)
	}
	c.printf("P published, p partial, s stale, w waiting, r ready, R running, X rejected, F failed, b blocked, - nothing\n")
	c.printf("totals: %v\n", counts)
	return nil
}
