package pipeline

import "time"

// Backfill states.
const (
	BackfillQueued  = "queued"
	BackfillRunning = "running"
	BackfillDone    = "done"
	BackfillFailed  = "failed"
)

// Backfill is a date-range recomputation requested over the API, kept in
// the database so that a restarted service resumes it.
type Backfill struct {
	ID         int64     `json:"id"`
	From       Date      `json:"start_date"`
	To         Date      `json:"end_date"`
	Processors []string  `json:"processors"`
	Mode       string    `json:"mode"`
	State      string    `json:"state"`
	Error      string    `json:"error,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// Tasks counts the scope's tasks by state when the backfill last
	// reported; Runs its finished runs by outcome.
	Tasks map[string]int `json:"tasks_by_state,omitempty"`
	Runs  map[string]int `json:"runs_by_outcome,omitempty"`
}

// Finished reports whether the backfill has ended.
func (b Backfill) Finished() bool { return b.State == BackfillDone || b.State == BackfillFailed }
