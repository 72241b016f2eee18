package dag

import (
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// Policy holds the gate's and scheduler's settings.
type Policy struct {
	// CompletenessDeadline: how long after the end of D incomplete inputs
	// are waited for before running on the complete games (default 36h).
	CompletenessDeadline time.Duration
	// FallbackAfter: how long a game's box score may be missing after its
	// gamebook arrived before the totals are summed from the gamebook (2h).
	FallbackAfter time.Duration
	// AutoRefreshDays: stale partitions within this many days of the newest
	// date recompute by themselves; older ones wait for a backfill (45).
	AutoRefreshDays int
}

// DefaultPolicy is SPEC §6's defaults.
func DefaultPolicy() Policy {
	return Policy{CompletenessDeadline: 36 * time.Hour, FallbackAfter: 2 * time.Hour, AutoRefreshDays: 45}
}

// Deadline is the completeness deadline of date d counted from the end of
// d (UTC); the planner moves it later for a date whose calendar partition
// was recorded after that (history arriving late).
func (p Policy) Deadline(d pipeline.Date) time.Time {
	return d.AddDays(1).Time().Add(p.CompletenessDeadline)
}

// Snapshot is everything the planner may look at: immutable, with the time
// passed in, so that a plan is a pure function of it.
type Snapshot struct {
	Now time.Time
	// From..To are the dates whose tasks are in scope; Processors the
	// processors in scope (nil: all).
	From, To   pipeline.Date
	Processors []string
	// Dates, when not nil, are the only dates of From..To with tasks: the
	// dates the schedule lists (SPEC §3). A date it does not list has no
	// task, and what is published there is read as it is.
	Dates []pipeline.Date
	// Versions are the current versions of every partition the tasks in
	// scope may read or write (their windows included).
	Versions map[pipeline.PartKey]pipeline.PartitionVersion
	// Tasks are the remembered task records (absent: never run).
	Tasks map[pipeline.TaskKey]pipeline.TaskRecord
	// OpenCircuits maps a processor whose circuit is open to the time it
	// half-opens.
	OpenCircuits map[string]time.Time
	// Newest is the newest date the calendar has; stale partitions older
	// than Newest - AutoRefreshDays are not recomputed unless RefreshAll.
	Newest     pipeline.Date
	RefreshAll bool
	// Explicit marks a run or backfill someone asked for: the completeness
	// deadline counts from the end of each date only, so that dates whose
	// schedule was recorded recently do not wait (Policy.Deadline).
	Explicit bool
	// RetryFailed starts failed and rejected tasks again although their
	// fingerprint is unchanged (a backfill in failed mode).
	RetryFailed bool
	// Force recomputes tasks in scope even when up to date, once: the
	// tasks in ForcedDone have had their forced run.
	Force      bool
	ForcedDone map[pipeline.TaskKey]bool

	// Prev, when set, is the plan made for an earlier snapshot of the same
	// scope; only tasks that ChangedParts, ChangedTasks or the passing of
	// time may affect are decided again, the rest keep their verdict. The
	// result equals a full plan (a test holds the two together); this keeps
	// a season's backfill from re-deciding 1,190 tasks after every run.
	// Decide reuses Prev's storage: Prev must not be used afterwards.
	Prev         *Plan
	ChangedParts []pipeline.PartKey
	ChangedTasks []pipeline.TaskKey

	// Held are the processors whose running version is held (not
	// promoted): a partition an older version published, out of date only
	// because of the new code, stays published as it is (CodeHeld), even
	// for a backfill; new dates, new input data and Force still compute.
	Held map[string]bool

	// StartLimit, when set, lists only the first StartLimit startable
	// tasks in Plan.Start (Plan.Startable counts them all): a run hands
	// out a few at a time, and listing thousands after every run of a long
	// backfill would cost more than the runs.
	StartLimit int
	// Only, when set, keeps from starting the tasks it refuses (a
	// backfill's mode): they keep their state and are not listed in
	// Start. It is given the task's record and whether its output has
	// been published.
	Only func(d Decision, rec pipeline.TaskRecord, published bool) bool
}
