package engine

import (
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

// View turns a decision and the task's stored record into its Verdict.
func View(d dag.Decision, rec pipeline.TaskRecord) Verdict {
	return Verdict{Processor: d.Task.Processor, Date: d.Task.Date, State: Shown(d), Code: d.Code, Reason: d.Reason,
		Version: d.Base, Attempts: rec.Attempts, Missing: d.Missing}
}
