package pipeline

import (
	"context"
	"time"
)

// Sources of a partition version: how its rows got there.
const (
	SourceLoad     = "load"     // statgate load or the demo
	SourceAnnounce = "announce" // an upstream system wrote the rows and announced them
	SourceCompute  = "compute"  // a processor's publication
	SourceRollback = "rollback" // an earlier version's content published again
)

// InputVersion is one input partition version that a publication read.
type InputVersion struct {
	Table   string `json:"table"`
	Date    Date   `json:"game_date"`
	Version int    `json:"version"`
}

// PartitionVersion describes one published version of a partition.
type PartitionVersion struct {
	Table            string    `json:"table"`
	Date             Date      `json:"game_date"`
	Version          int       `json:"version"`
	RowCount         int       `json:"row_count"`
	ContentHash      string    `json:"content_hash"`
	Source           string    `json:"source"`
	Partial          bool      `json:"partial"`
	ProcessorVersion string    `json:"processor_version,omitempty"`
	BuildRevision    string    `json:"build_revision,omitempty"`
	RestoredFrom     int       `json:"restored_from,omitempty"`
	CreatedAt        time.Time `json:"created_at"`
	// Coverage is set for raw tables with per-game data.
	Coverage *Coverage `json:"coverage,omitempty"`
	// Fingerprint is set for computed versions (see Fingerprint).
	Fingerprint string         `json:"input_fingerprint,omitempty"`
	Inputs      []InputVersion `json:"inputs,omitempty"`
	// FirstRecorded is when the partition's first version was recorded
	// (set on current versions: Partitions and CurrentVersion). The
	// completeness deadline of a date counts from its calendar partition's.
	FirstRecorded time.Time `json:"first_recorded_at,omitzero"`
}

// Publication asks the store to replace one partition's rows. Its Source
// says what kind of publication it is, and the kind decides how the store
// treats it (see the methods below):
//   - a load (SourceLoad) replaces the rows, is skipped when the content is
//     unchanged, and records a trigger derived from the content;
//   - an announcement (SourceAnnounce) versions the rows the table already
//     holds (in place), is skipped when unchanged, and records the
//     upstream's trigger;
//   - a computation (SourceCompute) replaces the rows under its Guard,
//     releases its task run, and is skipped when the current version was
//     computed from the same fingerprint (someone else just published it);
//   - a rollback (SourceRollback) publishes an earlier version's content.
//
// Force publishes a new version even where the kind would skip it (run
// --force, and loads that must record a version).
type Publication struct {
	Table *Table
	Date  Date
	Rows  []Row
	// Source says how the rows were produced (Source* constants).
	Source string
	// Partial marks a publication made on incomplete inputs.
	Partial          bool
	ProcessorVersion string
	BuildRevision    string
	RestoredFrom     int
	Inputs           []InputVersion
	// Fingerprint of the computation (see Fingerprint); "" for raw loads.
	Fingerprint string
	// Force: see above.
	Force bool
	// Events are recorded with the new version in the same transaction
	// (their Version is filled in).
	Events []QualityEvent
	// Trigger, set on an announcement, is the upstream's message id and
	// status, recorded with the new version. A message id already
	// recorded is left as it is.
	Trigger *Trigger
	// Payload is kept with the trigger (the upstream's message).
	Payload string
	// Guard, set on computed publications, is what must still hold when
	// the publication commits; otherwise it fails with ErrConflict.
	Guard *Guard
	// Release, when set, ends the task run that computed the rows in the
	// same transaction. If its owner no longer holds the task's lease the
	// whole publication fails with ErrConflict: a worker that lost its
	// lease can never publish.
	Release *TaskRelease
}

// InPlace reports whether the publication versions the rows the table
// already holds for the date (an announcement: Rows are what was read
// there in the same transaction; nothing is deleted or inserted).
func (p Publication) InPlace() bool { return p.Source == SourceAnnounce }

// skipsUnchanged: a load or announcement of the current content and
// partial flag records nothing.
func (p Publication) skipsUnchanged() bool {
	return !p.Force && (p.Source == SourceLoad || p.Source == SourceAnnounce)
}

