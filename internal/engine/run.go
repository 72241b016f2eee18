package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
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
	// saveAll: the last save failed, so the next looks at every decision.
	saveAll bool
	// contended: a claim found the task leased by another engine; the run
	// waits to see that engine's outcome instead of ending without it.
	contended bool
	// circuitsLoaded: the stored circuits were read at the first refresh;
	// from then on this run's outcomes update them.
	circuitsLoaded bool
	// view: the run only plans (Verdicts); it reads no triggers and writes
	// nothing.
	view bool
	// calFrom..calTo span the schedule's dates and calDates lists them
	// (nil without a calendar table: every date has tasks); newest is its
	// newest date with a game played (auto-refresh counts back from it).
	calFrom, calTo, newest pipeline.Date
	calDates               []pipeline.Date
	// lastAbandon is when runs of dead processes were last looked for.
	lastAbandon time.Time
	// lastObserve is when the plan's states were last counted (observe).
	lastObserve time.Time
	// held are the processors whose running version is held.
	held map[string]bool
	// tasksRead is when task records were last read from the database.
	tasksRead time.Time
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
		forcedDone: sc.recomputed(), runs: map[string]int{}, outcomes: map[pipeline.TaskKey][]pipeline.Outcome{},
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
	if err := r.readCalendar(ctx); err != nil {
		return err
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
		// A re-stamped version keeps its number and changes its fingerprint.
		if o, ok := old[pk]; !ok || o.Version != v.Version || o.Fingerprint != v.Fingerprint {
			r.changedParts = append(r.changedParts, pk)
		}
	}
	for pk := range old {
		if _, ok := r.versions[pk]; !ok {
			r.changedParts = append(r.changedParts, pk)
		}
	}
	read := r.e.cfg.Now()
	recs, err := r.e.cfg.Store.Tasks(ctx, r.sc.From, r.sc.To)
	if err != nil {
		return fmt.Errorf("engine: read tasks: %w", err)
	}
	r.mergeTasks(recs)
	r.tasksRead = read
	if !r.view {
		if err := r.seeTriggers(ctx); err != nil {
			return err
		}
		r.abandonRuns(ctx)
	}
	// A service (Follow) re-reads circuits at every refresh; other runs
	// read them once and then keep them up to date themselves.
	if !r.circuitsLoaded || r.sc.Follow {
		if err := r.loadCircuits(ctx); err != nil {
			return err
		}
	}
	if err := r.loadHeld(ctx); err != nil {
		return err
	}
	r.dirty, r.contended, r.lastRefresh = false, false, r.e.cfg.Now()
	return nil
}

// loadHeld reads which processors' running versions are held: with
// Config.Hold, every version not promoted (statgate plan --apply). A
// change of what is held plans afresh.
func (r *run) loadHeld(ctx context.Context) error {
	held, err := r.e.Held(ctx)
	if err != nil {
		return err
	}
	if !maps.Equal(held, r.held) {
		r.held, r.prev = held, nil
	}
	return nil
}

// mergeTasks takes task records read from the database, except of the
// tasks this run is running (their records are the run's to write).
func (r *run) mergeTasks(recs []pipeline.TaskRecord) {
	for _, rec := range recs {
		if r.running[rec.Key] {
			continue
		}
		if o, ok := r.tasks[rec.Key]; !ok || o.UpdatedAt != rec.UpdatedAt || o.LeaseOwner != rec.LeaseOwner || !o.LeaseExpiresAt.Equal(rec.LeaseExpiresAt) {
			r.changedTasks = append(r.changedTasks, rec.Key)
		}
		r.tasks[rec.Key] = rec
	}
}

// clockSkew is how far behind this process's clock another process's may
// be: task records are re-read from that much before the last read.
const clockSkew = time.Minute

// refreshParts re-reads only what changed: the partitions wake-ups named
// (an announcement, another process's publication) and the task records
// written since the last read (another engine's claims, retries and
// verdicts, so that its backoffs and leases are seen), not the whole
// snapshot. A change to the schedule moves the dates with tasks, so it
// re-reads everything; so does the safety-net re-check.
func (r *run) refreshParts(ctx context.Context, changed []pipeline.PartKey) error {
	cal := r.e.cfg.Catalog.Calendar()
	for _, pk := range changed {
		if cal != nil && pk.Table == cal.Name {
			return r.refresh(ctx)
		}
	}
	from, to := r.window()
	for _, pk := range changed {
		if pk.Date < from || pk.Date > to {
			continue
		}
		vs, err := r.e.cfg.Store.Partitions(ctx, pipeline.PartitionFilter{Table: pk.Table, From: pk.Date, To: pk.Date, HasRange: true})
		if err != nil {
			return fmt.Errorf("engine: read versions: %w", err)
		}
		old, had := r.versions[pk]
		switch {
		case len(vs) == 0 && had:
			delete(r.versions, pk)
			r.changedParts = append(r.changedParts, pk)
		case len(vs) == 1 && (!had || old.Version != vs[0].Version || old.Fingerprint != vs[0].Fingerprint):
			r.versions[pk] = vs[0]
			r.changedParts = append(r.changedParts, pk)
		}
	}
	read := r.e.cfg.Now()
	recs, err := r.e.cfg.Store.TasksUpdated(ctx, r.sc.From, r.sc.To, r.tasksRead.Add(-clockSkew))
	if err != nil {
		return fmt.Errorf("engine: read tasks: %w", err)
	}
	r.mergeTasks(recs)
	r.tasksRead = read
	if r.view {
		return nil
	}
	return r.seeTriggers(ctx)
}

