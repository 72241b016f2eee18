package chaos

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
)

// Options configure a chaos run.
type Options struct {
	// Seed is the first scenario's seed; scenario i has Seed+i.
	Seed      uint64
	Scenarios int
	// Instances is how many engines share each scenario's database.
	Instances int
	// Postgres, when set, runs the scenarios on PostgreSQL (a schema of
	// their own each); else on SQLite files under Dir.
	Postgres string
	Dir      string
}

// Violation is one broken invariant (numbered as in the package doc).
type Violation struct {
	Invariant int    `json:"invariant"`
	What      string `json:"what"`
}

func (v Violation) String() string { return fmt.Sprintf("invariant %d: %s", v.Invariant, v.What) }

// Result is one scenario's outcome.
type Result struct {
	Seed       uint64        `json:"seed"`
	Name       string        `json:"scenario"`
	From       pipeline.Date `json:"from"`
	To         pipeline.Date `json:"to"`
	Deliveries int           `json:"deliveries"`
	Instances  int           `json:"instances"`
	Kills      int           `json:"kills"`
	Faults     int           `json:"faults_injected"`
	Runs       int           `json:"runs"`
	// Simulated is how much scenario time passed; Elapsed the real time.
	Simulated      time.Duration `json:"-"`
	Elapsed        time.Duration `json:"-"`
	SimulatedHours float64       `json:"simulated_hours"`
	ElapsedSeconds float64       `json:"elapsed_seconds"`
	Violations     []Violation   `json:"violations,omitempty"`
	// Trace is the scenario's log (deliveries, faults, kills), given
	// when an invariant broke, so that the seed can be replayed with the
	// events in view.
	Trace []string `json:"trace,omitempty"`
}

// Run runs the scenarios in turn, telling report of each as it ends.
func Run(ctx context.Context, opts Options, report func(Result)) ([]Result, error) {
	if opts.Dir == "" {
		dir, err := os.MkdirTemp("", "statgate-chaos-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		opts.Dir = dir
	}
	var out []Result
	for i := range opts.Scenarios {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		sc, err := NewScenario(opts.Seed+uint64(i), opts.Instances)
		if err != nil {
			return out, err
		}
		res, err := RunScenario(ctx, sc, opts)
		if err != nil {
			return out, fmt.Errorf("scenario %d (%s): %w", sc.Seed, sc.Name, err)
		}
		out = append(out, res)
		if report != nil {
			report(res)
		}
	}
	return out, nil
}

// runner is one scenario under way.
type runner struct {
	sc      *Scenario
	opts    Options
	clock   *Clock
	db      scratch
	checker pipeline.Store // a clean handle: Phase 2's writes, loads, checks
	view    *engine.Engine // plans on the checker handle (verdicts)
	watch   watch
	rnd     *rand.Rand

	mu     sync.Mutex
	trace  []string
	faults int

	live     []*instance // by instance number; nil while dead
	dead     []*instance // killed, to be reaped
	gens     []int
	kills    int
	calm     atomic.Bool                 // faults off: the scenario is over
	messages map[pipeline.PartKey]string // the last message id announced per partition
	nextMsg  int
}

// logf adds a line to the scenario's trace, stamped with its clock.
func (r *runner) logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.trace = append(r.trace, r.clock.Peek().Format("01-02 15:04:05 ")+fmt.Sprintf(format, args...))
}

// fault records an injected fault in the trace and counts it.
func (r *runner) fault(format string, args ...any) {
	r.logf(format, args...)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.faults++
}

// RunScenario runs one scenario on a scratch database and checks the
// invariants at its end. An error means the scenario could not run (the
// database is unreachable), not that an invariant broke.
func RunScenario(ctx context.Context, sc *Scenario, opts Options) (Result, error) {
	start := time.Now()
	rnd := rand.New(rand.NewPCG(sc.Seed, 0xd1ce))
	t0 := sc.From.AddDays(rnd.IntN(int(sc.To-sc.From) + 4)).Time().Add(6 * time.Hour)
	r := &runner{sc: sc, opts: opts, clock: NewClock(t0), db: newScratch(opts.Dir, opts.Postgres, sc.Seed), rnd: rnd,
		messages: map[pipeline.PartKey]string{}, live: make([]*instance, sc.Instances), gens: make([]int, sc.Instances)}
	res := Result{Seed: sc.Seed, Name: sc.Name, From: sc.From, To: sc.To, Deliveries: len(sc.Deliveries), Instances: sc.Instances}
	defer func() {
		if err := r.db.drop(context.Background()); err != nil {
			fmt.Fprintf(os.Stderr, "chaos: drop %s: %v\n", r.db, err)
		}
	}()
	checker, closeChecker, err := r.db.open(ctx, r.clock.Now)
	if err != nil {
		return res, err
	}
	defer closeChecker()
	r.checker = checker
	g, err := dag.Build(nba.Catalog, nba.Processors())
	if err != nil {
		return res, err
	}
	if r.view, err = engine.New(engine.Config{Store: checker, Catalog: nba.Catalog, Graph: g, Policy: policy,
		Executor: &publish.Executor{Store: checker, Catalog: nba.Catalog}, Now: r.clock.Now, After: r.clock.After,
		Logger: slog.New(slog.DiscardHandler)}); err != nil {
		return res, err
	}
	for k := range sc.Instances {
		if r.live[k], err = r.startInstance(ctx, k, 0); err != nil {
			return res, err
		}
	}
	for i, d := range sc.Deliveries {
		if err := r.killsAndRestarts(ctx, i); err != nil {
			return res, err
		}
		r.pass(ctx, d.After)
		if err := r.deliver(ctx, d); err != nil {
			return res, fmt.Errorf("delivery %d (%s): %w", i, d, err)
		}
	}
	settled, err := r.finish(ctx)
	if err != nil {
		return res, err
	}
	res.Violations, err = r.check(ctx, settled)
	if err != nil {
		return res, err
	}
	res.Kills, res.Runs, res.Faults = r.kills, r.watch.runs, r.faults
	res.Simulated, res.Elapsed = r.clock.Peek().Sub(t0), time.Since(start)
	res.SimulatedHours, res.ElapsedSeconds = res.Simulated.Hours(), res.Elapsed.Seconds()
	if len(res.Violations) > 0 {
		res.Trace = r.trace
	}
	return res, nil
}