// skipsSameFingerprint: a computation whose fingerprint the current version
// already has records nothing.
func (p Publication) skipsSameFingerprint() bool {
	return !p.Force && p.Source == SourceCompute && p.Fingerprint != ""
}

// recordsTrigger: loads and announcements record a trigger with the new
// version in the same transaction, so the engine hears of it even if the
// process dies next.
func (p Publication) recordsTrigger() bool {
	return p.Trigger != nil || p.Source == SourceLoad
}

// PublishResult is the outcome of one Publication.
type PublishResult struct {
	PartitionVersion
	// Created is false when the publication was skipped: unchanged content
	// or an already published computation (see Publication).
	Created bool
	// Restamped is true when a guarded computation found the current
	// version's content and partial flag: no version was created, and the
	// current one now records the computation's fingerprint, processor
	// version and lineage (its content is what these inputs give). Readers
	// see no new version, so nothing downstream becomes stale. Its Release
	// was recorded as up_to_date.
	Restamped bool
	// TriggerID is the trigger recorded with the version (0: none, or its
	// message id was already recorded).
	TriggerID int64
}

// Trigger is a durable announcement that a partition has new content.
type Trigger struct {
	ID          int64     `json:"id"`
	MessageID   string    `json:"message_id"`
	Table       string    `json:"table"`
	Date        Date      `json:"game_date"`
	Status      string    `json:"status"`
	RecordCount int       `json:"record_count"`
	ContentHash string    `json:"content_hash"`
	Source      string    `json:"source"`
	ReceivedAt  time.Time `json:"received_at"`
}

// PartitionRows is one partition's current version and its rows.
type PartitionRows struct {
	Version PartitionVersion
	Rows    []Row
}

// PartitionFilter selects partitions; zero fields select everything.
type PartitionFilter struct {
	Table    string
	From, To Date
	HasRange bool
}

