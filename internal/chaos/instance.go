package chaos

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
)

// The engines' settings in a scenario, on its clock. Leases are short, so
// that a killed instance's tasks move on within the scenario.
const (
	leaseTTL    = 30 * time.Second
	recheck     = time.Minute
	triggerPoll = 5 * time.Second
)

// policy is the service's default policy: the deadlines and fallback
// delays a scenario's clock runs past.
var policy = dag.DefaultPolicy()

// instance is one statgate process: its own database handle, engine and
// lease owner, its faults, and a way to die.
type instance struct {
	name   string
	store  *faultyStore
	engine *engine.Engine
	close  func()
	killed atomic.Bool
	cancel context.CancelFunc
	done   chan struct{}
}

// watch collects what every instance's engine reports: runs in flight,
// and any verdict or outcome that valid data must never produce.
type watch struct {
	mu       sync.Mutex
	inFlight int
	bad      []string // rejected, failed or blocked, as seen
	runs     int
}

func (w *watch) event(inst string) func(engine.Event) {
	return func(ev engine.Event) {
		w.mu.Lock()
		defer w.mu.Unlock()
		if ev.State == pipeline.Running {
			w.inFlight++
			w.runs++
			return
		}
		w.inFlight--
		if ev.State == pipeline.Rejected || ev.State == pipeline.Failed {
			w.bad = append(w.bad, fmt.Sprintf("%s: %s %s %s: %s", inst, ev.Task.Processor, ev.Task.Date, ev.State, ev.Reason))
		}
	}
}

func (w *watch) observe(inst string) func(engine.Stats) {
	return func(st engine.Stats) {
		if n := st.ByState[pipeline.Blocked]; n > 0 {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.bad = append(w.bad, fmt.Sprintf("%s: %d tasks blocked", inst, n))
		}
	}
}

func (w *watch) busy() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.inFlight
}

// startInstance opens a handle on the scenario's database and runs an
// engine following the schedule on it, until killed or stopped.
func (r *runner) startInstance(ctx context.Context, k, generation int) (*instance, error) {
	s, closeStore, err := r.db.open(ctx, r.clock.Now)
	if err != nil {
		return nil, err
	}
	inst := &instance{name: fmt.Sprintf("i%d.%d", k, generation), close: closeStore, done: make(chan struct{})}
	d := newDice(r.sc.Seed*131 + uint64(k)*17 + uint64(generation))
	inst.store = &faultyStore{Store: s, f: r.sc.Faults, dice: d, killed: &inst.killed, calm: &r.calm, log: r.fault, name: inst.name}
	var procs []pipeline.Processor
	for _, p := range nba.Processors() {
		procs = append(procs, faultyProcessor{Processor: p, f: r.sc.Faults, dice: d, clock: r.clock, log: r.fault, name: inst.name})
	}
	g, err := dag.Build(nba.Catalog, procs)
	if err != nil {
		closeStore()
		return nil, err
	}
	inst.engine, err = engine.New(engine.Config{
		Store: inst.store, Catalog: nba.Catalog, Graph: g, Policy: policy, Workers: 2,
		Executor: &publish.Executor{Store: inst.store, Catalog: nba.Catalog, BuildRevision: "chaos", Cache: publish.NewCache(50_000), Now: r.clock.Now},
		Retry:    engine.Retry{Base: time.Second, Factor: 2, Cap: time.Minute, MaxAttempts: 8},
		LeaseTTL: leaseTTL, Recheck: recheck, TriggerPoll: triggerPoll, CircuitCooldown: time.Minute,
		Owner: inst.name, Now: r.clock.Now, After: r.clock.After, Logger: slog.New(slog.DiscardHandler),
		Events: r.watch.event(inst.name), Observe: r.watch.observe(inst.name),
	})
	if err != nil {
		closeStore()
		return nil, err
	}
	ctx, inst.cancel = context.WithCancel(ctx)
	go func() {
		defer close(inst.done)
		if _, err := inst.engine.Run(ctx, engine.Scope{Follow: true}); err != nil && ctx.Err() == nil {
			r.logf("%s: engine stopped: %v", inst.name, err)
		}
	}()
	r.logf("%s: started", inst.name)
	return inst, nil
}

// kill stops the instance as SIGKILL does: from now on nothing it has not
// committed is committed, its leases stay until they expire, its open runs
// stay open. Its goroutines are then wound down.
func (inst *instance) kill() {
	inst.killed.Store(true)
	inst.cancel()
}
