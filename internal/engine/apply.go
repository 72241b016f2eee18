package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/statgate/statgate/internal/alert"
	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
)

// permanent reports whether an error will recur on retry with the same
// inputs: invalid data or an undeclared read, not a busy database.
func permanent(err error) bool {
	return errors.Is(err, pipeline.ErrInvalid)
}

// Run outcomes beyond the task states: what the timeline and the counts
// show for a run that did not settle its task.
const (
	outcomeRetry       = "retry"       // a transient error; retried after a backoff
	outcomeConflict    = "conflict"    // the output or an input moved; planned again
	outcomeUnannounced = "unannounced" // raw rows changed unannounced; waits
)

// circuitMove is what a run does to its processor's circuit breaker.
type circuitMove int

const (
	circuitStays circuitMove = iota
	circuitCloses
	circuitCounts // a failure in a row
)

// transition is what a finished run does to its task: decided by settle, a
// pure function of the run's result, applied by apply.
type transition struct {
	rec     pipeline.TaskRecord // the task's new record (lease not yet cleared)
	outcome string              // the run's recorded outcome
	circuit circuitMove
	// replan: the snapshot is outdated (an input or the output moved);
	// re-read it before planning again.
	replan bool
	// forcedDone: a forced recomputation has had its run.
	forcedDone bool
}

// settle decides what a run's result does to its task. backoff gives the
// delay before attempt n+1 after n failed ones. Only a published or up to
// date outcome, a rejection, a permanent error or the last attempt settle
// the task; a conflict or a missing announcement counts no attempt.
func settle(res result, now time.Time, maxAttempts int, backoff func(attempts int) time.Duration, recheck time.Duration) transition {
	rec := res.rec
	rec.UpdatedAt, rec.NextAttemptAt, rec.LastError, rec.Reason, rec.Code = now, time.Time{}, "", "", ""
	tr := transition{outcome: res.res.State}
	switch {
	case res.err == nil && (tr.outcome == publish.Published || tr.outcome == publish.UpToDate):
		rec.State, rec.Attempts, rec.Fingerprint = tr.outcome, 0, res.res.Version.Fingerprint
		// The run read other versions than planned: the snapshot is old.
		tr.replan = res.res.Version.Fingerprint != res.dec.Fingerprint
		tr.circuit = circuitCloses
	case res.err == nil && tr.outcome == publish.Rejected:
		rec.State, rec.Attempts, rec.Fingerprint = pipeline.Rejected, 0, res.dec.Fingerprint
		rec.LastError, rec.Code = describeFailures(res.res.Outcomes), string(dag.CodeRejected)
		rec.Reason = rec.LastError
	case errors.Is(res.err, pipeline.ErrConflict):
		// The output or an input moved while the task computed: nothing
		// was written; re-read the snapshot and plan it again.
		rec.State, rec.Attempts, tr.outcome, tr.replan = pipeline.Ready, rec.Attempts-1, outcomeConflict, true
		rec.Reason, rec.Code = "planned again: "+res.err.Error(), string(dag.CodeInputsChanged)
	case errors.Is(res.err, pipeline.ErrUnannounced):
		// Not a failure: no attempt counted, no circuit; the announcement
		// changes the inputs and so ends the wait, or the re-check does.
		rec.State, rec.Attempts, rec.Fingerprint, tr.outcome = pipeline.Waiting, rec.Attempts-1, res.dec.Fingerprint, outcomeUnannounced
		rec.LastError, rec.NextAttemptAt, rec.Code = res.err.Error(), now.Add(recheck), string(dag.CodeUnannounced)
		rec.Reason = fmt.Sprintf("waiting for an announcement (or a re-read at %s): %s", rec.NextAttemptAt.UTC().Format(time.RFC3339), rec.LastError)
	case permanent(res.err) || rec.Attempts >= maxAttempts:
		rec.State, rec.Fingerprint, rec.LastError = pipeline.Failed, res.dec.Fingerprint, res.err.Error()
		rec.Reason, rec.Code, tr.outcome, tr.circuit = rec.LastError, string(dag.CodeFailed), pipeline.Failed, circuitCounts
	default:
		rec.State, rec.LastError, tr.outcome, rec.Fingerprint = pipeline.Waiting, res.err.Error(), outcomeRetry, res.dec.Fingerprint
		rec.NextAttemptAt, rec.Code = now.Add(backoff(rec.Attempts)), string(dag.CodeRetry)
		rec.Reason = fmt.Sprintf("retry %d at %s after: %s", rec.Attempts+1, rec.NextAttemptAt.UTC().Format(time.RFC3339), rec.LastError)
	}
	tr.rec = rec
	tr.forcedDone = res.forced && tr.outcome != outcomeRetry && tr.outcome != outcomeConflict
	return tr
}

