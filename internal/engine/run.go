package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
)

// run is the state of one Run; only its loop goroutine touches it.
type run struct {
	e          *Engine
	sc         Scope
	versions   map[pipeline.PartKey]pipeline.PartitionVersion
	tasks      map[pipeline.TaskKey]pipeline.TaskRecord
	saved      map[pipeline.TaskKey]verdict // state and reason last written
	running    map[pipeline.TaskKey]bool
	perProc    map[string]int
	readySince map[pipeline.TaskKey]time.Time
	circuits   map[string]*circuit
	results    chan result
	// forcedDone are the tasks a Force run has run (each runs once).
	forcedDone map[pipeline.TaskKey]bool
	lastTrig   int64
	// lastRefresh is when the snapshot was last re-read in full.
	lastRefresh time.Time
	dirty       bool // an outcome disagreed with the snapshot: re-read it
	// contended: a claim found the task leased by another engine; the run
	// waits to see that engine's outcome instead of ending without it.
	contended bool
	// circuitsLoaded: the stored circuits were read at the first refresh;
	// from then on this run's outcomes update them.
	circuitsLoaded bool
	// prev is the last plan; changedParts and changedTasks what moved since,
	// so the next plan re-decides only what they affect.
	prev         *dag.Plan
	changedParts []pipeline.PartKey
	changedTasks []pipeline.TaskKey
	runs         map[string]int
	outcomes     map[pipeline.TaskKey][]pipeline.Outcome
}

type circuit struct {
	failures int
	openTill time.Time
}

// result is a finished run, handed from its worker to the loop.
type result struct {
	dec   dag.Decision
	rec   pipeline.TaskRecord
	runID int64
	res   publish.Result
	err   error
	took  time.Duration
	// forced: the run was a Force run's recomputation.
	forced bool
}

func newRun(e *Engine, sc Scope) *run {
	return &run{
		e: e, sc: sc, tasks: map[pipeline.TaskKey]pipeline.TaskRecord{}, saved: map[pipeline.TaskKey]verdict{},
		running: map[pipeline.TaskKey]bool{}, perProc: map[string]int{}, readySince: map[pipeline.TaskKey]time.Time{},
		circuits: map[string]*circuit{}, results: make(chan result, e.cfg.Workers),
		forcedDone: map[pipeline.TaskKey]bool{}, runs: map[string]int{}, outcomes: map[pipeline.TaskKey][]pipeline.Outcome{},
	}
}

// window is the span of dates whose partitions the scope's tasks may read.
func (r *run) window() (pipeline.Date, pipeline.Date) {
	from, to := r.sc.From, r.sc.To
	for _, name := range r.e.cfg.Graph.Order() {
		for _, in := range r.e.cfg.Graph.Processor(name).Inputs() {
			from = min(from, r.sc.From.AddDays(in.Window.From))
			to = max(to, r.sc.To.AddDays(in.Window.To))
		}
	}
	return from, to
}

// refresh re-reads partition versions and task records from the database:
// at start, on a wake-up and at the safety-net re-check.
func (r *run) refresh(ctx context.Context) error {
	if r.sc.Follow {
		if err := r.follow(ctx); err != nil {
			return err
		}
	}
	from, to := r.window()
	vs, err := r.e.cfg.Store.Partitions(ctx, pipeline.PartitionFilter{From: from, To: to, HasRange: true})
	if err != nil {
		return fmt.Errorf("engine: read versions: %w", err)
	}
	old := r.versions
	r.versions = make(map[pipeline.PartKey]pipeline.PartitionVersion, len(vs))
	for _, v := range vs {
		pk := pipeline.PartKey{Table: v.Table, Date: v.Date}
		r.versions[pk] = v
		if o, ok := old[pk]; !ok || o.Version != v.Version {
			r.changedParts = append(r.changedParts, pk)
		}
	}
	for pk := range old {
		if _, ok := r.versions[pk]; !ok {
			r.changedParts = append(r.changedParts, pk)
		}
	}
	recs, err := r.e.cfg.Store.Tasks(ctx, r.sc.From, r.sc.To)
	if err != nil {
		return fmt.Errorf("engine: read tasks: %w", err)
	}
	for _, rec := range recs {
		if r.running[rec.Key] {
			continue
		}
		if o, ok := r.tasks[rec.Key]; !ok || o.UpdatedAt != rec.UpdatedAt || o.LeaseOwner != rec.LeaseOwner {
			r.changedTasks = append(r.changedTasks, rec.Key)
		}
		r.tasks[rec.Key] = rec
	}
	if err := r.seeTriggers(ctx); err != nil {
		return err
	}
	// A service (Follow) re-reads circuits at every refresh; other runs
	// read them once and then keep them up to date themselves.
	if !r.circuitsLoaded || r.sc.Follow {
		if err := r.loadCircuits(ctx); err != nil {
			return err
		}
	}
	r.dirty, r.contended, r.lastRefresh = false, false, r.e.cfg.Now()
	return nil
}

