package alert_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/alert"
)

// receiver is a webhook endpoint on loopback that records what it got and
// fails the first `failures` requests.
type receiver struct {
	mu       sync.Mutex
	got      []map[string]string
	failures atomic.Int64
	hang     chan struct{}
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if r.hang != nil {
		<-r.hang
	}
	if r.failures.Add(-1) >= 0 {
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	var m map[string]string
	if err := json.NewDecoder(req.Body).Decode(&m); err != nil || req.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.got = append(r.got, m)
	r.mu.Unlock()
}

func (r *receiver) messages() []map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]string(nil), r.got...)
}

func start(t *testing.T, cfg alert.Config) (*alert.Webhook, func()) {
	t.Helper()
	w, err := alert.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go w.Run(ctx)
	return w, func() { cancel(); <-w.Done() }
}

func TestDeliversSlackJSONDeduplicatedAndMuted(t *testing.T) {
	rcv := &receiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	w, stop := start(t, alert.Config{URL: srv.URL})
	w.Notify(alert.Alert{Kind: alert.Rejected, Key: "rejected:player_game_summary:2023-02-03", Text: "player_game_summary 2023-02-03 rejected"})
	w.Notify(alert.Alert{Kind: alert.Rejected, Key: "rejected:player_game_summary:2023-02-03", Text: "again"})
	w.Notify(alert.Alert{Kind: alert.Failed, Key: "failed:x", Text: "from a backfill", Backfill: true})
	stop()
	got := rcv.messages()
	if len(got) != 1 || got[0]["kind"] != alert.Rejected || got[0]["text"] == "" {
		t.Fatalf("received %v, want one rejected alert with a text", got)
	}
	if st := w.Stats(); st.Sent != 1 || st.Deduplicated != 1 || st.Muted != 1 {
		t.Errorf("stats = %+v, want 1 sent, 1 deduplicated, 1 muted", st)
	}
}

func TestRetriesThenDelivers(t *testing.T) {
	rcv := &receiver{}
	rcv.failures.Store(2)
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	w, stop := start(t, alert.Config{URL: srv.URL, RetryBase: time.Millisecond, Attempts: 3})
	w.Notify(alert.Alert{Kind: alert.CircuitOpen, Key: "circuit:team_defense_game_summary", Text: "circuit open"})
	deadline := time.Now().Add(5 * time.Second)
	for len(rcv.messages()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	if got := rcv.messages(); len(got) != 1 {
		t.Errorf("after two failures: received %d alerts, want 1 on the third attempt", len(got))
	}
}

func TestRateLimited(t *testing.T) {
	rcv := &receiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	now := time.Date(2023, 2, 4, 0, 0, 0, 0, time.UTC)
	w, stop := start(t, alert.Config{URL: srv.URL, PerMinute: 5, Now: func() time.Time { return now }})
	for i := range 12 {
		w.Notify(alert.Alert{Kind: alert.Failed, Key: fmt.Sprint("failed:", i), Text: "failed"})
	}
	stop()
	if got, st := len(rcv.messages()), w.Stats(); got != 5 || st.RateLimited != 7 {
		t.Errorf("12 alerts in one minute with a limit of 5: %d sent, stats %+v; want 5 sent and 7 rate-limited", got, st)
	}
}

// TestNeverBlocks: the receiver hangs until the test ends, so a Notify that
// waited for the network would never return; once the queue is full,
// alerts are dropped and counted.
func TestNeverBlocks(t *testing.T) {
	rcv := &receiver{hang: make(chan struct{})}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	defer close(rcv.hang)
	w, stop := start(t, alert.Config{URL: srv.URL, Queue: 3, Client: &http.Client{Timeout: 200 * time.Millisecond}, Attempts: 1})
	for i := range 50 {
		w.Notify(alert.Alert{Kind: alert.Failed, Key: fmt.Sprint("k", i), Text: "x"})
	}
	stop()
	if st := w.Stats(); st.Dropped == 0 || st.Sent != 0 {
		t.Errorf("stats = %+v, want drops (queue of 3) and nothing delivered", st)
	}
}
