package engine

import (
	"context"
	"time"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/pipeline"
)

// Explanation says why a task is in its state (SPEC §6 Explain): the
// planner's live verdict with its inputs and missing games, the stored
// attempts, last error and next retry, and the output's versions with
// lineage.
type Explanation struct {
	// Verdict is the task's state as status and the dashboard show it.
	Verdict   Verdict      `json:"verdict"`
	Decision  dag.Decision `json:"decision"`
	Attempts  int          `json:"attempts"`
	LastError string       `json:"last_error,omitempty"`
	NextRetry *time.Time   `json:"next_retry,omitempty"`
	// Current is the output partition's current version with the input
	// versions it was computed from; nil when never published.
	Current *pipeline.PartitionVersion `json:"current_version,omitempty"`
	// History lists every kept version, oldest first.
	History []pipeline.PartitionVersion `json:"history,omitempty"`
}

// Describe explains the task for key against the current database;
// ErrNotFound when the processor is unknown.
func (e *Engine) Describe(ctx context.Context, key pipeline.TaskKey) (Explanation, error) {
	dec, rec, err := e.Explain(ctx, key)
	if err != nil {
		return Explanation{}, err
	}
	ex := Explanation{Verdict: e.View(dec, rec), Decision: dec, Attempts: rec.Attempts, LastError: rec.LastError}
	if !rec.NextAttemptAt.IsZero() {
		ex.NextRetry = &rec.NextAttemptAt
	}
	table := e.cfg.Graph.Processor(key.Processor).Output().Name
	if ex.History, err = e.cfg.Store.History(ctx, table, key.Date); err != nil {
		return Explanation{}, err
	}
	// Every publication is the newest version, so the current one is the
	// last of the history (with its lineage).
	if n := len(ex.History); n > 0 {
		ex.Current = &ex.History[n-1]
	}
	return ex, nil
}
