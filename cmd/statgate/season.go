package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
)

// seasonRun summarises running every processor over every date of the
// loaded schedule through the engine.
type seasonRun struct {
	From   pipeline.Date  `json:"from"`
	To     pipeline.Date  `json:"to"`
	Tasks  map[string]int `json:"tasks_by_state"`
	Runs   map[string]int `json:"runs_by_outcome"`
	Rows   map[string]int `json:"rows_by_table"`
	Checks map[string]int `json:"failed_checks_by_severity"`
	// Recorded counts every quality event the database holds for these
	// dates, by severity: a re-run that recomputes nothing finds none
	// anew, yet they stand.
	Recorded  map[string]int     `json:"quality_events_by_severity"`
	Partial   []string           `json:"partial_dates"`
	Problems  []dag.Decision     `json:"problems"`
	Warnings  []pipeline.Outcome `json:"-"`
	ElapsedMS int64              `json:"elapsed_ms"`
}

// runSeason backfills the schedule's whole range.
func (c *cli) runSeason(ctx context.Context, s pipeline.Store, ef engineFlags) (seasonRun, error) {
	start := time.Now()
	parts, err := s.Partitions(ctx, pipeline.PartitionFilter{Table: nba.Schedule})
	if err != nil {
		return seasonRun{}, err
	}
	run := seasonRun{Tasks: map[string]int{}, Runs: map[string]int{}, Rows: map[string]int{}, Checks: map[string]int{},
		Recorded: map[string]int{}, Partial: []string{}, Problems: []dag.Decision{}}
	if len(parts) == 0 {
		return run, fmt.Errorf("no schedule loaded")
	}
	run.From, run.To = parts[0].Date, parts[len(parts)-1].Date
	var bar *progress
	e, g, err := c.newEngine(s, ef, func(ev engine.Event) {
		if bar != nil && settledOutcome(ev.State) {
			bar.add(1)
		}
	})
	if err != nil {
		return run, err
	}
	sc := engine.Scope{From: run.From, To: run.To, RefreshAll: true, Backfill: true, Explicit: true}
	plan, err := e.Plan(ctx, sc)
	if err != nil {
		return run, err
	}
	recs, err := taskRecords(ctx, s, sc)
	if err != nil {
		return run, err
	}
	bar = c.progress(c.stderr, "season", int64(len(expectedRuns(g, sc, plan.Decisions, recs))))
	rep, err := e.Run(ctx, sc)
	bar.finish()
	if err != nil {
		return run, err
	}
	if rep.Runs != nil {
		run.Runs = rep.Runs
	}
	events, err := s.Events(ctx, time.Time{}, 1_000_000)
	if err != nil {
		return run, err
	}
	for _, ev := range events {
		if ev.Date >= run.From && ev.Date <= run.To {
			run.Recorded[string(ev.Severity)]++
		}
	}
	partial := map[string]bool{}
	for _, d := range rep.Final {
		run.Tasks[d.State]++
		if d.State != pipeline.Published && d.State != pipeline.UpToDate {
			run.Problems = append(run.Problems, d)
		}
		if d.Partial {
			partial[fmt.Sprintf("%s (%s)", d.Task.Date, strings.Join(d.Missing, ", "))] = true
		}
	}
	for p := range partial {
		run.Partial = append(run.Partial, p)
	}
	sort.Strings(run.Partial)
	for _, outs := range rep.Outcomes {
		for _, o := range outs {
			run.Checks[string(o.Severity)]++
			if o.Severity == pipeline.Warning {
				run.Warnings = append(run.Warnings, o)
			}
		}
	}
	for _, p := range nba.Processors() {
		n, err := s.RowCount(ctx, p.Name())
		if err != nil {
			return run, err
		}
		run.Rows[p.Name()] = int(n)
	}
	run.ElapsedMS = time.Since(start).Milliseconds()
	return run, nil
}

func (c *cli) printSeason(run seasonRun) {
	c.printf("pipeline %s to %s: %s in %s; runs: %s\n", run.From, run.To, countList(run.Tasks),
		humanDuration(time.Duration(run.ElapsedMS)*time.Millisecond), countList(run.Runs))
	for _, p := range nba.Processors() {
		c.printf("  %-30s %7d rows\n", p.Name(), run.Rows[p.Name()])
	}
	c.printf("quality: %s and %s in this run; %s and %s recorded in all (statgate events lists them)\n",
		plural(run.Checks[string(pipeline.Critical)], "critical failure"), plural(run.Checks[string(pipeline.Warning)], "warning"),
		plural(run.Recorded[string(pipeline.Critical)], "critical event"), plural(run.Recorded[string(pipeline.Warning)], "warning event"))
	incomplete := 0
	for _, w := range run.Warnings {
		if w.Check == "incomplete_input" {
			incomplete++ // listed below, by date
			continue
		}
		c.printf("  warning %s %s: observed %s, expected %s\n", w.Check, w.Subject, w.Observed, w.Expected)
	}
	if incomplete > 0 {
		c.printf("  %s (partial publications)\n", plural(incomplete, "incomplete_input warning"))
	}
	if len(run.Partial) > 0 {
		c.printf("partial dates (games that never arrived, published without them after the completeness deadline):\n")
		for _, p := range run.Partial {
			c.printf("  %s\n", p)
		}
	}
	for _, d := range run.Problems {
		c.printDecision(d)
	}
}
