package main

import (
	"fmt"
	"sort"
	"strings"
	"time"

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

// Problems a partition can have, as status --problems names them.
const (
	problemMissing = "missing" // never published
	problemLate    = "late"    // past its publish deadline, never published
)

// statusCell is one task's verdict in the matrix (status --json prints an
// array of them) with the problems it has, if any.
type statusCell struct {
	engine.Verdict
	// Problems: missing (never published), partial, stale, blocked,
	// rejected, failed, late.
	Problems []string `json:"problems,omitempty"`
}

// problemsOf names what is wrong with a verdict: nothing for a published,
// current partition. A partition never published is missing whatever the
// reason, even while it waits or runs: the gaps report hides nothing.
func problemsOf(v engine.Verdict) []string {
	var out []string
	if v.Version == 0 {
		out = append(out, problemMissing)
	}
	switch v.State {
	case engine.Partial, pipeline.Stale, pipeline.Blocked, pipeline.Rejected, pipeline.Failed:
		out = append(out, v.State)
	}
	if v.Late {
		out = append(out, problemLate)
	}
	return out
}

func newStatusCmd(c *cli) *cobra.Command {
	var (
		from, to string
		problems bool
		ef       engineFlags
	)
	cmd := &cobra.Command{
		Use:   "status [--from D1 --to D2] [--problems]",
		Short: "Print the partition matrix (processors × dates), or every date with a problem",
		Long: `status decides every task of the schedule's dates (or --from..--to) as the
service does — the same verdicts explain, the API and the dashboard show —
and prints them as a matrix, with the reason for each cell that is not
published. A partition past its table's publish deadline and never
published is late (L).

--problems is the gaps report: every date of the whole history (or of
--from..--to) with a partition that is missing (never published), partial,
stale, blocked, rejected, failed or late, and nothing else.

With --json: an array of cells, one per task (with --problems, only those
with a problem), each {"processor", "game_date", "state", "code", "reason",
"version", "attempts", "missing_games", "late", "deadline", "problems"};
empty fields are left out, and an empty database gives [].`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var fromDate, toDate pipeline.Date
			var err error
			if from != "" {
				if fromDate, err = parseDateFlag("from", from); err != nil {
					return err
				}
			}
			if to != "" {
				if toDate, err = parseDateFlag("to", to); err != nil {
					return err
				}
			}
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
				if c.jsonOut {
					return c.printJSON([]statusCell{})
				}
				c.printf("nothing loaded yet: load a schedule first (statgate load --table nbac_schedule FILE)\n")
				return nil
			}
			first, last := cal[0].Date, cal[len(cal)-1].Date
			if from != "" {
				first = fromDate
			}
			if to != "" {
				last = toDate
			}
			if last < first {
				return usageError{fmt.Errorf("--to %s is before --from %s", last, first)}
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
					v := e.View(d, recs[d.Task])
					cells[d.Task] = &statusCell{Verdict: v, Problems: problemsOf(v)}
				}
			}
			if problems {
				return c.printProblems(g.Order(), sortedDates(dates), cells, first, last)
			}
			if len(dates) == 0 {
				if c.jsonOut {
					return c.printJSON([]statusCell{})
				}
				c.printf("the schedule lists no dates from %s to %s\n", first, last)
				return nil
			}
			return c.printStatus(g.Order(), sortedDates(dates), cells)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "first date (default: the schedule's first)")
	cmd.Flags().StringVar(&to, "to", "", "last date (default: the schedule's last)")
	cmd.Flags().BoolVar(&problems, "problems", false, "list every date with a missing, partial, stale, blocked, rejected, failed or late partition")
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

// ordered lists the cells of dates × procs that keep says to, date first.
func ordered(procs []string, dates []pipeline.Date, cells map[pipeline.TaskKey]*statusCell, keep func(statusCell) bool) []statusCell {
	out := []statusCell{}
	for _, d := range dates {
		for _, p := range procs {
			if cell := cells[pipeline.TaskKey{Processor: p, Date: d}]; cell != nil && keep(*cell) {
				out = append(out, *cell)
			}
		}
	}
	return out
}

func (c *cli) printStatus(procs []string, dates []pipeline.Date, cells map[pipeline.TaskKey]*statusCell) error {
	if c.jsonOut {
		return c.printJSON(ordered(procs, dates, cells, func(statusCell) bool { return true }))
	}
	c.printf("%-10s", "date")
	for i := range procs {
		c.printf(" %d", i+1)
	}
	c.printf("\n")
	counts := map[string]int{}
	late := 0
	for _, d := range dates {
		c.printf("%s", d)
		var notes []string
		for _, p := range procs {
			code := "-"
			if cell := cells[pipeline.TaskKey{Processor: p, Date: d}]; cell != nil {
				code = stateCodes[cell.State]
				counts[cell.State]++
				note := ""
				if cell.Reason != "" && cell.State != pipeline.Published {
					note = cell.Reason
				}
				if cell.Late {
					code, late = "L", late+1
					note = strings.TrimSuffix("late, due "+formatDue(cell.Deadline)+"; "+note, "; ")
				}
				if note != "" {
					notes = append(notes, fmt.Sprintf("%s: %s", p, note))
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
	c.printf("P published, p partial, s stale, w waiting, r ready, R running, X rejected, F failed, b blocked, L late, - nothing\n")
	totals := countList(counts)
	if late > 0 {
		totals += fmt.Sprintf(" (%d late)", late)
	}
	c.printf("totals: %s\n", totals)
	return nil
}

// printProblems is the gaps report: every date with a problem cell.
func (c *cli) printProblems(procs []string, dates []pipeline.Date, cells map[pipeline.TaskKey]*statusCell, first, last pipeline.Date) error {
	bad := ordered(procs, dates, cells, func(s statusCell) bool { return len(s.Problems) > 0 })
	if c.jsonOut {
		return c.printJSON(bad)
	}
	byDate := map[pipeline.Date][]statusCell{}
	var badDates []pipeline.Date
	for _, cell := range bad {
		if len(byDate[cell.Date]) == 0 {
			badDates = append(badDates, cell.Date)
		}
		byDate[cell.Date] = append(byDate[cell.Date], cell)
	}
	span := fmt.Sprintf("%s to %s (%s on the schedule)", first, last, plural(len(dates), "date"))
	if len(badDates) == 0 {
		c.printf("no problems from %s: every partition is published and current\n", span)
		return nil
	}
	kinds := map[string]int{}
	for _, cell := range bad {
		for _, p := range cell.Problems {
			kinds[p]++
		}
	}
	c.printf("%s with problems from %s; partitions: %s\n", plural(len(badDates), "date"), span, countList(kinds))
	for _, d := range badDates {
		c.printf("%s\n", d)
		for _, cell := range byDate[d] {
			what := strings.Join(cell.Problems, ", ")
			if cell.State == engine.Partial && len(cell.Missing) > 0 {
				what += " (without " + strings.Join(cell.Missing, ", ") + ")"
			}
			if cell.Late {
				what += " (due " + formatDue(cell.Deadline) + ")"
			}
			line := fmt.Sprintf("  %s: %s", cell.Processor, what)
			if cell.Reason != "" {
				line += " — " + cell.State + ": " + cell.Reason
			}
			c.printf("%s\n", line)
		}
	}
	return nil
}

// formatDue prints a deadline in UTC to the minute.
func formatDue(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// countList says "3 published, 1 waiting" for counts by name, largest first.
func countList(counts map[string]int) string {
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if counts[names[i]] != counts[names[j]] {
			return counts[names[i]] > counts[names[j]]
		}
		return names[i] < names[j]
	})
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%d %s", counts[n], n))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