// killsAndRestarts applies the scenario's kills and restarts due before
// delivery i.
func (r *runner) killsAndRestarts(ctx context.Context, i int) error {
	for _, k := range r.sc.Kills {
		if k.At == i && r.live[k.Instance] != nil {
			r.logf("%s: killed", r.live[k.Instance].name)
			r.live[k.Instance].kill()
			r.dead = append(r.dead, r.live[k.Instance])
			r.live[k.Instance] = nil
			r.kills++
		}
	}
	for _, k := range r.sc.Kills {
		if k.Restart == i && k.Restart > 0 && r.live[k.Instance] == nil {
			if err := r.restart(ctx, k.Instance); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *runner) restart(ctx context.Context, k int) error {
	r.gens[k]++
	inst, err := r.startInstance(ctx, k, r.gens[k])
	r.live[k] = inst
	return err
}

// Moving the clock: a short pause jumps at once (engines keep working in
// real time meanwhile); a medium one moves in steps shorter than a lease
// renewal, so that running tasks keep their leases; a long one first lets
// the engines finish what they can, then jumps, as a quiet night would.
const (
	stepShort = 5 * time.Second
	stepLong  = time.Minute
)

func (r *runner) pass(ctx context.Context, d time.Duration) {
	switch {
	case d <= stepShort:
		r.clock.Advance(d)
	case d <= stepLong:
		for left := d; left > 0; left -= stepShort {
			r.clock.Advance(min(left, stepShort))
			time.Sleep(time.Millisecond)
		}
	default:
		r.settle(ctx, 10*time.Minute)
		r.clock.Advance(d)
	}
}

// settle moves the clock in small steps until no engine has work in hand
// and no task is ready or running, twice in a row, or until budget of
// scenario time has passed. It reports whether everything settled.
func (r *runner) settle(ctx context.Context, budget time.Duration) bool {
	const step = 2 * time.Second
	quiet := 0
	for spent := time.Duration(0); spent < budget; spent += step {
		r.clock.Advance(step)
		time.Sleep(time.Millisecond)
		if int(spent/step)%5 != 4 {
			continue
		}
		if r.quiet(ctx) {
			if quiet++; quiet == 2 {
				return true
			}
		} else {
			quiet = 0
		}
	}
	return false
}

// quiet: nothing in flight in any live engine, no task ready or running.
func (r *runner) quiet(ctx context.Context) bool {
	if r.watch.busy() > 0 {
		return false
	}
	ds, _, err := r.view.Verdicts(ctx, r.sc.From, r.sc.To)
	if err != nil {
		return false
	}
	for _, d := range ds {
		if d.State == pipeline.Ready || d.State == pipeline.Running {
			return false
		}
	}
	return true
}

// finish brings every dead instance back (an orchestrator restarts what
// crashed), lets the work settle, runs the clock past every deadline and
// fallback delay, lets it settle again, and stops the instances. Then, as
// after any crash, one more instance starts once the leases of those
// stopped have expired, settles what they left, and stops: a task claimed
// in the last moment (a claim that committed while its answer was lost)
// is run again, its run recorded as abandoned.
func (r *runner) finish(ctx context.Context) (bool, error) {
	for k, inst := range r.live {
		if inst == nil {
			if err := r.restart(ctx, k); err != nil {
				return false, err
			}
		}
	}
	r.settle(ctx, 30*time.Minute)
	// Past every deadline: the last date's, counted from its end, and
	// every schedule partition's, counted from when it was recorded.
	now := r.clock.Peek()
	past := policy.Deadline(r.sc.To)
	if now.After(past) {
		past = now
	}
	r.clock.Advance(past.Add(policy.CompletenessDeadline + policy.FallbackAfter + time.Hour).Sub(now))
	settled := r.settle(ctx, 4*time.Hour)
	r.calm.Store(true)
	for k, inst := range r.live {
		if inst != nil {
			inst.cancel()
			r.await(inst)
			r.live[k] = nil
		}
	}
	for _, inst := range r.dead {
		r.await(inst)
	}
	r.clock.Advance(leaseTTL + recheck)
	last, err := r.startInstance(ctx, 0, len(r.gens)+r.kills+1)
	if err != nil {
		return false, err
	}
	settled = r.settle(ctx, time.Hour) && settled
	last.cancel()
	r.await(last)
	return settled, nil
}

// await waits for an instance that was told to stop (or killed) to wind
// down, moving the clock meanwhile (a task may be waiting on it, as a
// slow processor does), and closes its handle.
func (r *runner) await(inst *instance) {
	for done := false; !done; {
		select {
		case <-inst.done:
			done = true
		case <-time.After(time.Millisecond):
			r.clock.Advance(time.Second)
		}
	}
	inst.close()
}

// anyLive picks a live instance at random (nil when none is).
func (r *runner) anyLive() *instance {
	var alive []*instance
	for _, inst := range r.live {
		if inst != nil {
			alive = append(alive, inst)
		}
	}
	if len(alive) == 0 {
		return nil
	}
	return alive[r.rnd.IntN(len(alive))]
}

// errStillRefused: Pub/Sub gave up redelivering an announcement.
var errStillRefused = errors.New("announcement refused by every instance")