// abandonRuns records the runs of processes that died as abandoned, at
// most once per re-check interval: their leases have expired, so they will
// never record an outcome themselves. Failing is logged, never fatal.
func (r *run) abandonRuns(ctx context.Context) {
	now := r.e.cfg.Now()
	if now.Sub(r.lastAbandon) < r.e.cfg.Recheck {
		return
	}
	r.lastAbandon = now
	n, err := r.e.cfg.Store.AbandonRuns(ctx, now)
	if err != nil {
		r.e.cfg.Logger.Warn("abandon runs of dead processes", "err", err)
		return
	}
	if n > 0 {
		r.e.cfg.Logger.Info("runs of dead processes recorded as abandoned", "runs", n)
	}
}

// readCalendar reads the schedule's dates: the only dates with tasks, and
// their span (a Follow scope follows it, so that new dates join), and the
// newest date with a game played, from which auto-refresh counts back. A
// date that cannot be a real game date (SPEC §3), recorded before loads
// refused it, is not one of them: it would make every day up to it a date
// to work on.
func (r *run) readCalendar(ctx context.Context) error {
	was, wasDates := r.newest, r.calDates
	r.calFrom, r.calTo, r.newest, r.calDates = 1, 0, 0, nil
	if r.e.cfg.Catalog.Calendar() != nil {
		vs, err := r.e.Calendar(ctx)
		if err != nil {
			return err
		}
		r.calDates = make([]pipeline.Date, len(vs))
		for i, v := range vs {
			r.calDates[i] = v.Date
		}
		if len(vs) > 0 {
			r.calFrom, r.calTo = vs[0].Date, vs[len(vs)-1].Date
		}
		r.newest = newestPlayed(vs)
	}
	if r.newest != was || !slices.Equal(r.calDates, wasDates) {
		// Which dates have tasks, or which of them auto-refresh covers,
		// has moved: plan afresh.
		r.prev = nil
	}
	if r.sc.Follow && (r.calFrom != r.sc.From || r.calTo != r.sc.To) {
		r.sc.From, r.sc.To, r.prev = r.calFrom, r.calTo, nil
	}
	return nil
}

// newestPlayed is the newest date of the calendar's partitions with a game
// played (final), not the last date of a schedule announced in advance;
// 0 when no game was played yet.
func newestPlayed(calendar []pipeline.PartitionVersion) pipeline.Date {
	var newest pipeline.Date
	for _, v := range calendar {
		if v.Date > newest && v.Coverage != nil && len(v.Coverage.Games) > len(v.Coverage.NotFinal) {
			newest = v.Date
		}
	}
	return newest
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
	// Auto-refresh counts back from the newest date with a game played,
	// not the end of a schedule announced in advance; without one, from
	// the end of the scope.
	newest := r.newest
	if newest == 0 {
		newest = r.sc.To
	}
	return dag.Snapshot{
		Now: r.e.cfg.Now(), From: r.sc.From, To: r.sc.To, Processors: r.sc.Processors, Dates: r.calDates,
		Versions: r.versions, Tasks: r.tasks, OpenCircuits: open, Newest: newest,
		RefreshAll: r.sc.RefreshAll, RetryFailed: r.sc.RetryFailed, Force: r.sc.Force, ForcedDone: r.forcedDone,
		Explicit: r.sc.Explicit, Prev: r.prev, ChangedParts: r.changedParts, ChangedTasks: r.changedTasks,
		Only: r.sc.Only, StartLimit: r.startLimit(), Held: r.held,
	}
}

// startLimit is how many startable tasks a plan lists: enough to fill
// every worker past tasks another limit holds back; a view lists all.
func (r *run) startLimit() int {
	if r.view {
		return 0
	}
	return 4*r.e.cfg.Workers + 16
}

