package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
)

// stateCodes are the one-letter cells of the status matrix.
var stateCodes = map[string]string{
	pipeline.Published: "P", pipeline.UpToDate: "P", "partial": "p", pipeline.Stale: "s",
	pipeline.Waiting: "w", pipeline.Ready: "r", pipeline.Running: "R", pipeline.Rejected: "X",
	pipeline.Failed: "F", pipeline.Blocked: "b", pipeline.Pending: ".",
}

type statusCell struct {
	Processor string        `json:"processor"`
	Date      pipeline.Date `json:"game_date"`
	State     string        `json:"state"`
	Version   int           `json:"version,omitempty"`
	Reason    string        `json:"reason,omitempty"`
}

func newStatusCmd(c *cli) *cobra.Command {
	var from, to string
	cmd := &cobra.Command{
		Use:   "status [--from D1 --to D2]",
		Short: "Print the partition matrix: processors × dates",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := c.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			g, err := graph()
			if err != nil {
				return err
			}
			f := pipeline.PartitionFilter{}
			if from != "" || to != "" {
				if f.From, err = parseDateFlag("from", from); err != nil {
					return err
				}
				if f.To, err = parseDateFlag("to", to); err != nil {
					return err
				}
				f.HasRange = true
			}
			vs, err := s.Partitions(cmd.Context(), f)
			if err != nil {
				return err
			}
			cells := map[pipeline.TaskKey]*statusCell{}
			dates := map[pipeline.Date]bool{}
			for _, v := range vs {
				if g.Processor(v.Table) == nil {
					if v.Table == nba.Schedule {
						dates[v.Date] = true
					}
					continue
				}
				st := pipeline.Published
				if v.Partial {
					st = "partial"
				}
				cells[pipeline.TaskKey{Processor: v.Table, Date: v.Date}] = &statusCell{Processor: v.Table, Date: v.Date, State: st, Version: v.Version}
				dates[v.Date] = true
			}
			if len(dates) == 0 {
				c.printf("nothing loaded yet\n")
				return nil
			}
			days := sortedDates(dates)
			recs, err := s.Tasks(cmd.Context(), days[0], days[len(days)-1])
			if err != nil {
				return err
			}
			for _, r := range recs {
				cell := cells[r.Key]
				if cell == nil {
					cell = &statusCell{Processor: r.Key.Processor, Date: r.Key.Date}
					cells[r.Key] = cell
				}
				if r.State != pipeline.Published && r.State != pipeline.UpToDate {
					cell.State, cell.Reason = r.State, r.Reason
				}
			}
			return c.printStatus(g.Order(), days, cells)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "first date")
	cmd.Flags().StringVar(&to, "to", "", "last date")
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
