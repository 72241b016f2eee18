package engine

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/pipeline"
)

// Engine runs tasks. One Engine may Run several scopes one after another.
type Engine struct {
	cfg  Config
	wake chan struct{}

	mu sync.Mutex
	// peers are other engines of this process on the same store, told of
	// this one's publications (a process's own NOTIFY does not reach it).
	peers []func(...pipeline.PartKey)
	// changed are the partitions wake-ups named since the run last looked;
	// unknown is set by a wake-up that named none (re-read everything).
	changed map[pipeline.PartKey]bool
	unknown bool
	// lateAlerted are the late partitions already alerted (once each).
	lateAlerted map[pipeline.TaskKey]bool
}

// addPeer makes e tell notify of each of its publications.
func (e *Engine) addPeer(notify func(...pipeline.PartKey)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.peers = append(e.peers, notify)
}

// tellPeers wakes the peers after a publication of pk.
func (e *Engine) tellPeers(pk pipeline.PartKey) {
	e.mu.Lock()
	peers := e.peers
	e.mu.Unlock()
	for _, notify := range peers {
		notify(pk)
	}
}

// New validates the configuration and fills in defaults.
func New(cfg Config) (*Engine, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	return &Engine{cfg: cfg, wake: make(chan struct{}, 1)}, nil
}