// follow sets a Follow scope to the calendar's dates. Without a calendar
// yet, the scope is empty.
func (r *run) follow(ctx context.Context) error {
	from, to := pipeline.Date(1), pipeline.Date(0)
	if cal := r.e.cfg.Catalog.Calendar(); cal != nil {
		vs, err := r.e.cfg.Store.Partitions(ctx, pipeline.PartitionFilter{Table: cal.Name})
		if err != nil {
			return fmt.Errorf("engine: read calendar: %w", err)
		}
		if len(vs) > 0 {
			from, to = vs[0].Date, vs[len(vs)-1].Date
		}
	}
	if from != r.sc.From || to != r.sc.To {
		r.sc.From, r.sc.To, r.prev = from, to, nil
	}
	return nil
}

// seeTriggers advances past the triggers recorded so far and reports
// whether there were new ones.
func (r *run) seeTriggers(ctx context.Context) error {
	_, err := r.newTriggers(ctx)
	return err
}

func (r *run) newTriggers(ctx context.Context) (bool, error) {
	seen := false
	for {
		trig, err := r.e.cfg.Store.Triggers(ctx, r.lastTrig, 1000)
		if err != nil {
			return false, fmt.Errorf("engine: read triggers: %w", err)
		}
		if len(trig) == 0 {
			return seen, nil
		}
		r.lastTrig, seen = trig[len(trig)-1].ID, true
	}
}

// refreshIfNeeded re-reads the snapshot after an outcome showed it stale.
// Publications by others arrive through Notify and the safety-net re-check.
func (r *run) refreshIfNeeded(ctx context.Context) error {
	if !r.dirty {
		return nil
	}
	return r.refresh(ctx)
}

func (r *run) snapshot() dag.Snapshot {
	open := map[string]time.Time{}
	for name, c := range r.circuits {
		if !c.openTill.IsZero() {
			open[name] = c.openTill
		}
	}
	newest := r.sc.To
	if cal := r.e.cfg.Catalog.Calendar(); cal != nil {
		newest = newestPlayed(cal.Name, r.versions, r.sc.To)
	}
	return dag.Snapshot{
		Now: r.e.cfg.Now(), From: r.sc.From, To: r.sc.To, Processors: r.sc.Processors,
		Versions: r.versions, Tasks: r.tasks, OpenCircuits: open, Newest: newest,
		RefreshAll: r.sc.RefreshAll, RetryFailed: r.sc.RetryFailed, Force: r.sc.Force, ForcedDone: r.forcedDone,
		Prev: r.prev, ChangedParts: r.changedParts, ChangedTasks: r.changedTasks,
	}
}

// newestPlayed is the newest calendar date with a game played (final),
// not the last date of a schedule announced in advance: auto-refresh
// counts back from where the season is. Without one, it is fallback.
func newestPlayed(calendar string, versions map[pipeline.PartKey]pipeline.PartitionVersion, fallback pipeline.Date) pipeline.Date {
	var newest pipeline.Date
	for k, v := range versions {
		if k.Table == calendar && k.Date > newest && v.Coverage != nil && len(v.Coverage.Games) > len(v.Coverage.NotFinal) {
			newest = k.Date
		}
	}
	if newest == 0 {
		return fallback
	}
	return newest
}

func (r *run) plan() dag.Plan {
	plan := r.e.cfg.Graph.Decide(r.snapshot(), r.e.cfg.Policy)
	r.prev, r.changedParts, r.changedTasks = &plan, nil, nil
	// Tasks this process runs are running, whatever the snapshot says.
	for key := range r.running {
		if i := plan.Index(key); i >= 0 {
			d := &plan.Decisions[i]
			d.State, d.Reason, d.Start = pipeline.Running, "running here", false
		}
	}
	return plan
}

// filter applies the scope's Only: tasks it excludes do not start.
func (r *run) filter(plan dag.Plan) dag.Plan {
	if r.sc.Only == nil {
		return plan
	}
	var start []pipeline.TaskKey
	for i := range plan.Decisions {
		d := &plan.Decisions[i]
		if !d.Start {
			continue
		}
		_, published := r.versions[pipeline.PartKey{Table: r.e.cfg.Graph.Processor(d.Task.Processor).Output().Name, Date: d.Task.Date}]
		if r.sc.Only(*d, r.tasks[d.Task], published) {
			start = append(start, d.Task)
		} else {
			d.Start = false
		}
	}
	kept := make(map[pipeline.TaskKey]bool, len(start))
	for _, k := range start {
		kept[k] = true
	}
	plan.Start = slices.DeleteFunc(plan.Start, func(k pipeline.TaskKey) bool { return !kept[k] })
	return plan
}

