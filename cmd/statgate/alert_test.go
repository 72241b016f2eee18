package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestRunAlertsThroughWebhook: `run` of a date with a game that never
// arrived publishes it partial and posts deadline alerts to the webhook;
// the demo (a backfill) stays quiet.
func TestRunAlertsThroughWebhook(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var texts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]string
		_ = json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		texts = append(texts, m["kind"]+": "+m["text"])
		mu.Unlock()
	}))
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "statgate.db")
	if code, _, errs := runCLI(t, db, "--alert-webhook", srv.URL, "demo", "--no-serve"); code != 0 {
		t.Fatalf("demo: %s", errs)
	}
	mu.Lock()
	quiet := len(texts)
	mu.Unlock()
	if quiet != 0 {
		t.Errorf("the demo (a backfill) sent %d alerts, want none without --alert-backfills", quiet)
	}
	if code, _, errs := runCLI(t, db, "--alert-webhook", srv.URL, "run", "--date", "2023-02-06", "--force"); code != 0 {
		t.Fatalf("run: %s", errs)
	}
	mu.Lock()
	defer mu.Unlock()
	n := 0
	for _, s := range texts {
		if strings.HasPrefix(s, "deadline_passed:") && strings.Contains(s, "20230206_CLE_WAS") {
			n++
		}
	}
	if n != 3 {
		t.Errorf("deadline alerts naming 20230206_CLE_WAS = %d, want 3; got %q", n, texts)
	}
}
