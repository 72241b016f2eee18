package dashboard

import (
	"fmt"
	"net/http"
	"sync"
	"time"
)

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

func (h *Hub) subscribe() (chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	h.subs[ch] = true
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
	}
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
func (h *Hub) stream(interval time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		_ = rc.SetWriteDeadline(time.Time{})
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		ch, unsubscribe := h.subscribe()
		defer unsubscribe()
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
