// Package alert sends operators a message when something needs a human:
// a rejected or failed task, an open circuit, a date published partial
// after its completeness deadline, a partition late for its publish
// deadline, a promoted processor version rolled back. Messages go to a
// webhook as Slack-compatible JSON. Sending never blocks or fails the
// pipeline: alerts are queued (and dropped, counted, when the queue is
// full), deduplicated, rate-limited, retried with backoff, and muted during
// backfills unless asked for.
package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Kinds of alerts.
const (
	Rejected       = "task_rejected"
	Failed         = "task_failed"
	CircuitOpen    = "circuit_open"
	DeadlinePassed = "deadline_passed"
	// Late: a partition was not published by its table's publish deadline.
	Late = "partition_late"
	// RolledBack: a promoted processor version's circuit opened, and what
	// it published since its promotion was rolled back (or that failed).
	RolledBack = "version_rolled_back"
	// CanaryHeld: a new processor version's canary failed the promotion
	// policy, so the version stays held.
	CanaryHeld = "canary_held"
)

// Alert is one message.
type Alert struct {
	Kind string
	// Key identifies the condition: the same key within the dedup window
	// is sent once.
	Key  string
	Text string
	// Backfill marks alerts raised by a backfill (muted unless asked).
	Backfill bool
}

// Config configures a Webhook. Zero fields take the documented defaults.
type Config struct {
	URL    string
	Client *http.Client // default: 5 s timeout
	// Dedup is how long the same key is not sent again (1h).
	Dedup time.Duration
	// PerMinute caps messages sent per minute (20); the rest are dropped.
	PerMinute int
	// Attempts per message, with doubling backoff from RetryBase (3, 500ms).
	Attempts  int
	RetryBase time.Duration
	// Queue is how many alerts wait to be sent before new ones are dropped (100).
	Queue int
	// Backfills sends alerts raised by backfills too.
	Backfills bool
	Now       func() time.Time
	Logger    *slog.Logger
}

// Stats counts what happened to alerts.
type Stats struct {
	Sent, Deduplicated, RateLimited, Muted, Dropped, Failed int64
}

// Webhook posts alerts to a URL from its own goroutine.
type Webhook struct {
	cfg   Config
	queue chan Alert
	mu    sync.Mutex
	seen  map[string]time.Time
	sent  []time.Time // send times within the last minute
	stats struct{ sent, dedup, limited, muted, dropped, failed atomic.Int64 }
	done  chan struct{}
}

// New validates cfg; Start begins sending.
func New(cfg Config) (*Webhook, error) {
	if cfg.URL == "" {
		return nil, fmt.Errorf("alert: no webhook URL")
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 5 * time.Second}
	}
	if cfg.Dedup <= 0 {
		cfg.Dedup = time.Hour
	}
	if cfg.PerMinute <= 0 {
		cfg.PerMinute = 20
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 3
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = 500 * time.Millisecond
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 100
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Webhook{cfg: cfg, queue: make(chan Alert, cfg.Queue), seen: map[string]time.Time{}, done: make(chan struct{})}, nil
}

// Notify queues an alert and returns at once. It is safe to call from any
// goroutine, also before Start and after the sender stopped (then the alert
// is dropped).
func (w *Webhook) Notify(a Alert) {
	if a.Backfill && !w.cfg.Backfills {
		w.stats.muted.Add(1)
		return
	}
	now := w.cfg.Now()
	w.mu.Lock()
	if at, ok := w.seen[a.Key]; ok && now.Sub(at) < w.cfg.Dedup {
		w.mu.Unlock()
		w.stats.dedup.Add(1)
		return
	}
	w.seen[a.Key] = now
	if len(w.seen) > 10_000 {
		for k, at := range w.seen {
			if now.Sub(at) >= w.cfg.Dedup {
				delete(w.seen, k)
			}
		}
	}
	w.mu.Unlock()
	select {
	case w.queue <- a:
	default:
		w.stats.dropped.Add(1)
		w.mu.Lock()
		delete(w.seen, a.Key) // not sent: the next occurrence may be
		w.mu.Unlock()
	}
}

// Run sends queued alerts until ctx is done, then sends what is already
// queued (each with a single attempt) and returns.
func (w *Webhook) Run(ctx context.Context) {
	defer close(w.done)
	for {
		select {
		case a := <-w.queue:
			w.send(ctx, a)
		case <-ctx.Done():
			for {
				select {
				case a := <-w.queue:
					w.send(context.WithoutCancel(ctx), a)
				default:
					return
				}
			}
		}
	}
}

// Done is closed when Run has returned.
func (w *Webhook) Done() <-chan struct{} { return w.done }

// Stats returns the counters so far.
func (w *Webhook) Stats() Stats {
	return Stats{Sent: w.stats.sent.Load(), Deduplicated: w.stats.dedup.Load(), RateLimited: w.stats.limited.Load(),
		Muted: w.stats.muted.Load(), Dropped: w.stats.dropped.Load(), Failed: w.stats.failed.Load()}
}

// allow applies the per-minute limit.
func (w *Webhook) allow() bool {
	now := w.cfg.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	keep := w.sent[:0]
	for _, t := range w.sent {
		if now.Sub(t) < time.Minute {
			keep = append(keep, t)
		}
	}
	w.sent = keep
	if len(w.sent) >= w.cfg.PerMinute {
		return false
	}
	w.sent = append(w.sent, now)
	return true
}

// message is the Slack-compatible body.
type message struct {
	Text string `json:"text"`
	Kind string `json:"kind"`
	Key  string `json:"key"`
}

func (w *Webhook) send(ctx context.Context, a Alert) {
	if !w.allow() {
		w.stats.limited.Add(1)
		return
	}
	body, _ := json.Marshal(message{Text: ":rotating_light: statgate: " + a.Text, Kind: a.Kind, Key: a.Key})
	attempts := w.cfg.Attempts
	if ctx.Err() != nil {
		attempts = 1
	}
	wait := w.cfg.RetryBase
	for i := 1; ; i++ {
		err := w.post(ctx, body)
		if err == nil {
			w.stats.sent.Add(1)
			return
		}
		if i >= attempts {
			w.stats.failed.Add(1)
			w.cfg.Logger.Warn("alert not delivered", "kind", a.Kind, "key", a.Key, "attempts", i, "err", err)
			return
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
		wait *= 2
	}
}

func (w *Webhook) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}