// apply records a finished run: the task's new record, the lease released,
// the run's end, the snapshot updated with what was published, and the
// processor's circuit.
func (r *run) apply(res result) {
	key := res.dec.Task
	now := r.e.cfg.Now()
	tr := settle(res, now, r.e.cfg.Retry.MaxAttempts, func(n int) time.Duration { return r.e.cfg.Retry.Backoff(n, r.e.cfg.Rand) }, r.e.cfg.Recheck)
	rec, outcome := tr.rec, tr.outcome
	if outcome == publish.Published || outcome == publish.UpToDate {
		pk := pipeline.PartKey{Table: res.res.Version.Table, Date: key.Date}
		if old := r.versions[pk]; old.Version != res.res.Version.Version || old.Fingerprint != res.res.Version.Fingerprint {
			r.changedParts = append(r.changedParts, pk)
		}
		r.versions[pk] = res.res.Version
	}
	r.dirty = r.dirty || tr.replan
	switch tr.circuit {
	case circuitCloses:
		r.circuitSuccess(key.Processor)
	case circuitCounts:
		r.circuitFailure(key.Processor, now)
	default:
		r.rejectedAfterPromotion(key.Processor, outcome, now)
	}
	if tr.forcedDone {
		r.forcedDone[key] = true
	}
	if outcome == publish.Published {
		r.e.tellPeers(pipeline.PartKey{Table: res.res.Version.Table, Date: key.Date})
	}
	r.runs[outcome]++
	r.alertOutcome(res, rec, outcome)
	if len(res.res.Outcomes) > 0 {
		r.outcomes[key] = res.res.Outcomes
	}
	// A publication released the task in its own transaction; every other
	// outcome is recorded here. The loop's context may be cancelled
	// (shutdown); this records a run that already happened, so it uses its own.
	if !res.res.Released {
		rel := pipeline.TaskRelease{Record: rec, Owner: r.e.cfg.Owner, RunID: res.runID, RunState: outcome,
			RunError: rec.LastError, RunVersion: res.res.Version.Version, At: now}
		if err := r.release(rel); err != nil {
			r.e.cfg.Logger.Warn("release task", "processor", key.Processor, "game_date", key.Date.String(), "err", err)
			r.dirty = true
		}
	}
	rec.LeaseOwner, rec.LeaseExpiresAt = "", time.Time{}
	r.tasks[key] = rec
	r.changedTasks = append(r.changedTasks, key)
	delete(r.running, key)
	r.perProc[key.Processor]--
	r.emit(Event{Task: key, State: outcome, Reason: rec.Reason, Version: res.res.Version.Version, Rows: res.res.Rows,
		Duration: res.took, Table: r.e.cfg.Graph.Processor(key.Processor).Output().Name, Outcomes: res.res.Outcomes})
	r.e.cfg.Logger.Info("task finish", "processor", key.Processor, "game_date", key.Date.String(), "state", outcome,
		"duration_ms", res.took.Milliseconds(), "rows", res.res.Rows, "version", res.res.Version.Version)
}

// release records a run's outcome, trying again a few times, briefly, when
// the database fails: an unreleased task stays leased to this engine until
// its lease expires, and its run stays open until then. A lost lease is
// final (another worker has the task).
func (r *run) release(rel pipeline.TaskRelease) error {
	var err error
	for attempt := range 4 {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 50 * time.Millisecond)
		}
		if err = r.e.cfg.Store.ReleaseTask(context.Background(), rel); err == nil || errors.Is(err, pipeline.ErrConflict) {
			return err
		}
	}
	return err
}

// observe reports the plan's summary to Config.Observe and alerts late
// partitions.
//
// Counting looks at every task, so while tasks run it is done at most once
// a second: after every run of a long backfill it would cost more than the
// runs. With nothing running (settled, or waiting) it is done every round.
func (r *run) observe(plan dag.Plan) {
	now := r.e.cfg.Now()
	if len(r.running) > 0 && now.Sub(r.lastObserve) < time.Second && now.After(r.lastObserve) {
		return
	}
	r.lastObserve = now
	late := r.lateRound(plan)
	if r.e.cfg.Observe == nil {
		return
	}
	st := Stats{ByState: map[string]int{}, Late: late, Queued: plan.Startable}
	for _, d := range plan.Decisions {
		st.ByState[d.State]++
	}
	for name, c := range r.circuits {
		if !c.openTill.IsZero() {
			st.OpenCircuits = append(st.OpenCircuits, name)
		}
	}
	slices.Sort(st.OpenCircuits)
	r.e.cfg.Observe(st)
}

