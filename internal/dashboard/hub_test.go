package dashboard

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestHubStream: a page's event stream gets an update for a change, one
// update for a burst of changes, and ends when the hub closes (shutdown).
func TestHubStream(t *testing.T) {
	h := NewHub()
	srv := httptest.NewServer(h.stream(50 * time.Millisecond))
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type = %q, want text/event-stream", ct)
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func() string {
		select {
		case l, ok := <-lines:
			if !ok {
				return "<closed>"
			}
			return l
		case <-time.After(30 * time.Second):
			t.Fatal("no event from the stream")
			return ""
		}
	}
	if l := next(); l != ": connected" {
		t.Fatalf("first line = %q, want the connected comment", l)
	}
	for h.Subscribers() == 0 {
		time.Sleep(time.Millisecond)
	}
	for range 20 {
		h.Notify() // a burst
	}
	var events []string
	for len(events) < 2 {
		if l := next(); strings.HasPrefix(l, "event: ") {
			events = append(events, l)
		}
		if len(events) == 1 {
			h.Notify() // one more change after the first update
		}
	}
	if events[0] != "event: update" || events[1] != "event: update" {
		t.Errorf("events = %v, want updates", events)
	}
	h.Close()
	for l := next(); l != "<closed>"; l = next() {
		if strings.HasPrefix(l, "event: ") {
			t.Errorf("after the burst and one change: extra %q; a burst must coalesce", l)
		}
	}
}
