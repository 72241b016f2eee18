package dashboard

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/publish"
	"github.com/statgate/statgate/internal/testdb"
)

// TestHubStream: a page's event stream gets an update for a change, one
// update for a burst of changes, and ends when the hub closes (shutdown).
func TestHubStream(t *testing.T) {
	h := NewHub()
	srv := httptest.NewServer(h.stream(50*time.Millisecond, DefaultMaxStreams))
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

// streamServer serves a dashboard over an empty real store on loopback
// HTTP, with the given stream cap (0: the default); the hub is returned
// to watch its subscribers.
func streamServer(t *testing.T, maxStreams int) (*httptest.Server, *Hub) {
	t.Helper()
	s := testdb.SQLite(t)
	g := graph(t)
	e, err := engine.New(engine.Config{Store: s, Catalog: nba.Catalog, Graph: g,
		Executor: &publish.Executor{Store: s, Catalog: nba.Catalog}})
	if err != nil {
		t.Fatal(err)
	}
	hub := NewHub()
	d, err := New(Config{Store: s, Catalog: nba.Catalog, Graph: g, Engine: e, Hub: hub, MaxStreams: maxStreams})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d)
	// Cleanups run last-in first-out: the hub ends the open streams, then
	// the server closes.
	t.Cleanup(srv.Close)
	t.Cleanup(hub.Close)
	return srv, hub
}

// openStream opens GET /ui/stream; the caller closes the body.
func openStream(t *testing.T, url string) *http.Response {
	t.Helper()
	res, err := http.Get(url + "/ui/stream")
	if err != nil {
		t.Fatalf("GET /ui/stream: %v", err)
	}
	return res
}

// connected reads a stream's first line, the connected comment, and
// returns the reader of the lines after it.
func connected(t *testing.T, res *http.Response) *bufio.Reader {
	t.Helper()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("GET /ui/stream = %d %s, want 200", res.StatusCode, body)
	}
	rd := bufio.NewReader(res.Body)
	line, err := rd.ReadString('\n')
	if err != nil || line != ": connected\n" {
		t.Fatalf("GET /ui/stream first line = %q, %v; want the connected comment", line, err)
	}
	return rd
}

// refused checks the answer to a stream beyond the cap: 503, JSON with a
// status and a reason naming the cap, and Retry-After.
func refused(t *testing.T, res *http.Response, maxStreams int) {
	t.Helper()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("GET /ui/stream with %d streams open = %d %s, want 503", maxStreams, res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("refused stream Content-Type = %q, want application/json", ct)
	}
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s <= 0 {
		t.Errorf("refused stream Retry-After = %q, want a number of seconds", res.Header.Get("Retry-After"))
	}
	var ans struct {
		Status     string `json:"status"`
		Error      string `json:"error"`
		MaxStreams int    `json:"max_streams"`
	}
	if err := json.Unmarshal(body, &ans); err != nil || ans.Status != "error" || ans.MaxStreams != maxStreams ||
		!strings.Contains(ans.Error, "too many live-update streams") || !strings.Contains(ans.Error, strconv.Itoa(maxStreams)) {
		t.Errorf("refused stream body = %s (%v), want status error, a reason naming the cap %d", body, err, maxStreams)
	}
}

// waitSubscribers waits until the hub counts n open streams. A stream's
// slot is freed once the server sees its connection close, which happens
// after the client closed it; the test's own deadline bounds the wait.
func waitSubscribers(t *testing.T, h *Hub, n int) {
	t.Helper()
	for h.Subscribers() != n {
		time.Sleep(5 * time.Millisecond)
	}
}

// TestStreamCap: with the cap at 3, three pages hold streams; a fourth is
// refused with 503 and Retry-After and opens nothing; once a page closes,
// its slot is free and a new page gets a stream.
func TestStreamCap(t *testing.T) {
	t.Parallel()
	const maxStreams = 3
	srv, hub := streamServer(t, maxStreams)
	var open []*http.Response
	for range maxStreams {
		res := openStream(t, srv.URL)
		defer res.Body.Close()
		connected(t, res)
		open = append(open, res)
	}
	if n := hub.Subscribers(); n != maxStreams {
		t.Fatalf("Subscribers() = %d with %d streams connected, want %d", n, maxStreams, maxStreams)
	}
	for range 2 {
		res := openStream(t, srv.URL)
		refused(t, res, maxStreams)
		res.Body.Close()
	}
	if n := hub.Subscribers(); n != maxStreams {
		t.Errorf("Subscribers() = %d after refusals, want %d: a refused stream takes no slot", n, maxStreams)
	}

	// A page closes: its slot is freed, and the next page gets a stream
	// that updates like any other.
	open[0].Body.Close()
	waitSubscribers(t, hub, maxStreams-1)
	res := openStream(t, srv.URL)
	defer res.Body.Close()
	rd := connected(t, res)
	if n := hub.Subscribers(); n != maxStreams {
		t.Errorf("Subscribers() = %d after a page replaced a closed one, want %d", n, maxStreams)
	}
	hub.Notify()
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("the stream that took the freed slot ended before an update: %v", err)
		}
		if line == "event: update\n" {
			break
		}
	}
	res = openStream(t, srv.URL)
	defer res.Body.Close()
	refused(t, res, maxStreams)
}

// TestStreamCapDefault: without a configured cap, DefaultMaxStreams
// streams are served and one more is refused; a negative cap is a
// configuration error.
func TestStreamCapDefault(t *testing.T) {
	t.Parallel()
	srv, hub := streamServer(t, 0)
	for range DefaultMaxStreams {
		res := openStream(t, srv.URL)
		defer res.Body.Close()
		connected(t, res)
	}
	if n := hub.Subscribers(); n != DefaultMaxStreams {
		t.Fatalf("Subscribers() = %d, want %d", n, DefaultMaxStreams)
	}
	res := openStream(t, srv.URL)
	defer res.Body.Close()
	refused(t, res, DefaultMaxStreams)

	s := testdb.SQLite(t)
	e, err := engine.New(engine.Config{Store: s, Catalog: nba.Catalog, Graph: graph(t), Executor: &publish.Executor{Store: s, Catalog: nba.Catalog}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Store: s, Catalog: nba.Catalog, Graph: graph(t), Engine: e, Hub: NewHub(), MaxStreams: -1}); err == nil ||
		!strings.Contains(err.Error(), "MaxStreams") {
		t.Errorf("New(MaxStreams: -1) = %v, want an error naming MaxStreams", err)
	}
}