func (r *run) circuitSuccess(proc string) {
	c := r.circuits[proc]
	if c == nil {
		return
	}
	if !c.openTill.IsZero() {
		r.prev = nil
	}
	delete(r.circuits, proc)
	r.saveCircuit(pipeline.Circuit{Processor: proc})
}

// loadCircuits reads the circuits other runs and processes left.
func (r *run) loadCircuits(ctx context.Context) error {
	cs, err := r.e.cfg.Store.Circuits(ctx)
	if err != nil {
		return fmt.Errorf("engine: read circuits: %w", err)
	}
	// The stored circuits are the truth: other processes and backfills
	// open and close them too.
	was := r.circuits
	r.circuits = map[string]*circuit{}
	for _, c := range cs {
		if c.Failures == 0 {
			continue
		}
		st := &circuit{failures: c.Failures}
		if !c.OpenedAt.IsZero() {
			st.openTill = c.OpenedAt.Add(r.e.cfg.CircuitCooldown)
		}
		r.circuits[c.Processor] = st
		if o := was[c.Processor]; o == nil || o.openTill != st.openTill {
			r.prev = nil // a circuit moved: plan afresh
		}
	}
	for name, o := range was {
		if r.circuits[name] == nil && !o.openTill.IsZero() {
			r.prev = nil
		}
	}
	r.circuitsLoaded = true
	return nil
}

// saveCircuit stores a circuit so that other processes and later runs
// respect it; failing to store it is logged, never fatal.
func (r *run) saveCircuit(c pipeline.Circuit) {
	if err := r.e.cfg.Store.SaveCircuit(context.Background(), c, r.e.cfg.Now()); err != nil {
		r.e.cfg.Logger.Warn("save circuit", "processor", c.Processor, "err", err)
	}
}

// circuitFailure counts a failed task of proc; enough in a row open the
// circuit: its tasks wait for the cool-down instead of failing one by one.
// After the cool-down one task runs (half-open): success closes the
// circuit, failure opens it again.
func (r *run) circuitFailure(proc string, now time.Time) {
	c := r.circuits[proc]
	if c == nil {
		c = &circuit{}
		r.circuits[proc] = c
	}
	c.failures++
	stored := pipeline.Circuit{Processor: proc, Failures: c.failures}
	defer func() { r.saveCircuit(stored) }()
	if c.failures >= r.e.cfg.CircuitThreshold {
		stored.OpenedAt = now
		c.openTill = now.Add(r.e.cfg.CircuitCooldown)
		r.prev = nil // every task of the processor is affected: plan afresh
		r.alert(alert.CircuitOpen, fmt.Sprintf("circuit:%s:%d", proc, c.openTill.Unix()),
			fmt.Sprintf("circuit open for %s after %d failed tasks in a row; its tasks wait until %s",
				proc, c.failures, c.openTill.UTC().Format(time.RFC3339)))
		r.e.cfg.Logger.Warn("circuit open", "processor", proc, "failures", c.failures, "until", c.openTill)
		r.rollbackPromotion(proc)
	}
}

func (r *run) report(plan dag.Plan) Report {
	return Report{Final: plan.Decisions, Runs: r.runs, Outcomes: r.outcomes}
}

// alertOutcome tells the notifier about outcomes that need a human.
func (r *run) alertOutcome(res result, rec pipeline.TaskRecord, outcome string) {
	key := res.dec.Task
	switch {
	case outcome == pipeline.Rejected:
		r.alert(alert.Rejected, fmt.Sprintf("rejected:%s:%s:%s", key.Processor, key.Date, res.dec.Fingerprint),
			fmt.Sprintf("%s %s rejected, nothing published: %s", key.Processor, key.Date, rec.LastError))
	case outcome == pipeline.Failed:
		r.alert(alert.Failed, fmt.Sprintf("failed:%s:%s:%s", key.Processor, key.Date, res.dec.Fingerprint),
			fmt.Sprintf("%s %s failed after %d attempts: %s", key.Processor, key.Date, res.rec.Attempts, rec.LastError))
	case outcome == publish.Published && res.dec.Partial:
		r.alert(alert.DeadlinePassed, fmt.Sprintf("deadline:%s:%s:%s", key.Processor, key.Date, strings.Join(res.dec.Missing, ",")),
			fmt.Sprintf("%s %s published partial after the completeness deadline, without %d games: %s",
				key.Processor, key.Date, len(res.dec.Missing), strings.Join(res.dec.Missing, ", ")))
	}
}

func (r *run) alert(kind, key, text string) {
	if r.e.cfg.Alerts != nil {
		r.e.cfg.Alerts.Notify(alert.Alert{Kind: kind, Key: key, Text: text, Backfill: r.sc.Backfill})
	}
}
