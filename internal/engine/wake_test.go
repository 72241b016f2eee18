package engine_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

// countingStore counts reads of partition versions that span more than
// one date (a re-read of the snapshot).
type countingStore struct {
	pipeline.Store
	mu    sync.Mutex
	spans int
}

func (s *countingStore) Partitions(ctx context.Context, f pipeline.PartitionFilter) ([]pipeline.PartitionVersion, error) {
	if !f.HasRange || f.From != f.To {
		s.mu.Lock()
		s.spans++
		s.mu.Unlock()
	}
	return s.Store.Partitions(ctx, f)
}

func (s *countingStore) wide() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spans
}

// TestWakeReadsOnlyWhatChanged: a service engine woken by an announcement
// that names its partition re-reads that partition, not the snapshot, and
// starts the tasks it made ready; one woken without names re-reads all.
func TestWakeReadsOnlyWhatChanged(t *testing.T) {
	base := testdb.SQLite(t)
	season := testdb.SeasonRows(t)
	testdb.LoadRaw(t, base, season, feb3, feb3, nba.Schedule, nba.Gamebook)
	s := &countingStore{Store: base}
	clk := func() time.Time { return time.Date(2023, 2, 3, 23, 0, 0, 0, time.UTC) } // before the deadline: it waits
	started := make(chan pipeline.TaskKey, 16)
	e := newEngine(t, s, clk, func(c *engine.Config) {
		c.Recheck, c.TriggerPoll = time.Hour, time.Hour
		c.Events = func(ev engine.Event) {
			if ev.State == pipeline.Running {
				started <- ev.Task
			}
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(ctx, engine.Scope{Follow: true}) //nolint:errcheck // stopped below
	}()
	defer func() { cancel(); <-done }()
	time.Sleep(300 * time.Millisecond) // it reads the snapshot and waits for the box scores
	before := s.wide()
	if before == 0 {
		t.Fatal("the engine never read its snapshot")
	}
	testdb.WriteDirect(t, base, nba.TeamBoxTable, feb3, testdb.OnDates(nba.TeamBoxTable, season[nba.TeamBox], feb3, feb3))
	if _, err := base.Announce(ctx, pipeline.Announcement{Table: nba.TeamBoxTable, Date: feb3, Status: pipeline.StatusSuccess}); err != nil {
		t.Fatal(err)
	}
	e.Notify(pipeline.PartKey{Table: nba.TeamBox, Date: feb3})
	select {
	case k := <-started:
		if k.Date != feb3 {
			t.Errorf("started %v, want a task of %s", k, feb3)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no task started after the announcement that completed the date")
	}
	if n := s.wide() - before; n != 0 {
		t.Errorf("a wake-up naming one partition re-read the snapshot %d times", n)
	}
	e.Notify()
	deadline := time.Now().Add(30 * time.Second)
	for s.wide() == before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s.wide() == before {
		t.Error("a wake-up naming nothing did not re-read the snapshot")
	}
}
