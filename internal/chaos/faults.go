package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// Faults says how often an instance's store and processors misbehave.
// Rates are per call, between 0 and 1.
type Faults struct {
	// StoreError fails a store call before it reaches the database
	// (busy, timeout, connection refused).
	StoreError float64
	// AfterCommit fails a write after it committed: the caller never
	// learns that it happened (a connection lost at commit).
	AfterCommit float64
	// Latency delays a store call by up to MaxLatency of real time.
	Latency    float64
	MaxLatency time.Duration
	// Panic, ProcError and Slow make a processor panic, fail, or take
	// SlowFor of the scenario's clock (longer than a lease).
	Panic, ProcError, Slow float64
	SlowFor                time.Duration
}

// errInjected marks every error the suite injects, so that reports can
// tell them from real ones.
var errInjected = errors.New("chaos: injected fault")

// dice is a seeded source of fault decisions shared by an instance's
// wrappers.
type dice struct {
	mu  sync.Mutex
	rnd *rand.Rand
}

func newDice(seed uint64) *dice { return &dice{rnd: rand.New(rand.NewPCG(seed, 0x5eed))} }

func (d *dice) roll(p float64) bool {
	if p <= 0 {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rnd.Float64() < p
}

func (d *dice) duration(most time.Duration) time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	return time.Duration(d.rnd.Int64N(int64(most) + 1))
}

// faultyStore wraps an instance's store: it injects the instance's store
// faults, and once the instance is killed it fails every call, as a
// process that is gone does (nothing it had not committed is committed).
type faultyStore struct {
	pipeline.Store
	f      Faults
	dice   *dice
	killed *atomic.Bool
	// calm turns the faults off (the operator's last, orderly stop).
	calm *atomic.Bool
	log  func(format string, args ...any)
	name string
}

var errKilled = fmt.Errorf("%w: instance killed", errInjected)

// before injects a fault before a call reaches the database.
func (s *faultyStore) before(op string) error {
	if s.killed.Load() {
		return errKilled
	}
	if s.calm.Load() {
		return nil
	}
	if s.dice.roll(s.f.Latency) {
		time.Sleep(s.dice.duration(s.f.MaxLatency))
	}
	if s.dice.roll(s.f.StoreError) {
		s.log("%s: %s fails before the database (busy)", s.name, op)
		return fmt.Errorf("%w: %s: database is locked (busy)", errInjected, op)
	}
	return nil
}

// after turns a committed write's success into an error now and then.
func (s *faultyStore) after(op string, err error) error {
	if err == nil && !s.calm.Load() && s.dice.roll(s.f.AfterCommit) {
		s.log("%s: %s committed, then the connection was lost", s.name, op)
		return fmt.Errorf("%w: %s: connection lost after commit", errInjected, op)
	}
	if err == nil && s.killed.Load() {
		return errKilled // the process died as the commit returned
	}
	return err
}

func (s *faultyStore) Publish(ctx context.Context, pubs []pipeline.Publication) ([]pipeline.PublishResult, error) {
	if err := s.before("publish"); err != nil {
		return nil, err
	}
	res, err := s.Store.Publish(ctx, pubs)
	return res, s.after("publish", err)
}

func (s *faultyStore) Announce(ctx context.Context, a pipeline.Announcement) (pipeline.AnnounceResult, error) {
	if err := s.before("announce"); err != nil {
		return pipeline.AnnounceResult{}, err
	}
	res, err := s.Store.Announce(ctx, a)
	return res, s.after("announce", err)
}

func (s *faultyStore) ClaimTask(ctx context.Context, key pipeline.TaskKey, owner string, now, expires time.Time) (pipeline.TaskRecord, int64, error) {
	if err := s.before("claim"); err != nil {
		return pipeline.TaskRecord{}, 0, err
	}
	rec, id, err := s.Store.ClaimTask(ctx, key, owner, now, expires)
	return rec, id, s.after("claim", err)
}

func (s *faultyStore) ReleaseTask(ctx context.Context, rel pipeline.TaskRelease) error {
	if err := s.before("release"); err != nil {
		return err
	}
	return s.after("release", s.Store.ReleaseTask(ctx, rel))
}

func (s *faultyStore) RenewLease(ctx context.Context, key pipeline.TaskKey, owner string, now, expires time.Time) error {
	if err := s.before("renew"); err != nil {
		return err
	}
	return s.Store.RenewLease(ctx, key, owner, now, expires)
}

func (s *faultyStore) SaveTasks(ctx context.Context, recs []pipeline.TaskRecord, now time.Time) error {
	if err := s.before("save tasks"); err != nil {
		return err
	}
	return s.after("save tasks", s.Store.SaveTasks(ctx, recs, now))
}

func (s *faultyStore) Partitions(ctx context.Context, f pipeline.PartitionFilter) ([]pipeline.PartitionVersion, error) {
	if err := s.before("partitions"); err != nil {
		return nil, err
	}
	return s.Store.Partitions(ctx, f)
}

func (s *faultyStore) ReadRange(ctx context.Context, t *pipeline.Table, from, to pipeline.Date) ([]pipeline.PartitionRows, error) {
	if err := s.before("read"); err != nil {
		return nil, err
	}
	return s.Store.ReadRange(ctx, t, from, to)
}

func (s *faultyStore) Tasks(ctx context.Context, from, to pipeline.Date) ([]pipeline.TaskRecord, error) {
	if err := s.before("tasks"); err != nil {
		return nil, err
	}
	return s.Store.Tasks(ctx, from, to)
}

func (s *faultyStore) Triggers(ctx context.Context, after int64, limit int) ([]pipeline.Trigger, error) {
	if err := s.before("triggers"); err != nil {
		return nil, err
	}
	return s.Store.Triggers(ctx, after, limit)
}

func (s *faultyStore) AbandonRuns(ctx context.Context, now time.Time) (int, error) {
	if err := s.before("abandon runs"); err != nil {
		return 0, err
	}
	return s.Store.AbandonRuns(ctx, now)
}

// Listen passes PostgreSQL's wake-ups through, while the instance lives.
func (s *faultyStore) Listen(ctx context.Context, changed func([]pipeline.PartKey)) (<-chan struct{}, error) {
	l, ok := s.Store.(interface {
		Listen(context.Context, func([]pipeline.PartKey)) (<-chan struct{}, error)
	})
	if !ok {
		return nil, errors.New("no listener")
	}
	return l.Listen(ctx, changed)
}

// faultyProcessor wraps a processor with the instance's processor faults.
type faultyProcessor struct {
	pipeline.Processor
	f     Faults
	dice  *dice
	clock *Clock
	log   func(format string, args ...any)
	name  string
}

func (p faultyProcessor) Compute(c pipeline.Compute) ([]pipeline.Row, error) {
	switch {
	case p.dice.roll(p.f.Panic):
		p.log("%s: %s %s panics", p.name, p.Name(), c.Date)
		panic(fmt.Sprintf("chaos: %s %s: injected panic", p.Name(), c.Date))
	case p.dice.roll(p.f.ProcError):
		p.log("%s: %s %s fails", p.name, p.Name(), c.Date)
		return nil, fmt.Errorf("%w: %s %s: warehouse query timed out", errInjected, p.Name(), c.Date)
	case p.dice.roll(p.f.Slow):
		p.log("%s: %s %s takes %s", p.name, p.Name(), c.Date, p.f.SlowFor)
		<-p.clock.After(p.f.SlowFor)
	}
	return p.Processor.Compute(c)
}