// Store is the one seam between statgate and its database. The sqlite and
// postgres packages implement it and the storetest suite proves they agree.
type Store interface {
	// Publish replaces the rows of every listed partition and records their
	// new versions (with lineage, history and, when asked, a trigger) in one
	// transaction: all are published or none is. Rows are validated against
	// the table first; an invalid row fails the whole call with ErrInvalid.
	// A publication whose Guard no longer holds when it commits (its output
	// moved from Guard.Base, or an input window holds other versions than
	// those read) fails with ErrConflict, and so does one without a Guard
	// whose Inputs are no longer all current: lineage always names what was
	// visible at the moment of publication.
	Publish(ctx context.Context, pubs []Publication) ([]PublishResult, error)

	// Announce versions the rows that (a.Table, a.Date) holds now, as an
	// upstream system wrote them, and records a trigger, in one
	// transaction. A message id already recorded, or content equal to the
	// current version's, records nothing and says so (Duplicate). Rows that
	// do not make a valid partition fail with ErrInvalid naming the row and
	// column; a RecordCount above the rows the table holds, ErrConflict.
	// Either way nothing is recorded.
	Announce(ctx context.Context, a Announcement) (AnnounceResult, error)

	// ReadPartition returns the rows of the current version of (t, d) and
	// that version, read in one snapshot so they always agree. It returns
	// ErrNotFound when the partition was never published.
	ReadPartition(ctx context.Context, t *Table, d Date) ([]Row, PartitionVersion, error)

	// ReadRange returns, in one snapshot, the current version and rows of
	// every published partition of t dated from..to inclusive, in date order.
	// Dates never published are absent; none at all is not an error.
	ReadRange(ctx context.Context, t *Table, from, to Date) ([]PartitionRows, error)

	// VersionRows returns the rows of one version of (t, d): the table's rows
	// for the current version, the archived content for an earlier one.
	// ErrNotFound when the version never existed or its content was pruned.
	VersionRows(ctx context.Context, t *Table, d Date, version int) ([]Row, error)

	// History lists every recorded version of (table, d), oldest first, with
	// lineage. None is not an error.
	History(ctx context.Context, table string, d Date) ([]PartitionVersion, error)

	// CurrentVersion returns the current version of (table, d) with its
	// lineage, or ErrNotFound when the partition was never published.
	CurrentVersion(ctx context.Context, table string, d Date) (PartitionVersion, error)

	// Partitions lists the current version of every partition matching f,
	// ordered by table then date (no lineage). None matching is not an error.
	Partitions(ctx context.Context, f PartitionFilter) ([]PartitionVersion, error)

	// Triggers returns up to limit recorded triggers with id > after, oldest
	// first. None is not an error.
	Triggers(ctx context.Context, after int64, limit int) ([]Trigger, error)

	// Tasks returns the records of tasks dated from..to inclusive. None is
	// not an error.
	Tasks(ctx context.Context, from, to Date) ([]TaskRecord, error)
	// TasksUpdated lists the task records dated from..to written at or
	// after since.
	TasksUpdated(ctx context.Context, from, to Date, since time.Time) ([]TaskRecord, error)

	// SaveTasks upserts the planner's verdicts (state, reason, attempts,
	// next attempt, last error, fingerprint). A task whose lease another
	// worker holds at now is left alone.
	SaveTasks(ctx context.Context, recs []TaskRecord, now time.Time) error

	// ClaimTask takes the lease of key for owner until expires, creating the
	// record when missing, counts an attempt and records the start of a run,
	// in one transaction; it returns the record and the run's id. It returns
	// ErrConflict when another owner holds an unexpired lease: at most one
	// run of a task at a time, across processes.
	ClaimTask(ctx context.Context, key TaskKey, owner string, now, expires time.Time) (TaskRecord, int64, error)

	// RenewLease extends owner's lease of key to expires; ErrConflict when
	// owner no longer holds it (it expired and another worker took the
	// task, or the task was released).
	RenewLease(ctx context.Context, key TaskKey, owner string, now, expires time.Time) error

	// AbandonRuns ends every run still recorded as running whose worker
	// no longer holds its task's lease at now (the process died, or its
	// lease ran out): state abandoned, finished now. It returns how many.
	AbandonRuns(ctx context.Context, now time.Time) (int, error)

	// ReleaseTask records a run's outcome (the task's record and the run's
	// end) and clears the lease, provided rel.Owner still holds it;
	// otherwise ErrConflict (the lease expired and another worker took the
	// task) and nothing is written. A publication can carry the release
	// instead (Publication.Release), so both commit together.
	ReleaseTask(ctx context.Context, rel TaskRelease) error

	// Runs lists the newest f.Limit runs that match f, oldest first (for
	// the timeline and a task's history). None is not an error.
	Runs(ctx context.Context, f RunFilter) ([]TaskRun, error)

	// Circuits lists the stored circuit breakers; SaveCircuit upserts one.
	// None is not an error.
	Circuits(ctx context.Context) ([]Circuit, error)
	// Releases lists what was decided about processor versions;
	// SaveRelease records a decision (replacing one for the same version).
	Releases(ctx context.Context) ([]Release, error)
	SaveRelease(ctx context.Context, r Release) error
	SaveCircuit(ctx context.Context, c Circuit, now time.Time) error

	// RecordEvents records quality events outside a publication (a
	// rejected task's failures).
	RecordEvents(ctx context.Context, events []QualityEvent) error

	// Events lists quality events created at or after since, newest first,
	// at most limit. None is not an error.
	Events(ctx context.Context, since time.Time, limit int) ([]QualityEvent, error)

	// CreateBackfill records a new backfill and returns it with its id.
	CreateBackfill(ctx context.Context, b Backfill, now time.Time) (Backfill, error)
	// SaveBackfill updates a backfill's state, error and counts; a
	// finished backfill (done or failed) is left as it is, so that a
	// process that ran it too cannot reopen it. ErrNotFound when no
	// backfill has its id.
	SaveBackfill(ctx context.Context, b Backfill, now time.Time) error
	// Backfill returns one backfill, or ErrNotFound.
	Backfill(ctx context.Context, id int64) (Backfill, error)
	// Backfills lists backfills, newest first; with unfinished, only those
	// queued or running. None is not an error.
	Backfills(ctx context.Context, unfinished bool) ([]Backfill, error)

	// RowCount counts the rows currently visible in table (0 for none).
	RowCount(ctx context.Context, table string) (int64, error)

	// Close releases the database.
	Close() error
}
