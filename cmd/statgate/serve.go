package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/statgate/statgate/internal/dashboard"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/httpapi"
	"github.com/statgate/statgate/internal/metrics"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/release"
)

// serveFlags configure the HTTP service.
type serveFlags struct {
	addr            string
	token           string
	grace           time.Duration
	maxBackfillDays int
	maxStreams      int
	engine          engineFlags
}

func (f *serveFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.addr, "addr", ":8080", "address to listen on (PORT, when set and --addr is not, gives :PORT)")
	fs.StringVar(&f.token, "auth-token", "", "bearer token required on mutating requests (env STATGATE_AUTH_TOKEN)")
	fs.DurationVar(&f.grace, "shutdown-grace", 25*time.Second,
		"on SIGTERM, how long running tasks may take to finish; the rest run again at the next start")
	fs.IntVar(&f.maxBackfillDays, "max-backfill-days", 400, "longest date range /process-date-range accepts")
	fs.IntVar(&f.maxStreams, "max-streams", dashboard.DefaultMaxStreams,
		"most dashboard live-update streams (one per open page) held at once; beyond it a page gets 503 with Retry-After")
	f.engine.register(fs)
}

func newServeCmd(c *cli) *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve [--addr :8080]",
		Short: "Run the HTTP service: Phase 2 messages, backfills, the API, health and metrics",
		Long: `serve runs the engine continuously over every date the schedule lists and
answers HTTP (SPEC §8): POST /process takes Phase 2's completion messages
(Pub/Sub push or bare JSON), POST /process-date-range starts backfills, /api/*
reads state, GET /api/plan says what promoting each held processor version
would recompute (with ?canary=PROCESSOR, its canary) and POST /api/plan/apply
promotes one, /healthz, /readyz, /metrics and /version serve operations. On
SIGTERM it stops taking requests, lets running tasks finish within
--shutdown-grace, and leaves the rest to run again at the next start.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("addr") {
				if port := c.getenv("PORT"); port != "" {
					f.addr = ":" + port
				}
			}
			if f.token == "" {
				f.token = c.getenv("STATGATE_AUTH_TOKEN")
			}
			if !cmd.Flags().Changed("log-level") && !cmd.Root().PersistentFlags().Changed("log-level") {
				c.logLevel = "info"
			}
			s, err := c.openStore(cmd.Context())
			if err != nil {
				return err
			}
			err = c.serve(cmd.Context(), s, f, nil)
			if !errors.Is(err, errAbandoned) {
				s.Close() // would wait for the abandoned tasks' connections
			}
			return ignoreAbandoned(err)
		},
	}
	f.register(cmd)
	return cmd
}

// errAbandoned: the grace period ended with work still running; the
// process exits without waiting for it (nothing is half-published, and
// the next start runs it again).
var errAbandoned = errors.New("shutdown grace period over with tasks still running")

// ignoreAbandoned treats an abandoned drain as a normal stop.
func ignoreAbandoned(err error) error {
	if errors.Is(err, errAbandoned) {
		return nil
	}
	return err
}

// serve runs the service on s until ctx is cancelled or a component fails.
// ready, when set, is called with the listening URL once requests are
// accepted. It returns errAbandoned when the grace period ran out.
func (c *cli) serve(ctx context.Context, s pipeline.Store, f serveFlags, ready func(url string)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	log := c.logger()
	svc, err := c.wire(s, f)
	if err != nil {
		return err
	}
	e, bf, hub := svc.engine, svc.backfills, svc.hub
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", f.addr, err)
	}
	url := "http://" + displayAddr(ln.Addr())
	srv := &http.Server{
		Handler:           svc.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	// Live pages hold their event streams open; shutting down ends them.
	srv.RegisterOnShutdown(hub.Close)
	// The engine and the backfills stop taking work when ctx ends and
	// drain what runs; the HTTP server is shut down alongside.
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	wg.Add(2)
	go func() {
		defer wg.Done()
		if _, err := e.Run(ctx, engine.Scope{Follow: true}); err != nil && ctx.Err() == nil {
			errs <- fmt.Errorf("engine: %w", err)
		}
	}()
	go func() {
		defer wg.Done()
		if err := bf.Run(ctx); err != nil && ctx.Err() == nil {
			errs <- fmt.Errorf("backfills: %w", err)
		}
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("http: %w", err)
		}
	}()
	log.Info("serving", "url", url, "auth", f.token != "")
	if c.jsonOut {
		fmt.Fprintf(c.stderr, "statgate serving on %s\n", url)
	} else {
		c.printf("statgate serving on %s (dashboard at /)\n", url)
	}
	if ready != nil {
		ready(url)
	}
	var runErr error
	select {
	case <-ctx.Done():
		log.Info("stopping: no new requests or tasks; running tasks finish", "grace", f.grace.String())
	case runErr = <-errs:
		log.Error("stopping after an error", "err", runErr)
	}
	cancel() // the engines stop claiming work, whatever stopped us
	return errors.Join(runErr, c.drain(srv, &wg, f.grace))
}

// drain shuts the HTTP server down and waits for the engines' running
// tasks, both at once and both within grace. Past it, it returns
// errAbandoned: the tasks' publications are single transactions, so
// nothing is half-written, and their leases expire so that the next start
// runs them again.
func (c *cli) drain(srv *http.Server, wg *sync.WaitGroup, grace time.Duration) error {
	log := c.logger()
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	httpDone := make(chan error, 1)
	go func() { httpDone <- srv.Shutdown(sctx) }()
	enginesDone := make(chan struct{})
	go func() { wg.Wait(); close(enginesDone) }()
	select {
	case <-enginesDone:
	case <-sctx.Done():
		log.Warn("grace period over with tasks still running; they run again at the next start", "grace", grace.String())
		return errAbandoned
	}
	if err := <-httpDone; err != nil {
		log.Warn("grace period over with requests still open", "grace", grace.String(), "err", err)
		return errAbandoned
	}
	log.Info("stopped cleanly")
	return nil
}

// displayAddr turns a listener's address into one a browser can open.
func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		if ok {
			return fmt.Sprintf("localhost:%d", tcp.Port)
		}
		return a.String()
	}
	return a.String()
}

// service is what serve runs: the engine following the calendar, the
// backfiller, the live-update hub and the HTTP handler.
type service struct {
	engine    *engine.Engine
	backfills *engine.Backfiller
	hub       *dashboard.Hub
	handler   http.Handler
}

// wire builds the service's parts on s, with metrics on a registry of
// their own.
func (c *cli) wire(s pipeline.Store, f serveFlags) (service, error) {
	log := c.logger()
	cfg, err := c.engineConfig(s, f.engine)
	if err != nil {
		return service{}, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := metrics.New(reg, cfg.Graph.Order())
	hub := dashboard.NewHub()
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "statgate_dashboard_streams",
		Help: "Dashboard live-update streams open (at most --max-streams)."}, func() float64 { return float64(hub.Subscribers()) }))
	cfg.Observe = m.Observe
	cfg.Events = func(ev engine.Event) {
		m.Event(ev)
		hub.Notify()
	}
	e, err := engine.New(cfg)
	if err != nil {
		return service{}, err
	}
	bf := engine.NewBackfiller(e, f.maxBackfillDays)
	// The planner stages canaries with the engine's executor, so that they
	// compute exactly what a promotion would publish.
	pl := &release.Planner{Store: s, Engine: e, Graph: cfg.Graph, Executor: cfg.Executor, Policy: cfg.Policy, Now: c.now}
	pages, err := dashboard.New(dashboard.Config{Store: s, Catalog: nba.Catalog, Graph: cfg.Graph, Engine: e, Hub: hub, Planner: pl,
		TokenRequired: f.token != "", Now: c.now, Logger: log, MaxStreams: f.maxStreams})
	if err != nil {
		return service{}, err
	}
	api, err := httpapi.New(httpapi.Config{
		Store: s, Catalog: nba.Catalog, Graph: cfg.Graph, Engine: e, Backfills: bf, Planner: pl,
		Wake: func(changed ...pipeline.PartKey) { e.Notify(changed...); bf.Notify(changed...); hub.Notify() }, Token: f.token, Metrics: m, Gatherer: reg,
		Pages: pages, Version: readBuildInfo(), Logger: log, Now: c.now,
	})
	if err != nil {
		return service{}, err
	}
	return service{engine: e, backfills: bf, hub: hub, handler: api.Handler()}, nil
}
