// Package httpapi is statgate's HTTP service (SPEC §8): Phase 2's
// completion messages on /process, backfills on /process-date-range, the
// read API under /api, rollback, processor releases (plan, canary,
// promotion), health, readiness, metrics and version.
// Every answer is JSON with a stable "status" field; error kinds map to
// status codes in one table (errors.go).
package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/metrics"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/release"
)

// MaxBody is the largest request body accepted (SPEC §8); larger get 413.
const MaxBody = 1 << 20

// Config wires a Server. Store, Catalog, Graph, Engine and Backfills are
// required.
type Config struct {
	Store     pipeline.Store
	Catalog   *pipeline.Catalog
	Graph     *dag.Graph
	Engine    *engine.Engine
	Backfills *engine.Backfiller
	// Planner, when set, serves GET /api/plan and POST /api/plan/apply:
	// what promoting each processor's running version would do, its
	// canary, and the promotion.
	Planner *release.Planner
	// Wake tells the running engines that partitions changed (none named:
	// anything may have; nil: they find out by polling).
	Wake func(changed ...pipeline.PartKey)
	// Token, when set, is required as a bearer token on mutating requests.
	Token string
	// Metrics and Gatherer serve /metrics (both nil: no metrics).
	Metrics  *metrics.Metrics
	Gatherer prometheus.Gatherer
	// Pages, when set, serves the dashboard: GET /, /ui/… and /assets/….
	Pages http.Handler
	// Version is what /version answers (the build revision).
	Version any
	Logger  *slog.Logger
	// Now is the clock (time.Now when nil); its UTC date is the "today"
	// of the game_date bounds (pipeline.CheckGameDate).
	Now func() time.Time
}

// readier is a store that can say whether it is reachable and migrated.
type readier interface {
	Ready(ctx context.Context) error
}

// Server serves the API.
type Server struct {
	cfg   Config
	token [32]byte
}

// New checks cfg and returns a server.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Catalog == nil || cfg.Graph == nil || cfg.Engine == nil || cfg.Backfills == nil {
		return nil, errors.New("httpapi: Store, Catalog, Graph, Engine and Backfills are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Wake == nil {
		cfg.Wake = func(...pipeline.PartKey) {}
	}
	return &Server{cfg: cfg, token: sha256.Sum256([]byte(cfg.Token))}, nil
}

// handlerFunc is a handler that returns an error to be answered by kind.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, mutating, queryToken bool, h handlerFunc) {
		mux.Handle(pattern, s.wrap(mutating, queryToken, h))
	}
	handle("POST /process", true, true, s.process)
	handle("POST /process-date-range", true, false, s.processDateRange)
	handle("POST /api/rollback", true, false, s.rollback)
	if s.cfg.Planner != nil {
		handle("GET /api/plan", false, false, s.plan)
		handle("POST /api/plan/apply", true, false, s.applyPlan)
	}
	handle("GET /api/graph", false, false, s.graph)
	handle("GET /api/partitions", false, false, s.partitions)
	handle("GET /api/tasks/{processor}/{date}", false, false, s.task)
	handle("GET /api/events", false, false, s.events)
	handle("GET /api/backfills", false, false, s.backfills)
	handle("GET /api/backfills/{id}", false, false, s.backfill)
	handle("GET /healthz", false, false, s.healthz)
	handle("GET /readyz", false, false, s.readyz)
	handle("GET /version", false, false, s.version)
	if s.cfg.Pages != nil {
		pages := s.wrap(false, false, func(w http.ResponseWriter, r *http.Request) error {
			s.cfg.Pages.ServeHTTP(w, r)
			return nil
		})
		mux.Handle("GET /{$}", pages)
		mux.Handle("GET /ui/", pages)
		mux.Handle("GET /assets/", pages)
	}
	if s.cfg.Gatherer != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(s.cfg.Gatherer, promhttp.HandlerOpts{}))
	}
	mux.Handle("/", s.wrap(false, false, func(w http.ResponseWriter, r *http.Request) error {
		return unrouted(mux, w, r)
	}))
	return mux
}

