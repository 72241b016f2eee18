package engine

import (
	"fmt"
	"time"

	"github.com/statgate/statgate/internal/alert"
	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/pipeline"
)

// Partial is how a task whose published partition is partial is shown.
const Partial = "partial"

// Verdict is a task's state as every view shows it — status, explain, the
// API and the dashboard — taken from one planner decision (Verdicts):
// up_to_date is shown as published, and a published partial partition as
// partial.
type Verdict struct {
	Processor string        `json:"processor"`
	Date      pipeline.Date `json:"game_date"`
	State     string        `json:"state"`
	Code      dag.Code      `json:"code,omitempty"`
	Reason    string        `json:"reason,omitempty"`
	// Version is the output partition's current version (0: none).
	Version int `json:"version,omitempty"`
	// Attempts counts the runs since the task last settled.
	Attempts int `json:"attempts,omitempty"`
	// Missing are the games the task waits for or was published without.
	Missing []string `json:"missing_games,omitempty"`
	// Late: the output table declares a publish deadline, it has passed
	// (by the engine's clock), and the partition was never published
	// (SPEC §6 Late). A partition published after its deadline is no
	// longer late.
	Late bool `json:"late,omitempty"`
	// Deadline is when the partition is due; zero when the table declares
	// no publish deadline.
	Deadline time.Time `json:"deadline,omitzero"`
}

// Shown is the state a decision is shown as.
func Shown(d dag.Decision) string {
	switch {
	case (d.State == pipeline.Published || d.State == pipeline.UpToDate) && d.Partial:
		return Partial
	case d.State == pipeline.UpToDate:
		return pipeline.Published
	}
	return d.State
}

// View turns a decision and the task's stored record into its Verdict,
// judging its publish deadline by the engine's clock. This is the one
// place a verdict is made.
func (e *Engine) View(d dag.Decision, rec pipeline.TaskRecord) Verdict {
	v := View(d, rec)
	v.Deadline, v.Late = e.late(d, e.cfg.Now())
	return v
}

// View is the Verdict without the publish deadline, for callers without an
// engine; Engine.View is the whole verdict.
func View(d dag.Decision, rec pipeline.TaskRecord) Verdict {
	return Verdict{Processor: d.Task.Processor, Date: d.Task.Date, State: Shown(d), Code: d.Code, Reason: d.Reason,
		Version: d.Base, Attempts: rec.Attempts, Missing: d.Missing}
}

// Deadline is the publish deadline in force for processor's output: the
// configured override, else the processor's declaration (pipeline.Deadlined).
func (e *Engine) Deadline(processor string) pipeline.PublishDeadline {
	if p, ok := e.cfg.PublishDeadlines[processor]; ok {
		return p
	}
	if p, ok := e.cfg.Graph.Processor(processor).(pipeline.Deadlined); ok {
		return p.PublishDeadline()
	}
	return pipeline.PublishDeadline{}
}

// late says when d's partition is due and whether, at now, it is late:
// lateAt with the deadline in force for d's processor.
func (e *Engine) late(d dag.Decision, now time.Time) (due time.Time, late bool) {
	return lateAt(e.Deadline(d.Task.Processor), d, now)
}

// lateAt is the rule: a declared deadline, passed at now, and the
// partition never published (d.Base is its current version).
func lateAt(p pipeline.PublishDeadline, d dag.Decision, now time.Time) (due time.Time, late bool) {
	due = p.Due(d.Task.Date)
	return due, !due.IsZero() && d.Base == 0 && !now.Before(due)
}

// lateRound counts plan's late partitions by processor (for Stats) and
// alerts each one once per engine, when the run has nothing left to start
// or waiting on a worker: a partition that is late only until the task
// about to run publishes it is not worth waking anyone for. Backfills do
// not alert lateness (they are about history; the service's run does).
func (r *run) lateRound(plan dag.Plan) map[string]int {
	now := r.e.cfg.Now()
	counts := map[string]int{}
	settled := plan.Startable == 0 && len(r.running) == 0
	deadlines := map[string]pipeline.PublishDeadline{}
	for _, name := range r.e.cfg.Graph.Order() {
		if p := r.e.Deadline(name); p.Declared() {
			deadlines[name] = p
		}
	}
	if len(deadlines) == 0 {
		return counts
	}
	for _, d := range plan.Decisions {
		p, ok := deadlines[d.Task.Processor]
		if !ok {
			continue
		}
		due, late := lateAt(p, d, now)
		if !late {
			continue
		}
		counts[d.Task.Processor]++
		if settled && !r.sc.Backfill && r.e.cfg.Alerts != nil && r.e.firstLate(d.Task) {
			r.alert(alert.Late, fmt.Sprintf("late:%s:%s", d.Task.Processor, d.Task.Date),
				fmt.Sprintf("%s %s is late: due %s, not published (%s: %s)", d.Task.Processor, d.Task.Date,
					due.UTC().Format("2006-01-02 15:04 MST"), Shown(d), reasonOr(d.Reason, "no reason recorded")))
		}
	}
	return counts
}

// firstLate reports whether key's lateness is news to this engine, and
// remembers it.
func (e *Engine) firstLate(key pipeline.TaskKey) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.lateAlerted[key] {
		return false
	}
	if e.lateAlerted == nil {
		e.lateAlerted = map[pipeline.TaskKey]bool{}
	}
	e.lateAlerted[key] = true
	return true
}

func reasonOr(reason, otherwise string) string {
	if reason == "" {
		return otherwise
	}
	return reason
}
