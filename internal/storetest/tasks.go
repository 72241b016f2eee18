package storetest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/nba"
	p "github.com/statgate/statgate/internal/pipeline"
)

var t0 = time.Date(2023, 2, 4, 6, 0, 0, 0, time.UTC)

func testLeases(t *testing.T, s p.Store) {
	ctx := context.Background()
	key := p.TaskKey{Processor: nba.PlayerGame, Date: opening}
	r, runA, err := s.ClaimTask(ctx, key, "a", t0, t0.Add(time.Minute))
	if err != nil || r.State != p.Running || r.Attempts != 1 || r.LeaseOwner != "a" || runA == 0 {
		t.Fatalf("ClaimTask(new) = %+v, run %d, %v; want running, attempt 1, owned by a, a run", r, runA, err)
	}
	if _, _, err := s.ClaimTask(ctx, key, "b", t0.Add(30*time.Second), t0.Add(2*time.Minute)); !errors.Is(err, p.ErrConflict) {
		t.Errorf("ClaimTask by b while a holds the lease: %v, want ErrConflict", err)
	}
	// The lease expires (a died): b takes over, and a's late release fails.
	r, runB, err := s.ClaimTask(ctx, key, "b", t0.Add(2*time.Minute), t0.Add(3*time.Minute))
	if err != nil || r.Attempts != 2 || r.LeaseOwner != "b" {
		t.Fatalf("ClaimTask by b after expiry = %+v, %v; want attempt 2 owned by b", r, err)
	}
	done := p.TaskRecord{Key: key, State: p.Published, Fingerprint: "f"}
	late := p.TaskRelease{Record: done, Owner: "a", RunID: runA, RunState: p.Published, At: t0.Add(3 * time.Minute)}
	if err := s.ReleaseTask(ctx, late); !errors.Is(err, p.ErrConflict) {
		t.Errorf("ReleaseTask by a after losing the lease: %v, want ErrConflict", err)
	}
	// The planner's verdicts never overwrite a leased task.
	if err := s.SaveTasks(ctx, []p.TaskRecord{{Key: key, State: p.Waiting, Reason: "x"}}, t0.Add(150*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseTask(ctx, p.TaskRelease{Record: done, Owner: "b", RunID: runB, RunState: p.Published, RunVersion: 3, At: t0.Add(3 * time.Minute)}); err != nil {
		t.Fatalf("ReleaseTask by b: %v", err)
	}
	runs, err := s.Runs(ctx, p.RunFilter{Since: t0.Add(-time.Hour), Limit: 10})
	if err != nil || len(runs) != 2 || runs[1].ID != runB || runs[1].Version != 3 || runs[1].FinishedAt == nil ||
		runs[0].State != p.RunAbandoned || runs[0].FinishedAt == nil || !runs[0].FinishedAt.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("Runs = %+v, %v; want a's run abandoned when b took over, and b's finished with version 3", runs, err)
	}
	// Another task's run, then the filters: by task, and the newest only.
	other := p.TaskKey{Processor: nba.TeamOffense, Date: opening}
	if _, _, err := s.ClaimTask(ctx, other, "c", t0.Add(4*time.Minute), t0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	mine, err := s.Runs(ctx, p.RunFilter{Task: &key, Limit: 10})
	if err != nil || len(mine) != 2 || mine[0].ID != runA || mine[1].ID != runB {
		t.Errorf("Runs(task %v) = %+v, %v; want a's and b's runs, oldest first", key, mine, err)
	}
	newest, err := s.Runs(ctx, p.RunFilter{Limit: 2})
	if err != nil || len(newest) != 2 || newest[0].ID != runB || newest[1].Task != other {
		t.Errorf("Runs(newest 2) = %+v, %v; want b's run then the other task's", newest, err)
	}
	got, err := s.Tasks(ctx, opening, opening)
	if err != nil || len(got) != 2 {
		t.Fatalf("Tasks = %v, %v; want two", got, err)
	}
	if g := recordOf(got, key); g.State != p.Published || g.LeaseOwner != "" || g.Fingerprint != "f" || g.Attempts != 0 {
		t.Errorf("task after release = %+v, want published, no lease, fingerprint f, attempts 0", g)
	}
	next := t0.Add(time.Hour)
	if err := s.SaveTasks(ctx, []p.TaskRecord{{Key: key, State: p.Waiting, Reason: "retry", Code: "retry", Attempts: 3, NextAttemptAt: next, LastError: "busy"}}, t0.Add(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Tasks(ctx, opening, opening)
	if g := recordOf(got, key); g.State != p.Waiting || !g.NextAttemptAt.Equal(next) || g.Attempts != 3 || g.LastError != "busy" || g.Code != "retry" {
		t.Errorf("task after SaveTasks = %+v, want waiting for a retry at %v, code retry", g, next)
	}
}

// testRenewAndAbandon: a running task's lease is renewed while its owner
// holds it, and not once it expired; the run of a worker that no longer
// holds its lease is recorded as abandoned by the sweep, a live one is not.
func testRenewAndAbandon(t *testing.T, s p.Store) {
	ctx := context.Background()
	live := p.TaskKey{Processor: nba.PlayerGame, Date: opening}
	dead := p.TaskKey{Processor: nba.TeamOffense, Date: opening}
	if _, _, err := s.ClaimTask(ctx, live, "a", t0, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ClaimTask(ctx, dead, "d", t0, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RenewLease(ctx, live, "a", t0.Add(50*time.Second), t0.Add(110*time.Second)); err != nil {
		t.Errorf("RenewLease by its owner: %v", err)
	}
	if err := s.RenewLease(ctx, live, "b", t0.Add(50*time.Second), t0.Add(110*time.Second)); !errors.Is(err, p.ErrConflict) {
		t.Errorf("RenewLease by another worker: %v, want ErrConflict", err)
	}
	// d died: its lease ran out at t0+1m and nobody renewed it.
	if err := s.RenewLease(ctx, dead, "d", t0.Add(90*time.Second), t0.Add(150*time.Second)); !errors.Is(err, p.ErrConflict) {
		t.Errorf("RenewLease after the lease expired: %v, want ErrConflict", err)
	}
	n, err := s.AbandonRuns(ctx, t0.Add(100*time.Second))
	if err != nil || n != 1 {
		t.Errorf("AbandonRuns = %d, %v; want 1 (d's run)", n, err)
	}
	runs, err := s.Runs(ctx, p.RunFilter{Limit: 10})
	if err != nil || len(runs) != 2 {
		t.Fatalf("Runs = %+v, %v", runs, err)
	}
	for _, r := range runs {
		switch r.Worker {
		case "a":
			if r.FinishedAt != nil || r.State != p.Running {
				t.Errorf("a's run (lease renewed to t0+110s) after the sweep at t0+100s: %+v, want still running", r)
			}
		case "d":
			if r.FinishedAt == nil || r.State != p.RunAbandoned || !r.FinishedAt.Equal(t0.Add(100*time.Second)) {
				t.Errorf("d's run after the sweep: %+v, want abandoned at t0+100s", r)
			}
		}
	}
	if n, err := s.AbandonRuns(ctx, t0.Add(100*time.Second)); err != nil || n != 0 {
		t.Errorf("AbandonRuns again = %d, %v; want 0", n, err)
	}
}

func recordOf(recs []p.TaskRecord, key p.TaskKey) p.TaskRecord {
	for _, r := range recs {
		if r.Key == key {
			return r
		}
	}
	return p.TaskRecord{}
}

// testClaimRace: many goroutines claim one task at once; exactly one wins.
func testClaimRace(t *testing.T, s p.Store) {
	ctx := context.Background()
	key := p.TaskKey{Processor: nba.TeamOffense, Date: opening}
	var wins, conflicts atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, _, err := s.ClaimTask(ctx, key, string(rune('a'+i)), t0, t0.Add(time.Minute))
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, p.ErrConflict):
				conflicts.Add(1)
			default:
				t.Errorf("ClaimTask: %v", err)
			}
		}(i)
	}
	wg.Wait()
	if wins.Load() != 1 || conflicts.Load() != 7 {
		t.Errorf("8 concurrent claims: %d won, %d conflicted; want 1 and 7", wins.Load(), conflicts.Load())
	}
}

// testReleaseRidesOnPublish: a publication carrying a release commits both;
// one whose owner lost the lease publishes nothing.
func testReleaseRidesOnPublish(t *testing.T, s p.Store) {
	ctx := context.Background()
	key := p.TaskKey{Processor: nba.TeamOffense, Date: opening}
	_, runA, err := s.ClaimTask(ctx, key, "a", t0, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	pub := p.Publication{Table: nba.TeamOffenseTable, Date: opening, Rows: []p.Row{teamOffenseRow(opening, 126, 98.2)}, Source: p.SourceCompute,
		Release: &p.TaskRelease{Record: p.TaskRecord{Key: key, State: p.Published, Fingerprint: "f"}, Owner: "a", RunID: runA, RunState: p.Published, At: t0}}
	publish(t, s, pub)
	got, _ := s.Tasks(ctx, opening, opening)
	if len(got) != 1 || got[0].State != p.Published || got[0].LeaseOwner != "" {
		t.Errorf("task after a publication carrying its release = %+v, want published and unleased", got)
	}
	runs, _ := s.Runs(ctx, p.RunFilter{Since: t0.Add(-time.Hour), Limit: 10})
	if len(runs) != 1 || runs[0].Version != 1 || runs[0].State != p.Published {
		t.Errorf("runs = %+v, want one published run of version 1", runs)
	}
	// b takes the task after a's lease expired; a's late publication fails whole.
	if _, _, err := s.ClaimTask(ctx, key, "a", t0, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ClaimTask(ctx, key, "b", t0.Add(2*time.Minute), t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	pub.Rows = []p.Row{teamOffenseRow(opening, 99, 90)}
	if _, err := s.Publish(ctx, []p.Publication{pub}); !errors.Is(err, p.ErrConflict) {
		t.Errorf("Publish by a worker that lost its lease: %v, want ErrConflict", err)
	}
	if v, _ := s.CurrentVersion(ctx, nba.TeamOffense, opening); v.Version != 1 {
		t.Errorf("version after the fenced publication = %d, want 1", v.Version)
	}
}

// testEvents: events ride on a publication (with its version) or are
// recorded alone, and list newest first.
func testEvents(t *testing.T, s p.Store) {
	ctx := context.Background()
	warn := p.QualityEvent{Table: nba.TeamOffense, Date: opening, Check: "incomplete_input", Severity: p.Warning,
		Subject: "20221018_LAL_GSW", Observed: "1 games missing", Expected: "every game", Processor: nba.TeamOffense, CreatedAt: t0}
	publish(t, s, p.Publication{Table: nba.TeamOffenseTable, Date: opening, Rows: []p.Row{teamOffenseRow(opening, 126, 98.2)},
		Source: p.SourceCompute, Partial: true, Events: []p.QualityEvent{warn}})
	crit := p.QualityEvent{Table: nba.PlayerGame, Date: opening, Check: "usage_minutes_weighted", Severity: p.Critical,
		Subject: "BOS", Observed: "612.4", Expected: "[90, 101]", CreatedAt: t0.Add(time.Second)}
	if err := s.RecordEvents(ctx, []p.QualityEvent{crit}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Events(ctx, t0.Add(-time.Minute), 10)
	if err != nil || len(got) != 2 {
		t.Fatalf("Events = %+v, %v; want 2", got, err)
	}
	if got[0].Check != crit.Check || got[0].Version != 0 || got[0].Observed != "612.4" {
		t.Errorf("newest event = %+v, want the critical usage event without a version", got[0])
	}
	if got[1].Check != warn.Check || got[1].Version != 1 || got[1].Subject != warn.Subject || got[1].Severity != p.Warning {
		t.Errorf("older event = %+v, want the incomplete_input warning of version 1", got[1])
	}
	if later, _ := s.Events(ctx, t0.Add(time.Minute), 10); len(later) != 0 {
		t.Errorf("Events(since after both) = %+v, want none", later)
	}
}

func testCircuits(t *testing.T, s p.Store) {
	ctx := context.Background()
	if err := s.SaveCircuit(ctx, p.Circuit{Processor: nba.TeamDefense, Failures: 5, OpenedAt: t0}, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveCircuit(ctx, p.Circuit{Processor: nba.PlayerGame, Failures: 1}, t0); err != nil {
		t.Fatal(err)
	}
	got, err := s.Circuits(ctx)
	want := []p.Circuit{{Processor: nba.PlayerGame, Failures: 1}, {Processor: nba.TeamDefense, Failures: 5, OpenedAt: t0}}
	if err != nil || len(got) != 2 || got[0] != want[0] || got[1].Processor != want[1].Processor || !got[1].OpenedAt.Equal(t0) || got[1].Failures != 5 {
		t.Errorf("Circuits = %+v, %v; want %+v", got, err, want)
	}
	if err := s.SaveCircuit(ctx, p.Circuit{Processor: nba.TeamDefense}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Circuits(ctx); len(got) != 2 || got[1].Failures != 0 || !got[1].OpenedAt.IsZero() {
		t.Errorf("Circuits after closing = %+v, want team defense closed", got)
	}
}