// Notify tells the engine that partitions may have been published by
// someone else (a load, an HTTP announcement): it re-reads the versions and
// re-plans at once instead of at the next safety-net re-check. Named
// partitions are all it re-reads; with none, it re-reads everything.
func (e *Engine) Notify(changed ...pipeline.PartKey) {
	e.mu.Lock()
	if len(changed) == 0 {
		e.unknown = true
	}
	for _, pk := range changed {
		if e.changed == nil {
			e.changed = map[pipeline.PartKey]bool{}
		}
		e.changed[pk] = true
	}
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// takeChanges returns what wake-ups named since the last call: the
// partitions, or all (true) when one named none.
func (e *Engine) takeChanges() ([]pipeline.PartKey, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	all := e.unknown
	keys := make([]pipeline.PartKey, 0, len(e.changed))
	for pk := range e.changed {
		keys = append(keys, pk)
	}
	e.changed, e.unknown = nil, false
	return keys, all
}

// Scope is the set of tasks a Run is responsible for.
type Scope struct {
	From, To pipeline.Date
	// Processors in scope (nil: all). Their upstream processors are not
	// added: callers that want them pass Graph.Upstream.
	Processors []string
	// RefreshAll recomputes stale partitions whatever their age (backfills).
	RefreshAll bool
	// Force recomputes every task in scope once, even when up to date.
	Force bool
	// Recomputed, with Force, are tasks already recomputed (by an earlier,
	// interrupted run of the same backfill): they are not forced again.
	Recomputed map[pipeline.TaskKey]bool
	// Only, when set, limits which ready tasks start (a backfill's mode);
	// the others are reported as they are.
	Only func(d dag.Decision, rec pipeline.TaskRecord, published bool) bool
	// RetryFailed runs failed and rejected tasks again even though their
	// inputs did not change.
	RetryFailed bool
	// WaitFor keeps waiting for inputs this long once only waiting tasks
	// remain; zero returns then.
	WaitFor time.Duration
	// Follow keeps the run going until ctx is cancelled (the service): the
	// dates in scope follow the calendar, every date the schedule lists,
	// so that new dates join as they are announced. From and To are
	// ignored.
	Follow bool
	// Backfill marks the run's alerts as raised by a backfill (muted
	// unless the notifier is told otherwise).
	Backfill bool
	// Explicit marks a run someone asked for (run, backfill, demo): a
	// date's completeness deadline counts from the end of the date, not
	// from when its schedule was recorded (dag.Snapshot.Explicit).
	Explicit bool
}

// recomputed is a fresh copy of Recomputed, for the run to add to.
func (sc Scope) recomputed() map[pipeline.TaskKey]bool {
	out := make(map[pipeline.TaskKey]bool, len(sc.Recomputed))
	maps.Copy(out, sc.Recomputed)
	return out
}

// Report is what a Run did and where every task in scope ended.
type Report struct {
	// Final holds the last verdict for every task in scope.
	Final []dag.Decision
	// Runs counts finished runs by outcome (published, up_to_date,
	// rejected, failed, retry).
	Runs map[string]int
	// Outcomes are the failed quality checks of each run that had any.
	Outcomes map[pipeline.TaskKey][]pipeline.Outcome
}

// Verdicts decides every task dated from..to against the current database
// without running anything, exactly as the service's engine decides them:
// the same planner over the schedule's dates (with every task a verdict
// depends on, Graph.Reach days back), the same policy, the newest played
// date of the whole schedule. This is the one verdict status, explain, the
// API and the dashboard show. Decisions are in processor (graph) order,
// then date order.
func (e *Engine) Verdicts(ctx context.Context, from, to pipeline.Date) ([]dag.Decision, map[pipeline.TaskKey]pipeline.TaskRecord, error) {
	r := newRun(e, Scope{From: from.AddDays(-e.cfg.Graph.Reach()), To: to})
	r.view = true
	if err := r.refresh(ctx); err != nil {
		return nil, nil, err
	}
	if first := r.calFrom; first > r.sc.From {
		// Before the schedule's first date the service has no tasks: what
		// is published there is read as it is.
		r.sc.From = min(first, from)
		r.prev = nil
	}
	var out []dag.Decision
	for _, d := range r.plan().Decisions {
		if d.Task.Date >= from && d.Task.Date <= to {
			out = append(out, d)
		}
	}
	return out, r.tasks, nil
}

// Explain is the verdict on one task (Verdicts) with its stored record.
func (e *Engine) Explain(ctx context.Context, key pipeline.TaskKey) (dag.Decision, pipeline.TaskRecord, error) {
	if e.cfg.Graph.Processor(key.Processor) == nil {
		return dag.Decision{}, pipeline.TaskRecord{}, fmt.Errorf("explain %s: unknown processor: %w", key.Processor, pipeline.ErrNotFound)
	}
	ds, recs, err := e.Verdicts(ctx, key.Date, key.Date)
	if err != nil {
		return dag.Decision{}, pipeline.TaskRecord{}, err
	}
	for _, d := range ds {
		if d.Task == key {
			return d, recs[key], nil
		}
	}
	return dag.Decision{}, pipeline.TaskRecord{}, fmt.Errorf("explain %s %s: %w", key.Processor, key.Date, pipeline.ErrNotFound)
}

// Plan returns the plan for a scope without running anything (dry runs).
func (e *Engine) Plan(ctx context.Context, sc Scope) (dag.Plan, error) {
	r := newRun(e, sc)
	r.view = true // plans only, and lists every startable task
	if err := r.refresh(ctx); err != nil {
		return dag.Plan{}, err
	}
	return r.plan(), nil
}

// Count returns how many tasks ended in state.
func (r Report) Count(state string) int {
	n := 0
	for _, d := range r.Final {
		if d.State == state {
			n++
		}
	}
	return n
}

// Run works on the scope until every task in it is settled or waiting (and,
// with WaitFor, until the wait runs out), or ctx is cancelled; running tasks
// then finish before Run returns, so nothing is left half-done.
func (e *Engine) Run(ctx context.Context, sc Scope) (Report, error) {
	r := newRun(e, sc)
	// Bookkeeping (verdicts, refreshes, releases) must finish even after
	// ctx is cancelled, or a stopping engine would strand its leases.
	book := context.WithoutCancel(ctx)
	stopListening := e.listen(ctx)
	defer stopListening()
	if err := r.refresh(ctx); err != nil && !r.recover(ctx, book, err) {
		return Report{}, err
	}
	waitUntil := e.cfg.Now().Add(sc.WaitFor)
	for {
		plan := r.plan()
		r.observe(plan)
		err := r.save(book, plan)
		if err == nil && ctx.Err() == nil {
			err = r.start(ctx, plan)
		}
		if err == nil {
			if len(r.running) == 0 && (ctx.Err() != nil || !r.worthWaiting(plan, waitUntil)) {
				return r.report(plan), nil
			}
			err = r.wait(ctx, book, plan, waitUntil)
		}
		if err != nil && !r.recover(ctx, book, err) {
			return r.drain(plan, err)
		}
	}
}

// recover rides out a database error in a Follow run (the service): it
// logs, waits with a growing pause and re-reads the snapshot until that
// works, or ctx ends. Other runs return the error (the command fails and
// can be run again). Running tasks keep going meanwhile; their results
// wait in the channel.
func (r *run) recover(ctx, book context.Context, err error) bool {
	if !r.sc.Follow || ctx.Err() != nil {
		return false
	}
	for pause := time.Second; ; pause = min(2*pause, 30*time.Second) {
		r.e.cfg.Logger.Warn("database error; the engine retries", "err", err, "pause", pause.String())
		select {
		case <-ctx.Done():
			return false
		case <-r.e.cfg.After(pause):
		}
		if err = r.refresh(book); err == nil {
			return true
		}
	}
}

// listener is a store that can announce publications by other processes
// (PostgreSQL's LISTEN/NOTIFY) and which partitions they changed (nil:
// unknown); it calls changed until ctx ends, then closes done.
type listener interface {
	Listen(ctx context.Context, changed func([]pipeline.PartKey)) (done <-chan struct{}, err error)
}

// listen turns the store's publication announcements into wake-ups for
// as long as a run lasts. Without them the trigger poll and the periodic
// re-check still see other processes' work.
func (e *Engine) listen(ctx context.Context) func() {
	l, ok := e.cfg.Store.(listener)
	if !ok {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done, err := l.Listen(ctx, func(changed []pipeline.PartKey) { e.Notify(changed...) })
	if err != nil {
		e.cfg.Logger.Warn("no wake-ups from other processes", "err", err)
		cancel()
		return func() {}
	}
	return func() { cancel(); <-done }
}

// drain waits for the tasks still running and records them before Run
// returns err, so that no lease is left behind.
func (r *run) drain(plan dag.Plan, err error) (Report, error) {
	for len(r.running) > 0 {
		r.apply(<-r.results)
	}
	return r.report(plan), err
}

// worthWaiting: a task another process holds will finish (or its lease
// expire) soon, or a task still waits and the caller's wait has not run out.
func (r *run) worthWaiting(plan dag.Plan, until time.Time) bool {
	if r.sc.Follow || r.contended {
		return true
	}
	waiting := false
	for _, d := range plan.Decisions {
		switch d.State {
		case pipeline.Running:
			return true
		case pipeline.Waiting, pipeline.Ready:
			waiting = true
		}
	}
	return waiting && r.e.cfg.Now().Before(until)
}

// wait blocks until a run finishes, a wake-up arrives, or time moves a
// waiting task (retry, fallback, deadline, safety-net re-check).
func (r *run) wait(ctx, book context.Context, plan dag.Plan, until time.Time) error {
	now := r.e.cfg.Now()
	// The safety-net re-check counts from the last refresh, so that an
	// idle engine, woken only by trigger polls, still re-reads everything
	// (publications by other processes that record no trigger).
	next := r.lastRefresh.Add(r.e.cfg.Recheck)
	if !plan.Wake.IsZero() && plan.Wake.Before(next) {
		next = plan.Wake
	}
	if len(r.running) == 0 && !r.sc.Follow && until.Before(next) {
		next = until
	}
	// With nothing running, look for triggers recorded by other processes
	// every TriggerPoll: one indexed query, and a refresh only when there
	// are new ones.
	poll := len(r.running) == 0 && now.Add(r.e.cfg.TriggerPoll).Before(next)
	if poll {
		next = now.Add(r.e.cfg.TriggerPoll)
	}
	timer := r.e.cfg.After(max(next.Sub(now), time.Millisecond))
	done := ctx.Done()
	if len(r.running) > 0 {
		done = nil // running tasks finish first
	}
	select {
	case res := <-r.results:
		r.apply(res)
		for {
			select {
			case res := <-r.results:
				r.apply(res)
			default:
				return r.refreshIfNeeded(book)
			}
		}
	case <-r.e.wake:
		changed, all := r.e.takeChanges()
		if all || r.dirty {
			return r.refresh(book)
		}
		return r.refreshParts(book, changed)
	case <-timer:
		if poll && !r.dirty && r.e.cfg.Now().Before(r.lastRefresh.Add(r.e.cfg.Recheck)) {
			if fresh, err := r.newTriggers(book); err != nil || !fresh {
				return err
			}
		}
		return r.refresh(book)
	case <-done:
		return nil
	}
}

// Held reports, per processor, whether its running version is held: with
// Config.Hold, a version nobody promoted (its release is held, rolled back
// or not recorded). Without Hold, none is.
func (e *Engine) Held(ctx context.Context) (map[string]bool, error) {
	held := map[string]bool{}
	if !e.cfg.Hold {
		return held, nil
	}
	rels, err := e.cfg.Store.Releases(ctx)
	if err != nil {
		return nil, fmt.Errorf("engine: read releases: %w", err)
	}
	state := map[[2]string]string{}
	for _, rel := range rels {
		state[[2]string{rel.Processor, rel.Version}] = rel.State
	}
	for _, name := range e.cfg.Graph.Order() {
		if state[[2]string{name, e.cfg.Graph.Processor(name).Version()}] != pipeline.ReleasePromoted {
			held[name] = true
		}
	}
	return held, nil
}
