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

// apply records a finished run: the task's new record, the lease released,
// the run's end, the snapshot updated with what was published, and the
// processor's circuit.
func (r *run) apply(res result) {
	key := res.dec.Task
	now := r.e.cfg.Now()
	rec := res.rec
	rec.UpdatedAt, rec.NextAttemptAt, rec.LastError, rec.Reason = now, time.Time{}, "", ""
	outcome := res.res.State
	switch {
	case res.err == nil && (outcome == publish.Published || outcome == publish.UpToDate):
		rec.State, rec.Attempts, rec.Fingerprint = outcome, 0, res.res.Version.Fingerprint
		pk := pipeline.PartKey{Table: res.res.Version.Table, Date: key.Date}
		if r.versions[pk].Version != res.res.Version.Version {
			r.changedParts = append(r.changedParts, pk)
		}
		r.versions[pk] = res.res.Version
		if res.res.Version.Fingerprint != res.dec.Fingerprint {
			r.dirty = true // an input moved since the snapshot; re-read it
		}
		r.circuitSuccess(key.Processor)
	case res.err == nil && outcome == publish.Rejected:
		rec.State, rec.Attempts, rec.Fingerprint = pipeline.Rejected, 0, res.dec.Fingerprint
		rec.LastError = describeFailures(res.res.Outcomes)
		rec.Reason = rec.LastError
	case errors.Is(res.err, pipeline.ErrConflict):
		// An input was republished while the task computed: nothing was
		// written; re-read the snapshot and run it again on the new input.
		rec.State, rec.Attempts, outcome = pipeline.Ready, rec.Attempts-1, "conflict"
		rec.Reason = "an input changed while computing; runs again"
		r.dirty = true
	case errors.Is(res.err, pipeline.ErrUnannounced):
		// Not a failure: no attempt counted, no circuit; the announcement
		// changes the inputs and so ends the wait, or the safety-net
		// re-check interval does.
		rec.State, rec.Attempts, rec.Fingerprint, outcome = pipeline.Waiting, rec.Attempts-1, res.dec.Fingerprint, "unannounced"
		rec.LastError, rec.NextAttemptAt = res.err.Error(), now.Add(r.e.cfg.Recheck)
		rec.Reason = "waiting for an announcement: " + rec.LastError
	case permanent(res.err) || rec.Attempts >= r.e.cfg.Retry.MaxAttempts:
		rec.State, rec.Fingerprint, rec.LastError = pipeline.Failed, res.dec.Fingerprint, res.err.Error()
		rec.Reason, outcome = rec.LastError, pipeline.Failed
		r.circuitFailure(key.Processor, now)
	default:
		rec.State, rec.LastError, outcome, rec.Fingerprint = pipeline.Waiting, res.err.Error(), "retry", res.dec.Fingerprint
		rec.NextAttemptAt = now.Add(r.e.cfg.Retry.Backoff(rec.Attempts, r.e.cfg.Rand))
		rec.Reason = "retry scheduled after: " + rec.LastError
	}
	if res.forced && outcome != "retry" && outcome != "conflict" {
		r.forcedDone[key] = true
	}
	if outcome == publish.Published {
		r.e.tellPeers()
	}
	r.runs[outcome]++
	r.alertOutcome(res, rec, outcome)
	if len(res.res.Outcomes) > 0 {
		r.outcomes[key] = res.res.Outcomes
	}
	// A publication released the task in its own transaction; every other
	// outcome is recorded here. The loop's context may be cancelled
	// (shutdown); this records a run that already happened, so it uses its own.
	if outcome != publish.Published {
		rel := pipeline.TaskRelease{Record: rec, Owner: r.e.cfg.Owner, RunID: res.runID, RunState: outcome,
			RunError: rec.LastError, RunVersion: res.res.Version.Version, At: now}
		if err := r.e.cfg.Store.ReleaseTask(context.Background(), rel); err != nil {
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

// observe reports the plan's summary to Config.Observe.
func (r *run) observe(plan dag.Plan) {
	if r.e.cfg.Observe == nil {
		return
	}
	st := Stats{ByState: map[string]int{}}
	for _, d := range plan.Decisions {
		st.ByState[d.State]++
	}
	for _, key := range plan.Start {
		if !r.running[key] {
			st.Queued++
		}
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