// unrouted answers a request no route took: 405 naming the allowed
// methods when the path exists, else 404.
func unrouted(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) error {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return &routeError{code: http.StatusMethodNotAllowed, msg: r.Method + " " + r.URL.Path + ": method not allowed (allowed: " + strings.Join(allow, ", ") + ")"}
	}
	return &routeError{code: http.StatusNotFound, msg: "no route " + r.Method + " " + r.URL.Path}
}

// routeError answers with a fixed code (unknown route, wrong method).
type routeError struct {
	code int
	msg  string
}

func (e *routeError) Error() string { return e.msg }

// statusWriter remembers the status code for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// wrap adds, around every route: the body limit, authentication for
// mutating requests, error answers, a log line and request metrics. The
// query string is never logged (it may hold the token).
func (s *Server) wrap(mutating, queryToken bool, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		r.Body = http.MaxBytesReader(sw, r.Body, MaxBody)
		err := s.authorize(r, mutating, queryToken)
		if err == nil && mutating {
			err = sameSiteJSON(r)
		}
		if err == nil && r.ContentLength > MaxBody {
			err = errTooLarge
		}
		if err == nil {
			err = h(sw, r)
		}
		if err != nil {
			var re *routeError
			if errors.As(err, &re) {
				writeJSON(sw, re.code, errorBody{Status: "error", Error: re.msg})
			} else {
				writeError(sw, err)
			}
		}
		took := time.Since(start)
		route := r.Pattern
		if route == "" || route == "/" {
			route = "unmatched"
		}
		if s.cfg.Metrics != nil {
			s.cfg.Metrics.Request(route, sw.code, took)
		}
		level := slog.LevelDebug
		switch {
		case sw.code >= 500:
			level = slog.LevelError
		case mutating || sw.code >= 400:
			level = slog.LevelInfo
		}
		attrs := []any{"method", r.Method, "path", r.URL.Path, "code", sw.code, "duration_ms", float64(took.Microseconds()) / 1000}
		if err != nil {
			attrs = append(attrs, "err", err.Error())
		}
		s.cfg.Logger.Log(r.Context(), level, "http request", attrs...)
	})
}

// authorize checks the bearer token of mutating requests (and ?token= on
// /process, since a Pub/Sub push subscription cannot set headers),
// comparing digests in constant time.
func (s *Server) authorize(r *http.Request, mutating, queryToken bool) error {
	if !mutating || s.cfg.Token == "" {
		return nil
	}
	var got string
	if h := r.Header.Get("Authorization"); len(h) > 7 && (h[:7] == "Bearer " || h[:7] == "bearer ") {
		got = h[7:]
	} else if queryToken {
		got = r.URL.Query().Get("token")
	}
	if got == "" {
		return errUnauthorizedf("missing bearer token")
	}
	sum := sha256.Sum256([]byte(got))
	if subtle.ConstantTimeCompare(sum[:], s.token[:]) != 1 {
		return errUnauthorizedf("wrong token")
	}
	return nil
}

// sameSiteJSON refuses what a web page on another site could make a
// browser send without asking (a "simple" cross-site request): mutating
// requests must say they carry JSON, which a cross-site page cannot do
// without a CORS preflight this server never grants, and must not come
// from another site according to the browser.
func sameSiteJSON(r *http.Request) error {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return &wrapped{msg: "cross-site request refused", kind: errForbidden}
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		return &wrapped{msg: fmt.Sprintf("Content-Type %q: send application/json", r.Header.Get("Content-Type")), kind: errMediaType}
	}
	return nil
}

func errUnauthorizedf(msg string) error { return &wrapped{msg: msg, kind: errUnauthorized} }

// wrapped is a message of a given kind.
type wrapped struct {
	msg  string
	kind error
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.kind }
