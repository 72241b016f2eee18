package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/pipeline"
)

// backfillModes say which ready tasks a backfill starts.
var backfillModes = map[string]func(d dag.Decision, rec pipeline.TaskRecord, published bool) bool{
	// missing: partitions never published.
	"missing": func(_ dag.Decision, _ pipeline.TaskRecord, published bool) bool { return !published },
	// failed: tasks that failed or were rejected are tried again.
	"failed": func(_ dag.Decision, rec pipeline.TaskRecord, _ bool) bool {
		return rec.State == pipeline.Failed || rec.State == pipeline.Rejected
	},
	// stale: every partition that is missing or out of date.
	"stale": func(dag.Decision, pipeline.TaskRecord, bool) bool { return true },
	// all: every task recomputed, even if up to date.
	"all": func(dag.Decision, pipeline.TaskRecord, bool) bool { return true },
}

// BackfillModes lists the backfill modes, default first.
var BackfillModes = []string{"stale", "missing", "failed", "all"}

// BackfillRequest asks for a range of dates to be computed again.
type BackfillRequest struct {
	From, To pipeline.Date
	// Processors to backfill (nil: all); their upstream processors join.
	Processors []string
	// Mode is one of BackfillModes ("" is stale).
	Mode string
	// MaxDays bounds the range (0: no bound).
	MaxDays int
}

// BackfillScope checks a request and returns the scope that runs it:
// earlier dates first, stale partitions recomputed whatever their age.
// Unknown processors or modes, reversed or over-long ranges fail with
// ErrInvalid, naming what is allowed.
func (e *Engine) BackfillScope(req BackfillRequest) (Scope, error) {
	g := e.cfg.Graph
	if req.Mode == "" {
		req.Mode = BackfillModes[0]
	}
	only, ok := backfillModes[req.Mode]
	if !ok {
		return Scope{}, &pipeline.InvalidField{Field: "mode", Reason: fmt.Sprintf("%q: want one of %s", req.Mode, strings.Join(BackfillModes, ", "))}
	}
	if req.To < req.From {
		return Scope{}, &pipeline.InvalidField{Field: "end_date", Reason: fmt.Sprintf("%s is before the start date %s", req.To, req.From)}
	}
	if days := int(req.To-req.From) + 1; req.MaxDays > 0 && days > req.MaxDays {
		return Scope{}, &pipeline.InvalidField{Field: "end_date", Reason: fmt.Sprintf("%d days from %s to %s; at most %d at once", days, req.From, req.To, req.MaxDays)}
	}
	var unknown []string
	for _, n := range req.Processors {
		if g.Processor(n) == nil {
			unknown = append(unknown, fmt.Sprintf("%q", n))
		}
	}
	if len(unknown) > 0 {
		return Scope{}, &pipeline.InvalidField{Field: "processors", Reason: fmt.Sprintf("unknown %s (processors: %s)",
			strings.Join(unknown, ", "), strings.Join(g.Order(), ", "))}
	}
	names := req.Processors
	if len(names) == 0 {
		names = g.Order()
	}
	return Scope{From: req.From, To: req.To, Processors: g.Upstream(names...), RefreshAll: true,
		Force: req.Mode == "all", RetryFailed: req.Mode == "failed", Only: only, Backfill: true, Explicit: true}, nil
}

// with returns an engine with the same settings, its own lease owner (so
// that it and e never both believe they hold a task), its own event sink
// (a backfill counts its own runs), no plan observer, and e as a peer
// told of its publications.
func (e *Engine) with(owner string, events func(Event)) *Engine {
	cfg := e.cfg
	cfg.Owner = e.cfg.Owner + "/" + owner
	base := cfg.Events
	cfg.Events = func(ev Event) {
		if base != nil {
			base(ev)
		}
		events(ev)
	}
	cfg.Observe = nil
	child := &Engine{cfg: cfg, wake: make(chan struct{}, 1)}
	child.addPeer(e.Notify)
	return child
}

// Backfiller runs the backfills requested over the API one after another,
// keeping each in the database so that a restarted service resumes those
// that had not finished.
type Backfiller struct {
	e       *Engine
	maxDays int
	queue   chan int64

	mu sync.Mutex
	// live are the backfills running in this process: their progress and
	// their engines, told of announcements.
	live map[int64]*running
}

// running is a backfill running in this process.
type running struct {
	progress *Progress
	engine   *Engine
}

// Progress is a running backfill's progress in this process.
type Progress struct {
	// Started counts runs started; Finished runs finished, by outcome.
	Started  int            `json:"runs_started"`
	Finished map[string]int `json:"runs_finished"`
}

// NewBackfiller returns a backfiller on e; ranges longer than maxDays are
// refused (0: no bound).
func NewBackfiller(e *Engine, maxDays int) *Backfiller {
	b := &Backfiller{e: e, maxDays: maxDays, queue: make(chan int64, 1024),
		live: map[int64]*running{}}
	// Running backfills hear of e's publications, and e of theirs.
	e.addPeer(b.Notify)
	return b
}

// Submit checks and records a backfill; Run starts it when those before it
// have finished.
func (b *Backfiller) Submit(ctx context.Context, req BackfillRequest) (pipeline.Backfill, error) {
	req.MaxDays = b.maxDays
	if req.Mode == "" {
		req.Mode = BackfillModes[0]
	}
	if _, err := b.e.BackfillScope(req); err != nil {
		return pipeline.Backfill{}, err
	}
	rec, err := b.e.cfg.Store.CreateBackfill(ctx, pipeline.Backfill{From: req.From, To: req.To,
		Processors: req.Processors, Mode: req.Mode, State: pipeline.BackfillQueued}, b.e.cfg.Now())
	if err != nil {
		return rec, err
	}
	select {
	case b.queue <- rec.ID:
	default:
		// The queue is full; the backfill is recorded and Run finds it
		// when it next reads the unfinished ones.
	}
	return rec, nil
}

