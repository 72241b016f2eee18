package main

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
)

// seasonRun summarises running every processor over every date of the
// loaded schedule.
type seasonRun struct {
	From      pipeline.Date        `json:"from"`
	To        pipeline.Date        `json:"to"`
	Tasks     map[string]int       `json:"tasks_by_state"`
	Rows      map[string]int       `json:"rows_by_table"`
	Checks    map[string]int       `json:"failed_checks_by_severity"`
	Problems  []publish.DateResult `json:"problems,omitempty"`
	Warnings  []pipeline.Outcome   `json:"-"`
	ElapsedMS int64                `json:"elapsed_ms"`
}

// runSeason runs the pipeline date by date over the schedule's range, so
// that every window of earlier dates is published before it is read.
func (c *cli) runSeason(ctx context.Context, s pipeline.Store) (seasonRun, error) {
	start := time.Now()
	parts, err := s.Partitions(ctx, pipeline.PartitionFilter{Table: nba.Schedule})
	if err != nil {
		return seasonRun{}, err
	}
	run := seasonRun{Tasks: map[string]int{}, Rows: map[string]int{}, Checks: map[string]int{}}
	if len(parts) == 0 {
		return run, fmt.Errorf("no schedule loaded")
	}
	g, err := graph()
	if err != nil {
		return run, err
	}
	x := c.executor(s)
	run.From, run.To = parts[0].Date, parts[len(parts)-1].Date
	for d := run.From; d <= run.To; d++ {
		results, err := x.RunDate(ctx, g, g.Order(), d, publish.Options{})
		if err != nil {
			return run, err
		}
		for _, r := range results {
			run.Tasks[r.State]++
			run.Rows[r.Processor] += r.Rows
			for _, o := range r.Outcomes {
				run.Checks[string(o.Severity)]++
				if o.Severity == pipeline.Warning {
					run.Warnings = append(run.Warnings, o)
				}
			}
			if r.State != publish.Published && r.State != publish.UpToDate {
				run.Problems = append(run.Problems, r)
			}
		}
	}
	run.ElapsedMS = time.Since(start).Milliseconds()
	return run, nil
}

func (c *cli) printSeason(run seasonRun) {
	c.printf("pipeline %s..%s: ", run.From, run.To)
	states := make([]string, 0, len(run.Tasks))
	for st := range run.Tasks {
		states = append(states, st)
	}
	sort.Strings(states)
	for i, st := range states {
		if i > 0 {
			c.printf(", ")
		}
		c.printf("%d %s", run.Tasks[st], st)
	}
	c.printf(" tasks in %s\n", time.Duration(run.ElapsedMS)*time.Millisecond)
	for _, name := range nba.Processors() {
		c.printf("  %-30s %7d rows\n", name.Name(), run.Rows[name.Name()])
	}
	c.printf("quality: %d critical, %d warning check failures\n", run.Checks[string(pipeline.Critical)], run.Checks[string(pipeline.Warning)])
	for _, w := range run.Warnings {
		c.printf("  warning %s %s: observed %s, expected %s\n", w.Check, w.Subject, w.Observed, w.Expected)
	}
	for _, p := range run.Problems {
		c.printTask(p)
	}
}
