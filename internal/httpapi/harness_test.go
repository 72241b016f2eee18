package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/httpapi"
	"github.com/statgate/statgate/internal/metrics"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
	"github.com/statgate/statgate/internal/release"
)

// service is a real statgate service on loopback HTTP: the API over a
// real store, and, when started, the engine following the calendar and the
// backfiller, as `statgate serve` wires them.
type service struct {
	URL    string
	Store  pipeline.Store
	Engine *engine.Engine
	Events *eventLog
	Token  string
	reg    *prometheus.Registry
	stop   func()
}

// options change how a test service is built.
type options struct {
	token    string
	noEngine bool // serve the API only; nothing computes
	mods     func(*engine.Config)
	// now is the API's clock (nil: the wall clock); it says which day
	// today is for the game_date bounds.
	now func() time.Time
	// processors is the build (nil: nba.Processors()).
	processors []pipeline.Processor
}

// eventLog keeps every engine event in order.
type eventLog struct {
	mu  sync.Mutex
	all []engine.Event
	at  []time.Time
}

func (l *eventLog) add(ev engine.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, ev)
	l.at = append(l.at, time.Now())
}

func (l *eventLog) list() []engine.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]engine.Event(nil), l.all...)
}

// startService starts a service on s; it stops (draining the engine) when
// the test ends.
func startService(t testing.TB, s pipeline.Store, o options) *service {
	t.Helper()
	procs := o.processors
	if procs == nil {
		procs = nba.Processors()
	}
	g, err := dag.Build(nba.Catalog, procs)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, g.Order())
	log := &eventLog{}
	cfg := engine.Config{
		Store: s, Catalog: nba.Catalog, Graph: g, Owner: "test", Workers: 2,
		Executor: &publish.Executor{Store: s, Catalog: nba.Catalog, BuildRevision: "test", Cache: publish.NewCache(200_000)},
		Events:   func(ev engine.Event) { m.Event(ev); log.add(ev) },
		Observe:  m.Observe,
		Retry:    engine.Retry{Base: 20 * time.Millisecond, Factor: 2, Cap: 200 * time.Millisecond, MaxAttempts: 50},
	}
	if o.mods != nil {
		o.mods(&cfg)
	}
	e, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	bf := engine.NewBackfiller(e, 400)
	pol := cfg.Policy
	if pol == (dag.Policy{}) {
		pol = dag.DefaultPolicy()
	}
	pl := &release.Planner{Store: s, Engine: e, Graph: g, Executor: cfg.Executor, Policy: pol, Now: time.Now}
	api, err := httpapi.New(httpapi.Config{Store: s, Catalog: nba.Catalog, Graph: g, Engine: e, Backfills: bf, Planner: pl,
		Wake: func(changed ...pipeline.PartKey) { e.Notify(changed...); bf.Notify(changed...) }, Token: o.token, Metrics: m, Gatherer: reg,
		Version: map[string]string{"revision": "test"}, Now: o.now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	if !o.noEngine {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := e.Run(ctx, engine.Scope{Follow: true}); err != nil && ctx.Err() == nil {
				t.Errorf("engine: %v", err)
			}
		}()
		go func() {
			defer wg.Done()
			if err := bf.Run(ctx); err != nil {
				t.Errorf("backfills: %v", err)
			}
		}()
	}
	sv := &service{URL: srv.URL, Store: s, Engine: e, Events: log, Token: o.token, reg: reg}
	var once sync.Once
	sv.stop = func() {
		once.Do(func() {
			srv.Close()
			cancel()
			wg.Wait()
		})
	}
	t.Cleanup(sv.stop)
	return sv
}

// answer is a decoded JSON answer with its status code.
type answer struct {
	Code int
	Body map[string]any
	Raw  []byte
}

func (a answer) str(key string) string {
	s, _ := a.Body[key].(string)
	return s
}

// do sends a request with the service's token (when it has one and auth is
// true) and decodes the JSON answer.
func (sv *service) do(t testing.TB, method, path string, body []byte, auth bool) answer {
	t.Helper()
	req, err := http.NewRequest(method, sv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth && sv.Token != "" {
		req.Header.Set("Authorization", "Bearer "+sv.Token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{Code: res.StatusCode, Raw: raw}
	if err := json.Unmarshal(raw, &a.Body); err != nil {
		t.Fatalf("%s %s answered %d with a body that is not a JSON object: %v\n%s", method, path, res.StatusCode, err, raw)
	}
	if _, ok := a.Body["status"].(string); !ok {
		t.Errorf("%s %s answered without a status field: %s", method, path, raw)
	}
	return a
}

// message is a Phase 2 completion message.
func message(table string, d pipeline.Date, status string, count int) []byte {
	m := map[string]any{"output_table": "nba_raw." + table, "game_date": d.String(), "status": status,
		"execution_id": "exec-" + d.String(), "correlation_id": "corr-1"}
	if count > 0 {
		m["record_count"] = count
	}
	b, _ := json.Marshal(m)
	return b
}

// push wraps a message in a Pub/Sub push envelope.
func push(msg []byte, id string) []byte {
	b, _ := json.Marshal(map[string]any{
		"message":      map[string]any{"data": base64.StdEncoding.EncodeToString(msg), "messageId": id, "attributes": map[string]string{"source": "phase2"}},
		"subscription": "projects/nba/subscriptions/phase3-push",
	})
	return b
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