func (r *run) plan() dag.Plan {
	plan := r.e.cfg.Graph.Decide(r.snapshot(), r.e.cfg.Policy)
	r.prev, r.changedParts, r.changedTasks = &plan, nil, nil
	// Tasks this process runs are running, whatever the snapshot says.
	for key := range r.running {
		if i := plan.Index(key); i >= 0 {
			d := &plan.Decisions[i]
			if d.Start {
				plan.Startable--
			}
			d.State, d.Reason, d.Start = pipeline.Running, "running here", false
		}
	}
	return plan
}

// save writes verdicts that changed, so that status and explain (and other
// processes) see why each task is where it is.
//
// Only the decisions the plan made afresh can have changed; after a failed
// write every decision is looked at again.
func (r *run) save(ctx context.Context, plan dag.Plan) error {
	var recs []pipeline.TaskRecord
	now := r.e.cfg.Now()
	positions := plan.Decided
	if positions == nil || r.saveAll {
		positions = make([]int, len(plan.Decisions))
		for i := range positions {
			positions[i] = i
		}
	}
	for _, i := range positions {
		d := &plan.Decisions[i]
		// Running is the claim's to record; ready lasts only until a
		// worker is free, so writing it would cost a transaction a task,
		// except over a record still saying running when its lease has
		// expired (its process died). Only a change of state is written:
		// a waiting task's reason changes with every input that publishes,
		// and explain plans live.
		v := verdict{d.State, d.Reason}
		rec := r.tasks[d.Task]
		expired := rec.State == pipeline.Running && !rec.Leased(now) && !r.running[d.Task] && d.State != pipeline.Running
		if !expired && (d.State == pipeline.Running || d.State == pipeline.Ready || r.saved[d.Task].state == d.State) {
			continue
		}
		if rec.State == d.State {
			r.saved[d.Task] = v
			continue
		}
		rec.Key, rec.State, rec.Reason, rec.Code = d.Task, d.State, d.Reason, string(d.Code)
		recs = append(recs, rec)
	}
	r.saveAll = false
	if len(recs) == 0 {
		return nil
	}
	if err := r.e.cfg.Store.SaveTasks(ctx, recs, now); err != nil {
		r.saveAll = true
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
	// A task became ready when it was last decided startable; only the
	// decisions this plan made afresh can have become so.
	now := r.e.cfg.Now()
	if plan.Decided == nil {
		for _, key := range plan.Start {
			if _, seen := r.readySince[key]; !seen {
				r.readySince[key] = now
			}
		}
	}
	for _, i := range plan.Decided {
		if d := &plan.Decisions[i]; d.Start {
			if _, seen := r.readySince[d.Task]; !seen {
				r.readySince[d.Task] = now
			}
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
// The lease is renewed while the task runs.
func (r *run) execute(ctx context.Context, dec dag.Decision, rec pipeline.TaskRecord, runID int64, forced bool) {
	start := time.Now()
	stop := r.renew(dec.Task)
	proc := r.e.cfg.Graph.Processor(dec.Task.Processor)
	base := dec.Base
	opt := publish.Options{Force: forced, Fallback: dec.Fallback, Planned: dec.Inputs, Base: &base,
		Release: &pipeline.TaskRelease{Record: pipeline.TaskRecord{Key: dec.Task}, Owner: r.e.cfg.Owner, RunID: runID, At: r.e.cfg.Now()}}
	if dec.Partial {
		opt.Missing = dec.Missing
	}
	res, err := r.e.cfg.Executor.Execute(context.WithoutCancel(ctx), proc, dec.Task.Date, opt)
	stop()
	r.results <- result{dec: dec, rec: rec, runID: runID, res: res, err: err, took: time.Since(start), forced: forced}
}

// renew extends the task's lease every third of its time to live until
// the returned function is called, so that a task slower than the lease
// (a warehouse query may take minutes) is not taken over while it runs.
// A lost lease stops the renewal; the publication then fails its check.
func (r *run) renew(key pipeline.TaskKey) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-quit:
				return
			case <-r.e.cfg.After(r.e.cfg.LeaseTTL / 3):
			}
			now := r.e.cfg.Now()
			err := r.e.cfg.Store.RenewLease(context.Background(), key, r.e.cfg.Owner, now, now.Add(r.e.cfg.LeaseTTL))
			if errors.Is(err, pipeline.ErrConflict) {
				r.e.cfg.Logger.Warn("lease lost while running", "processor", key.Processor, "game_date", key.Date.String())
				return
			}
			if err != nil {
				r.e.cfg.Logger.Warn("renew lease", "processor", key.Processor, "game_date", key.Date.String(), "err", err)
			}
		}
	}()
	return func() { close(quit); <-done }
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
