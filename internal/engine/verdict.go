package engine

import (
	"time"

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
// due, passed, and never published (d.Base is the current version).
func (e *Engine) late(d dag.Decision, now time.Time) (due time.Time, late bool) {
	due = e.Deadline(d.Task.Processor).Due(d.Task.Date)
	return due, !due.IsZero() && d.Base == 0 && !now.Before(due)
}
