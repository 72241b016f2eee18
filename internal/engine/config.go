// Package engine applies the planner's decisions: it keeps a snapshot of
// partition versions and task records, asks the pure planner what to start,
// claims tasks with expiring leases in the database, runs them on a bounded
// pool of workers, retries transient errors with backoff and full jitter,
// opens a circuit for a processor that keeps failing, and re-plans the
// moment a publication (its own or announced by a trigger) may have made a
// waiting task ready. Waiting tasks hold no worker, lock or connection.
package engine

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"time"

	"github.com/statgate/statgate/internal/alert"
	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
)

// Retry configures retries of transient errors (SPEC §6 defaults).
type Retry struct {
	Base        time.Duration // first backoff ceiling (1s)
	Factor      float64       // growth per attempt (2)
	Cap         time.Duration // largest ceiling (5m)
	MaxAttempts int           // attempts before failing (8)
}

// Backoff returns the delay before the next attempt after `attempt` failed
// ones: uniformly random in [0, min(Cap, Base·Factor^(attempt-1))] ("full
// jitter"), so that many failing tasks do not retry in lockstep.
func (r Retry) Backoff(attempt int, rnd *rand.Rand) time.Duration {
	ceil := float64(r.Base)
	for i := 1; i < attempt && ceil < float64(r.Cap); i++ {
		ceil *= r.Factor
	}
	ceil = min(ceil, float64(r.Cap))
	return time.Duration(rnd.Int64N(int64(ceil) + 1))
}

// DefaultLeaseTTL is how long a task stays claimed by a process that died:
// short, since a live worker renews its lease while the task runs, so
// that a killed process's work is taken over within half a minute.
const DefaultLeaseTTL = 30 * time.Second

// Config configures an Engine. Zero fields take the documented defaults.
type Config struct {
	Store    pipeline.Store
	Catalog  *pipeline.Catalog
	Graph    *dag.Graph
	Executor *publish.Executor
	Policy   dag.Policy // default dag.DefaultPolicy()
	// PublishDeadlines override, by processor, the publish deadline its
	// processor declares (pipeline.Deadlined); a zero value turns it off.
	PublishDeadlines map[string]pipeline.PublishDeadline
	// Workers is the global concurrency limit (default 2).
	Workers int
	// PerProcessor limits concurrent runs of one processor (default: Workers).
	PerProcessor map[string]int
	Retry        Retry // default {1s, 2, 5m, 8}
	// CircuitThreshold consecutive failed tasks of a processor open its
	// circuit for CircuitCooldown (defaults 5 and 1m).
	CircuitThreshold int
	CircuitCooldown  time.Duration
	// LeaseTTL bounds how long a crashed worker's task stays claimed
	// (DefaultLeaseTTL); a live worker renews its lease every third of it.
	LeaseTTL time.Duration
	// Recheck is the safety-net interval for re-reading versions and task
	// records written by other processes (30s).
	Recheck time.Duration
	// TriggerPoll is how often an idle engine looks for triggers recorded
	// by other processes (1s); in-process publications wake it at once.
	TriggerPoll time.Duration
	// Owner names this process's leases (default host-pid-random).
	Owner string
	Now   func() time.Time
	// After waits on the same clock as Now (default time.After): every
	// wait of the engine — retries, deadlines, re-checks, lease renewal —
	// goes through it, so an injected clock moves them all.
	After  func(time.Duration) <-chan time.Time
	Rand   *rand.Rand
	Logger *slog.Logger
	// Events, when set, receives every task start and finish.
	Events func(Event)
	// Observe, when set, is told after every planning round how many
	// tasks in scope are in each state, how many are ready but not yet
	// started, and which circuits are open (for gauges).
	Observe func(Stats)
	// Hold keeps new processor versions from replacing what older ones
	// published until they are promoted (pipeline.ReleasePromoted): a
	// partition out of date only because of the new code stays as it is.
	// The service and the command line set it; without it a new version
	// recomputes within auto_refresh_days at once.
	Hold bool
	// Alerts, when set, is told of rejected and failed tasks, open
	// circuits, dates published partial after their deadline and
	// partitions late for their publish deadline. It must
	// not block (alert.Webhook queues).
	Alerts Notifier
}

// Notifier receives alerts.
type Notifier interface{ Notify(alert.Alert) }

func (c *Config) defaults() error {
	if c.Store == nil || c.Catalog == nil || c.Graph == nil || c.Executor == nil {
		return errors.New("engine: Store, Catalog, Graph and Executor are required")
	}
	if c.Policy == (dag.Policy{}) {
		c.Policy = dag.DefaultPolicy()
	}
	if c.Workers <= 0 {
		c.Workers = 2
	}
	if c.Retry == (Retry{}) {
		c.Retry = Retry{Base: time.Second, Factor: 2, Cap: 5 * time.Minute, MaxAttempts: 8}
	}
	if c.CircuitThreshold <= 0 {
		c.CircuitThreshold = 5
	}
	if c.CircuitCooldown <= 0 {
		c.CircuitCooldown = time.Minute
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = DefaultLeaseTTL
	}
	if c.Recheck <= 0 {
		c.Recheck = 30 * time.Second
	}
	if c.TriggerPoll <= 0 {
		c.TriggerPoll = time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.After == nil {
		c.After = time.After
	}
	if c.Rand == nil {
		c.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Owner == "" {
		host, _ := os.Hostname()
		c.Owner = fmt.Sprintf("%s-%d-%04x", host, os.Getpid(), c.Rand.IntN(1<<16))
	}
	return nil
}

// Event reports a task starting or finishing.
type Event struct {
	Task     pipeline.TaskKey
	State    string // running when it starts; its outcome when it finishes
	Reason   string
	Version  int
	Rows     int
	Duration time.Duration
	// Table is the processor's output table.
	Table string
	// Outcomes are the failed checks of a finished run (warnings of a
	// publication, critical failures of a rejection).
	Outcomes []pipeline.Outcome
	// WaitedFor is, on start, how long the task was ready before a worker
	// took it (the wake latency when it became ready by a publication).
	WaitedFor time.Duration
}

// Stats is a planning round's summary (Config.Observe).
type Stats struct {
	ByState map[string]int
	// Queued tasks are ready to start but wait for a worker.
	Queued       int
	OpenCircuits []string
	// Late counts, by processor, partitions past their publish deadline
	// and never published.
	Late map[string]int
}