// Progress returns the progress of a backfill running in this process.
func (b *Backfiller) Progress(id int64) (Progress, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.live[id]
	if !ok {
		return Progress{}, false
	}
	p := r.progress
	return Progress{Started: p.Started, Finished: maps.Clone(p.Finished)}, true
}

// Notify passes a wake-up on to running backfills (see Engine.Notify).
func (b *Backfiller) Notify(changed ...pipeline.PartKey) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.live {
		r.engine.Notify(changed...)
	}
}

// Run resumes the backfills left unfinished, then runs each submitted one
// in turn until ctx is cancelled. A backfill interrupted by cancellation
// stays running in the database (its tasks drained, nothing half-written)
// and is resumed by the next Run.
func (b *Backfiller) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		pending, err := b.e.cfg.Store.Backfills(ctx, true)
		if err != nil {
			// The database may be back in a moment; the service stays up.
			b.e.cfg.Logger.Warn("read backfills; retrying", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-b.e.cfg.After(5 * time.Second):
			}
			continue
		}
		slices.Reverse(pending) // oldest first
		for _, rec := range pending {
			if ctx.Err() != nil {
				return nil
			}
			b.runOne(ctx, rec)
		}
		// Drain ids already handled; wait for a new one.
		select {
		case <-b.queue:
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

func (b *Backfiller) runOne(ctx context.Context, rec pipeline.Backfill) {
	log := b.e.cfg.Logger.With("backfill", rec.ID)
	book := context.WithoutCancel(ctx)
	sc, err := b.e.BackfillScope(BackfillRequest{From: rec.From, To: rec.To, Processors: rec.Processors, Mode: rec.Mode})
	if err != nil {
		rec.State, rec.Error = pipeline.BackfillFailed, err.Error()
		b.save(book, rec)
		return
	}
	prog := &Progress{Finished: map[string]int{}}
	e := b.e.with(fmt.Sprintf("backfill-%d", rec.ID), func(ev Event) {
		b.mu.Lock()
		defer b.mu.Unlock()
		if ev.State == pipeline.Running {
			prog.Started++
		} else {
			prog.Finished[ev.State]++
		}
	})
	b.mu.Lock()
	b.live[rec.ID] = &running{progress: prog, engine: e}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.live, rec.ID)
		b.mu.Unlock()
	}()
	if plan, err := e.Plan(ctx, sc); err == nil {
		rec.Tasks = countStates(plan.Decisions)
	}
	rec.State = pipeline.BackfillRunning
	b.save(book, rec)
	log.Info("backfill start", "from", rec.From.String(), "to", rec.To.String(), "mode", rec.Mode)
	rep, err := e.Run(ctx, sc)
	rec.Tasks, rec.Runs = countStates(rep.Final), rep.Runs
	switch {
	case ctx.Err() != nil:
		log.Info("backfill interrupted; resumes at the next start", "runs", rep.Runs)
		b.save(book, rec)
		return
	case err != nil:
		rec.State, rec.Error = pipeline.BackfillFailed, err.Error()
	default:
		rec.State = pipeline.BackfillDone
	}
	b.save(book, rec)
	log.Info("backfill finish", "state", rec.State, "tasks_by_state", rec.Tasks, "runs", rep.Runs)
}

func (b *Backfiller) save(ctx context.Context, rec pipeline.Backfill) {
	if err := b.e.cfg.Store.SaveBackfill(ctx, rec, b.e.cfg.Now()); err != nil {
		b.e.cfg.Logger.Warn("save backfill", "backfill", rec.ID, "err", err)
	}
}

func countStates(ds []dag.Decision) map[string]int {
	out := map[string]int{}
	for _, d := range ds {
		out[d.State]++
	}
	return out
}

// ScheduledDates counts the dates of from..to that the schedule (the
// catalog's calendar table) lists: the dates a backfill of the range works
// on (SPEC §3). A range in which it lists none is ErrInvalid, naming the
// range. Without a calendar table every date counts.
func (e *Engine) ScheduledDates(ctx context.Context, from, to pipeline.Date) (int, error) {
	cal := e.cfg.Catalog.Calendar()
	if cal == nil {
		return int(to-from) + 1, nil
	}
	parts, err := e.calendar(ctx, pipeline.PartitionFilter{From: from, To: to, HasRange: true})
	if err != nil {
		return 0, err
	}
	if len(parts) == 0 {
		return 0, fmt.Errorf("%w: %s to %s: the schedule lists no dates in it (no %s partition); a backfill covers only the dates the schedule lists",
			pipeline.ErrInvalid, from, to, cal.Name)
	}
	return len(parts), nil
}

// Calendar lists the schedule's partitions (the catalog's calendar
// table), in date order: the dates the engine works on. A date that cannot
// be a real game date (SPEC §3), recorded before loads refused it, is left
// out. Without a calendar table it is empty.
func (e *Engine) Calendar(ctx context.Context) ([]pipeline.PartitionVersion, error) {
	return e.calendar(ctx, pipeline.PartitionFilter{})
}

func (e *Engine) calendar(ctx context.Context, f pipeline.PartitionFilter) ([]pipeline.PartitionVersion, error) {
	cal := e.cfg.Catalog.Calendar()
	if cal == nil {
		return nil, nil
	}
	f.Table = cal.Name
	vs, err := e.cfg.Store.Partitions(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("engine: read the schedule's dates: %w", err)
	}
	return pipeline.GameDays(vs, pipeline.DateOf(e.cfg.Now().UTC())), nil
}
