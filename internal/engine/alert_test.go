package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/alert"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

// kinds collects the kinds of alerts a loopback webhook receives.
type kinds struct {
	mu sync.Mutex
	n  map[string]int
}

func (k *kinds) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m map[string]string
	_ = json.NewDecoder(r.Body).Decode(&m)
	k.mu.Lock()
	k.n[m["kind"]]++
	k.mu.Unlock()
}

func (k *kinds) get(kind string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.n[kind]
}

func webhook(t *testing.T) (*alert.Webhook, *kinds, func()) {
	rcv := &kinds{n: map[string]int{}}
	srv := httptest.NewServer(rcv)
	w, err := alert.New(alert.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go w.Run(ctx)
	return w, rcv, func() { cancel(); <-w.Done(); srv.Close() }
}

// TestAlerts: failed tasks and the circuit they open, and a date published
// partial after its deadline, reach a real webhook on loopback; the same
// run as a backfill is muted.
func TestAlerts(t *testing.T) {
	season := testdb.SeasonRows(t)
	from, to := pipeline.MustDate("2023-01-02"), pipeline.MustDate("2023-01-05")
	feb6 := pipeline.MustDate("2023-02-06")
	s := testdb.SQLite(t, scheduledEarly)
	testdb.LoadRaw(t, s, season, from, to)
	now := func() time.Time { return time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC) }
	w, rcv, stop := webhook(t)
	var calls atomic.Int64
	broken := flaky{Processor: processorNamed(nba.TeamDefense), err: errors.New("warehouse unavailable"), failures: -1, calls: &calls}
	e := newEngine(t, s, now, withProcessor(t, broken), func(c *engine.Config) {
		c.Alerts, c.Workers, c.CircuitThreshold = w, 1, 3
		c.Retry = engine.Retry{Base: time.Millisecond, Factor: 2, Cap: time.Millisecond, MaxAttempts: 1}
	})
	if _, err := e.Run(context.Background(), engine.Scope{From: from, To: to}); err != nil {
		t.Fatal(err)
	}
	// A healthy pipeline elsewhere (the broken processor's circuit stays
	// open in the first database), run as a backfill.
	s3 := testdb.SQLite(t, scheduledEarly)
	testdb.LoadRaw(t, s3, season, feb6, feb6)
	healthy := newEngine(t, s3, now, func(c *engine.Config) { c.Alerts = w })
	if _, err := healthy.Run(context.Background(), engine.Scope{From: feb6, To: feb6, Backfill: true}); err != nil {
		t.Fatal(err)
	}
	stop()
	if got := rcv.get(alert.Failed); got != 3 {
		t.Errorf("task_failed alerts = %d, want 3", got)
	}
	if got := rcv.get(alert.CircuitOpen); got != 1 {
		t.Errorf("circuit_open alerts = %d, want 1", got)
	}
	if got, st := rcv.get(alert.DeadlinePassed), w.Stats(); got != 0 || st.Muted != 3 {
		t.Errorf("deadline alerts from a backfill: %d delivered, %d muted; want 0 and 3", got, st.Muted)
	}

	// The same partial date outside a backfill alerts.
	w2, rcv2, stop2 := webhook(t)
	s2 := testdb.SQLite(t, scheduledEarly)
	testdb.LoadRaw(t, s2, season, feb6, feb6)
	if _, err := newEngine(t, s2, now, func(c *engine.Config) { c.Alerts = w2 }).Run(context.Background(), engine.Scope{From: feb6, To: feb6}); err != nil {
		t.Fatal(err)
	}
	stop2()
	if got := rcv2.get(alert.DeadlinePassed); got != 3 {
		t.Errorf("deadline_passed alerts for 2023-02-06 = %d, want 3 (team offense, team defense, player)", got)
	}
}
