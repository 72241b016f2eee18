package pipeline

import "time"

// Task states (SPEC §2).
const (
	Pending   = "pending"
	Waiting   = "waiting"
	Ready     = "ready"
	Running   = "running"
	Published = "published"
	UpToDate  = "up_to_date"
	Rejected  = "rejected"
	Failed    = "failed"
	Blocked   = "blocked"
	Stale     = "stale"
)

// RunAbandoned is the state of a run whose process died or lost its lease
// before recording an outcome.
const RunAbandoned = "abandoned"

// TaskKey names a task: one processor for one date.
type TaskKey struct {
	Processor string `json:"processor"`
	Date      Date   `json:"game_date"`
}

// PartKey names a partition.
type PartKey struct {
	Table string `json:"table"`
	Date  Date   `json:"game_date"`
}

// TaskRecord is what the database remembers of a task between runs.
type TaskRecord struct {
	Key    TaskKey
	State  string
	Reason string
	// Code is the reason's code (the planner's reason codes), so that
	// programs need not read the text.
	Code           string
	Attempts       int
	NextAttemptAt  time.Time // zero: no retry pending
	LeaseOwner     string
	LeaseExpiresAt time.Time
	LastError      string
	// Fingerprint is the input fingerprint the last failed or rejected run
	// was for: the outcome stands until the inputs or processor change.
	Fingerprint string
	UpdatedAt   time.Time
}

// Leased reports whether a worker holds an unexpired lease at now.
func (r TaskRecord) Leased(now time.Time) bool {
	return r.LeaseOwner != "" && r.LeaseExpiresAt.After(now)
}

// TaskRun is one execution of a task, for the timeline of recent runs.
type TaskRun struct {
	ID         int64      `json:"id"`
	Task       TaskKey    `json:"task"`
	Worker     string     `json:"worker"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	State      string     `json:"state"`
	Error      string     `json:"error,omitempty"`
	Version    int        `json:"version,omitempty"`
}

// RunFilter selects task runs: started at or after Since, of Task when
// set, the newest Limit of them.
type RunFilter struct {
	Since time.Time
	Task  *TaskKey
	Limit int
}

// TaskRelease ends a run: the task's new record (written only if Owner still
// holds the lease, which it then clears) and the end of run RunID.
type TaskRelease struct {
	Record   TaskRecord
	Owner    string
	RunID    int64
	RunState string
	RunError string
	// RunVersion is the version the run published (0: none). When the
	// release rides on a publication, the store fills it in.
	RunVersion int
	At         time.Time
}

// QualityEvent is one check's outcome on one partition (SPEC §2), including
// the gate's incomplete_input warning for a partial publication.
type QualityEvent struct {
	ID        int64     `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	Table     string    `json:"table"`
	Date      Date      `json:"game_date"`
	Check     string    `json:"check"`
	Severity  Severity  `json:"severity"`
	Subject   string    `json:"subject,omitempty"`
	Observed  string    `json:"observed,omitempty"`
	Expected  string    `json:"expected,omitempty"`
	Processor string    `json:"processor,omitempty"`
	RunID     int64     `json:"run_id,omitempty"`
	// Version is the partition version published with the event (0 when
	// the publication was rejected).
	Version int `json:"version,omitempty"`
}

// Circuit is a processor's circuit breaker as stored: open since OpenedAt
// (closed when zero) after Failures failed tasks in a row.
type Circuit struct {
	Processor string    `json:"processor"`
	Failures  int       `json:"consecutive_failures"`
	OpenedAt  time.Time `json:"opened_at,omitzero"`
}

// Release states: what was decided about a processor version.
const (
	// ReleasePromoted: the version's recomputations may replace what older
	// versions published.
	ReleasePromoted = "promoted"
	// ReleaseHeld: older versions' partitions stay visible and are not
	// recomputed for the new code (new dates and new input data still are);
	// a version nobody decided about is held.
	ReleaseHeld = "held"
	// ReleaseRolledBack: what the version published was restored to what
	// the version before it published.
	ReleaseRolledBack = "rolled_back"
)

// Release is what was decided about one processor version.
type Release struct {
	Processor string    `json:"processor"`
	Version   string    `json:"version"`
	State     string    `json:"state"`
	Reason    string    `json:"reason,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
}
