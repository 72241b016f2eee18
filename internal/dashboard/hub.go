package dashboard

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// DefaultMaxStreams is how many live-update streams a dashboard holds open
// at once unless Config.MaxStreams says otherwise. Each open page holds
// one stream (a connection and a goroutine) for as long as it is open.
const DefaultMaxStreams = 64

// streamRetryAfter is what a refused stream is told to wait before asking
// again: long enough for a closed page to free its slot.
const streamRetryAfter = 10 * time.Second

// Hub tells open pages that something changed (a task started or
// finished, a trigger arrived). Notify never blocks: each page holds a
// one-slot signal, so a burst of changes becomes one update.
type Hub struct {
	mu     sync.Mutex
	subs   map[chan struct{}]bool
	closed chan struct{}
	once   sync.Once
}

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{subs: map[chan struct{}]bool{}, closed: make(chan struct{})}
}

// Notify signals every open page.
func (h *Hub) Notify() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Close ends every stream (the server is shutting down).
func (h *Hub) Close() { h.once.Do(func() { close(h.closed) }) }

// subscribe opens a stream's signal, unless limit streams are open
// already (ok false). The returned func closes it and frees its slot.
func (h *Hub) subscribe(limit int) (ch chan struct{}, unsubscribe func(), ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) >= limit {
		return nil, nil, false
	}
	ch = make(chan struct{}, 1)
	h.subs[ch] = true
	return ch, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
	}, true
}

// Subscribers counts open streams.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// stream serves server-sent events: an "update" event whenever something
// changed, at most one per interval, and a comment every 15 s so proxies
// keep the connection open. The server's write timeout does not apply.
// At most maxStreams are open at once: each holds a connection and a
// goroutine for as long as its page is open, so without a bound clients
// could hold the server's every file descriptor. Beyond it the answer is
// 503 with Retry-After; a closed stream frees its slot.
func (h *Hub) stream(interval time.Duration, maxStreams int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ch, unsubscribe, ok := h.subscribe(maxStreams)
		if !ok {
			refuseStream(w, maxStreams)
			return
		}
		defer unsubscribe()
		rc := http.NewResponseController(w)
		_ = rc.SetWriteDeadline(time.Time{})
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		send := func(s string) bool {
			if _, err := fmt.Fprint(w, s); err != nil {
				return false
			}
			return rc.Flush() == nil
		}
		if !send(": connected\n\n") {
			return
		}
		keepAlive := time.NewTicker(15 * time.Second)
		defer keepAlive.Stop()
		n := 0
		for {
			select {
			case <-r.Context().Done():
				return
			case <-h.closed:
				return
			case <-keepAlive.C:
				if !send(": keep-alive\n\n") {
					return
				}
			case <-ch:
				n++
				if !send(fmt.Sprintf("event: update\nid: %d\ndata: %d\n\n", n, n)) {
					return
				}
				// Coalesce: changes during the interval make one more update.
				select {
				case <-time.After(interval):
				case <-r.Context().Done():
					return
				case <-h.closed:
					return
				}
			}
		}
	}
}

// refuseStream answers a stream beyond the cap: 503, JSON with the
// service's stable status field, and when to try again.
func refuseStream(w http.ResponseWriter, maxStreams int) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Retry-After", strconv.Itoa(int(streamRetryAfter/time.Second)))
	w.WriteHeader(http.StatusServiceUnavailable)
	_ = json.NewEncoder(w).Encode(struct {
		Status     string `json:"status"`
		Error      string `json:"error"`
		MaxStreams int    `json:"max_streams"`
	}{"error", fmt.Sprintf("too many live-update streams: %d are open, the most this server holds; try again later", maxStreams), maxStreams})
}