// save writes verdicts that changed, so that status and explain (and other
// processes) see why each task is where it is.
func (r *run) save(ctx context.Context, plan dag.Plan) error {
	var recs []pipeline.TaskRecord
	for _, d := range plan.Decisions {
		// Running is the claim's to record; ready lasts only until a
		// worker is free, so writing it would cost a transaction a task.
		// Only a change of state is written: a waiting task's reason
		// changes with every input that publishes, and explain plans live.
		v := verdict{d.State, d.Reason}
		if d.State == pipeline.Running || d.State == pipeline.Ready || r.saved[d.Task].state == d.State {
			continue
		}
		rec := r.tasks[d.Task]
		if rec.State == d.State {
			r.saved[d.Task] = v
			continue
		}
		rec.Key, rec.State, rec.Reason = d.Task, d.State, d.Reason
		recs = append(recs, rec)
	}
	if len(recs) == 0 {
		return nil
	}
	if err := r.e.cfg.Store.SaveTasks(ctx, recs, r.e.cfg.Now()); err != nil {
		return err
	}
	for _, rec := range recs {
		r.tasks[rec.Key] = rec
		r.saved[rec.Key] = verdict{rec.State, rec.Reason}
	}
	return nil
}

// verdict is what save last wrote for a task.
type verdict struct{ state, reason string }

// start claims and launches ready tasks within the concurrency limits.
func (r *run) start(ctx context.Context, plan dag.Plan) error {
	now := r.e.cfg.Now()
	for _, key := range plan.Start {
		if _, seen := r.readySince[key]; !seen {
			r.readySince[key] = now
		}
	}
	for _, key := range plan.Start {
		if len(r.running) >= r.e.cfg.Workers {
			return nil
		}
		if r.running[key] || r.perProc[key.Processor] >= r.limit(key.Processor) {
			continue
		}
		if ctx.Err() != nil {
			return nil // stopping: claim nothing more
		}
		// The claim and the run record use a context that cannot be
		// cancelled half-way: a claim that committed must be known here,
		// or its lease would be stranded.
		book := context.WithoutCancel(ctx)
		now := r.e.cfg.Now()
		// A forced task runs once per Run.
		forced := r.sc.Force && !r.forcedDone[key]
		rec, runID, err := r.e.cfg.Store.ClaimTask(book, key, r.e.cfg.Owner, now, now.Add(r.e.cfg.LeaseTTL))
		if errors.Is(err, pipeline.ErrConflict) {
			// Another engine runs it; its publication will wake us (or
			// the re-read will show its lease).
			r.contended, r.dirty = true, true
			continue
		}
		if err != nil {
			return err
		}
		r.running[key] = true
		r.perProc[key.Processor]++
		r.tasks[key] = rec
		r.changedTasks = append(r.changedTasks, key)
		waited := now.Sub(r.readySince[key])
		delete(r.readySince, key)
		r.emit(Event{Task: key, State: pipeline.Running, WaitedFor: waited})
		r.e.cfg.Logger.Info("task start", "processor", key.Processor, "game_date", key.Date.String(), "attempt", rec.Attempts)
		go r.execute(ctx, plan.Decisions[plan.Index(key)], rec, runID, forced)
	}
	return nil
}

func (r *run) limit(proc string) int {
	if n, ok := r.e.cfg.PerProcessor[proc]; ok && n > 0 {
		return n
	}
	return r.e.cfg.Workers
}

// execute runs on a worker goroutine. The task is given a context that is
// not cancelled with the loop's, so a task that started finishes (its
// publication is one transaction either way) and the lease is released.
func (r *run) execute(ctx context.Context, dec dag.Decision, rec pipeline.TaskRecord, runID int64, forced bool) {
	start := time.Now()
	proc := r.e.cfg.Graph.Processor(dec.Task.Processor)
	opt := publish.Options{Force: forced, Fallback: dec.Fallback, Planned: dec.Inputs,
		Release: &pipeline.TaskRelease{Record: pipeline.TaskRecord{Key: dec.Task}, Owner: r.e.cfg.Owner, RunID: runID, At: r.e.cfg.Now()}}
	if dec.Partial {
		opt.Missing = dec.Missing
	}
	res, err := r.e.cfg.Executor.Execute(context.WithoutCancel(ctx), proc, dec.Task.Date, opt)
	r.results <- result{dec: dec, rec: rec, runID: runID, res: res, err: err, took: time.Since(start), forced: forced}
}

func (r *run) emit(ev Event) {
	if r.e.cfg.Events != nil {
		r.e.cfg.Events(ev)
	}
}

// describeFailures names the critical checks that rejected a run.
func describeFailures(outs []pipeline.Outcome) string {
	var parts []string
	for _, o := range outs {
		if o.Severity == pipeline.Critical {
			parts = append(parts, fmt.Sprintf("%s %s: observed %s, expected %s", o.Check, o.Subject, o.Observed, o.Expected))
		}
	}
	if len(parts) > 3 {
		parts = append(parts[:3], fmt.Sprintf("and %d more", len(parts)-3))
	}
	return "critical check failed: " + strings.Join(parts, "; ")
}
