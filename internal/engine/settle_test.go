package engine

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
)

// TestSettle: what each kind of run result does to its task — the pure
// half of applying a run (decide, then act).
func TestSettle(t *testing.T) {
	now := time.Date(2023, 2, 4, 6, 0, 0, 0, time.UTC)
	key := pipeline.TaskKey{Processor: "player_game_summary", Date: pipeline.MustDate("2023-02-03")}
	dec := dag.Decision{Task: key, Fingerprint: "planned"}
	backoff := func(n int) time.Duration { return time.Duration(n) * time.Second }
	published := publish.Result{State: publish.Published, Version: pipeline.PartitionVersion{Version: 2, Fingerprint: "planned"}}
	for _, tc := range []struct {
		name        string
		res         publish.Result
		err         error
		attempts    int
		forced      bool
		wantState   string
		wantOutcome string
		wantCode    dag.Code
		attemptsNow int
		circuit     circuitMove
		replan      bool
		retryIn     time.Duration
		forcedDone  bool
	}{
		{name: "published", res: published, attempts: 2, wantState: pipeline.Published, wantOutcome: publish.Published,
			circuit: circuitCloses},
		{name: "published from other inputs than planned",
			res:      publish.Result{State: publish.Published, Version: pipeline.PartitionVersion{Version: 2, Fingerprint: "other"}},
			attempts: 1, wantState: pipeline.Published, wantOutcome: publish.Published, circuit: circuitCloses, replan: true},
		{name: "same content: up to date", res: publish.Result{State: publish.UpToDate, Version: pipeline.PartitionVersion{Version: 1, Fingerprint: "planned"}},
			attempts: 1, forced: true, wantState: pipeline.UpToDate, wantOutcome: publish.UpToDate, circuit: circuitCloses, forcedDone: true},
		{name: "rejected", res: publish.Result{State: publish.Rejected, Outcomes: []pipeline.Outcome{{Check: "usage_present", Severity: pipeline.Critical}}},
			attempts: 1, wantState: pipeline.Rejected, wantOutcome: pipeline.Rejected, wantCode: dag.CodeRejected},
		{name: "conflict: planned again, no attempt counted", err: fmt.Errorf("x: %w", pipeline.ErrConflict), attempts: 3,
			wantState: pipeline.Ready, wantOutcome: outcomeConflict, wantCode: dag.CodeInputsChanged, attemptsNow: 2, replan: true},
		{name: "unannounced rows: waits, no attempt counted", err: fmt.Errorf("x: %w", pipeline.ErrUnannounced), attempts: 1,
			wantState: pipeline.Waiting, wantOutcome: outcomeUnannounced, wantCode: dag.CodeUnannounced, retryIn: time.Minute},
		{name: "transient: retried with backoff", err: errors.New("database is locked"), attempts: 3,
			wantState: pipeline.Waiting, wantOutcome: outcomeRetry, wantCode: dag.CodeRetry, attemptsNow: 3, retryIn: 3 * time.Second},
		{name: "transient, last attempt: failed", err: errors.New("database is locked"), attempts: 8,
			wantState: pipeline.Failed, wantOutcome: pipeline.Failed, wantCode: dag.CodeFailed, attemptsNow: 8, circuit: circuitCounts},
		{name: "invalid input: failed at once", err: fmt.Errorf("x: %w", pipeline.ErrInvalid), attempts: 1, forced: true,
			wantState: pipeline.Failed, wantOutcome: pipeline.Failed, wantCode: dag.CodeFailed, attemptsNow: 1, circuit: circuitCounts, forcedDone: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := result{dec: dec, rec: pipeline.TaskRecord{Key: key, Attempts: tc.attempts}, res: tc.res, err: tc.err, forced: tc.forced}
			tr := settle(res, now, 8, backoff, time.Minute)
			if tr.rec.State != tc.wantState || tr.outcome != tc.wantOutcome || dag.Code(tr.rec.Code) != tc.wantCode {
				t.Errorf("settle = state %s, outcome %s, code %s; want %s, %s, %s", tr.rec.State, tr.outcome, tr.rec.Code, tc.wantState, tc.wantOutcome, tc.wantCode)
			}
			if tr.rec.Attempts != tc.attemptsNow {
				t.Errorf("attempts = %d, want %d", tr.rec.Attempts, tc.attemptsNow)
			}
			if tr.circuit != tc.circuit || tr.replan != tc.replan || tr.forcedDone != tc.forcedDone {
				t.Errorf("circuit %v, replan %t, forced done %t; want %v, %t, %t", tr.circuit, tr.replan, tr.forcedDone, tc.circuit, tc.replan, tc.forcedDone)
			}
			if got := tr.rec.NextAttemptAt; tc.retryIn > 0 && !got.Equal(now.Add(tc.retryIn)) || tc.retryIn == 0 && !got.IsZero() {
				t.Errorf("next attempt at %v, want %v after now", got, tc.retryIn)
			}
			if tr.rec.State != pipeline.Published && tr.rec.State != pipeline.UpToDate && tr.rec.Reason == "" {
				t.Error("no reason given for a task that did not settle")
			}
		})
	}
}
