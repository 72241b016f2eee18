package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/sqlite"
	"github.com/statgate/statgate/internal/testdb"
)

// TestRunAlertsThroughWebhook: `run` of a date with a game that never
// arrived publishes it partial and posts deadline alerts to the webhook;
// the demo (a backfill) stays quiet.
func TestRunAlertsThroughWebhook(t *testing.T) {
	t.Parallel()
	sharedDemo(t)
	if len(demo.alerts) != 0 {
		t.Errorf("the demo (a backfill) sent %d alerts, want none without --alert-backfills: %q", len(demo.alerts), demo.alerts)
	}
	srv := newWebhook()
	defer srv.Close()
	// A run that publishes the date partial alerts (a forced run over the
	// demo's would publish nothing new, and so say nothing again).
	fresh := filepath.Join(t.TempDir(), "fresh.db")
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: fresh, Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	feb6 := pipeline.MustDate("2023-02-06")
	testdb.LoadRaw(t, s, testdb.SeasonRows(t), feb6, feb6)
	s.Close()
	if code, _, errs := runCLI(t, fresh, "--alert-webhook", srv.URL, "run", "--date", "2023-02-06"); code != 0 {
		t.Fatalf("run: %s", errs)
	}
	got := srv.alerts()
	n := 0
	for _, s := range got {
		if strings.HasPrefix(s, "deadline_passed:") && strings.Contains(s, "20230206_CLE_WAS") {
			n++
		}
	}
	if n != 3 {
		t.Errorf("deadline alerts naming 20230206_CLE_WAS = %d, want 3; got %q", n, got)
	}
}

// webhook is a Slack-compatible alert receiver that keeps what it was sent
// as "kind: text".
type webhook struct {
	*httptest.Server
	mu  sync.Mutex
	got []string
}

func newWebhook() *webhook {
	w := &webhook{}
	w.Server = httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		var m map[string]string
		_ = json.NewDecoder(r.Body).Decode(&m)
		w.mu.Lock()
		defer w.mu.Unlock()
		w.got = append(w.got, m["kind"]+": "+m["text"])
	}))
	return w
}

// alerts are the alerts received so far.
func (w *webhook) alerts() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.got)
}
