package dag

// Code says in one word why a task is in its state: the reason text is for
// people, the code for programs (the dashboard's colours, alerts, tests).
type Code string

// Reason codes of a Decision.
const (
	// CodeInputMissing: a required input is not published yet.
	CodeInputMissing Code = "input_missing"
	// CodeIncomplete: the schedule's games are not all final and present
	// in a per-game input, and the completeness deadline has not passed.
	CodeIncomplete Code = "incomplete"
	// CodeInputPending: an upstream partition is about to be recomputed.
	CodeInputPending Code = "input_pending"
	// CodeUpstreamFailed: an upstream task failed, was rejected or is
	// blocked itself.
	CodeUpstreamFailed Code = "upstream_failed"
	// CodeRetry: a transient error's retry is scheduled.
	CodeRetry Code = "retry"
	// CodeUnannounced: raw rows changed without an announcement; waiting
	// for it, or for a re-read.
	CodeUnannounced Code = "unannounced"
	// CodeCircuitOpen: the processor's circuit breaker is open.
	CodeCircuitOpen Code = "circuit_open"
	// CodeLeased: a worker holds the task's lease.
	CodeLeased Code = "leased"
	// CodeNew, CodeInputsChanged, CodeProcessorChanged, CodeForced: why a
	// ready task runs.
	CodeNew              Code = "new"
	CodeInputsChanged    Code = "inputs_changed"
	CodeProcessorChanged Code = "processor_changed"
	CodeForced           Code = "forced"
	// CodeLeftForBackfill: stale only because the processor changed, on a
	// date older than the auto-refresh window.
	CodeLeftForBackfill Code = "left_for_backfill"
	// CodeHeld: published by an older processor version and up to date
	// with its inputs; the running build's version is held (not yet
	// promoted), so the partition stays as it is.
	CodeHeld Code = "held"
	// CodeFailed and CodeRejected: the last run's outcome stands until an
	// input or the processor changes.
	CodeFailed   Code = "failed"
	CodeRejected Code = "rejected"
)
