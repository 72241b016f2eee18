// Package dashboard is the operators' page (GET /): the processor graph
// drawn as SVG, the partition matrix (processors × dates, coloured and
// labelled by state), each task's explanation with lineage, versions and
// rollback, a timeline of recent runs, quality events and open circuits.
// It is rendered on the server with html/template; the page updates
// itself over server-sent events, with small vendored htmx for the swaps.
package dashboard

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/pipeline"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Config wires a Dashboard. Store, Catalog, Graph and Engine are required.
type Config struct {
	Store   pipeline.Store
	Catalog *pipeline.Catalog
	Graph   *dag.Graph
	Engine  *engine.Engine
	// Hub, when set, drives live updates (nil: the page does not update
	// by itself).
	Hub *Hub
	// TokenRequired says the API wants a bearer token for rollback; the
	// page then asks for it before offering the button.
	TokenRequired bool
	// Interval is the least time between two live updates (500 ms).
	Interval time.Duration
	Now      func() time.Time
	Logger   *slog.Logger

	// MaxStreams bounds the live-update streams open at once
	// (DefaultMaxStreams when 0); one more gets 503 with Retry-After.
	MaxStreams int
}

// Dashboard serves the page, its fragments, the event stream and assets.
type Dashboard struct {
	cfg     Config
	tmpl    *template.Template
	drawing Drawing
	mux     *http.ServeMux
}

// New parses the templates and lays the graph out.
func New(cfg Config) (*Dashboard, error) {
	if cfg.Store == nil || cfg.Catalog == nil || cfg.Graph == nil || cfg.Engine == nil {
		return nil, errors.New("dashboard: Store, Catalog, Graph and Engine are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 500 * time.Millisecond
	}
	switch {
	case cfg.MaxStreams < 0:
		return nil, fmt.Errorf("dashboard: MaxStreams %d: want 0 (the default, %d) or more", cfg.MaxStreams, DefaultMaxStreams)
	case cfg.MaxStreams == 0:
		cfg.MaxStreams = DefaultMaxStreams
	}
	tmpl, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("dashboard: templates: %w", err)
	}
	d := &Dashboard{cfg: cfg, tmpl: tmpl, drawing: Layout(cfg.Graph)}
	assets, _ := fs.Sub(assetFS, "assets")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", d.page)
	mux.HandleFunc("GET /ui/matrix", d.fragment("matrix", d.matrixData))
	mux.HandleFunc("GET /ui/summary", d.fragment("summary", d.matrixData))
	mux.HandleFunc("GET /ui/activity", d.fragment("activity", d.activityData))
	mux.HandleFunc("GET /ui/task/{processor}/{date}", d.task)
	if cfg.Hub != nil {
		mux.Handle("GET /ui/stream", cfg.Hub.stream(cfg.Interval, cfg.MaxStreams))
	}
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", cacheAssets(http.FileServerFS(assets))))
	d.mux = mux
	return d, nil
}

// ServeHTTP serves GET /, /ui/… and /assets/….
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) { d.mux.ServeHTTP(w, r) }

func cacheAssets(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// pageData is everything the full page shows.
type pageData struct {
	Drawing       Drawing
	Matrix        Matrix
	Activity      activityData
	Legend        []StateCount
	Live          bool
	TokenRequired bool
	Generated     time.Time
}

func (d *Dashboard) page(w http.ResponseWriter, r *http.Request) {
	m, err := d.matrixData(r.Context())
	if err != nil {
		d.fail(w, err)
		return
	}
	act, err := d.activityData(r.Context())
	if err != nil {
		d.fail(w, err)
		return
	}
	legend := make([]StateCount, len(stateOrder))
	for i, s := range stateOrder {
		legend[i] = StateCount{State: s, Label: stateLabel[s]}
	}
	d.render(w, "page", pageData{Drawing: d.drawing, Matrix: m.(Matrix), Activity: act.(activityData), Legend: legend,
		Live: d.cfg.Hub != nil, TokenRequired: d.cfg.TokenRequired, Generated: d.cfg.Now()})
}

// fragment serves one named template over freshly loaded data.
func (d *Dashboard) fragment(name string, load func(context.Context) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		data, err := load(r.Context())
		if err != nil {
			d.fail(w, err)
			return
		}
		d.render(w, name, data)
	}
}

// Matrix loads the whole partition matrix: the calendar and the engine's
// verdict on every task of its dates.
func (d *Dashboard) Matrix(ctx context.Context) (Matrix, error) {
	in := MatrixInput{Processors: d.cfg.Graph.Order()}
	var err error
	if in.Calendar, err = d.cfg.Engine.Calendar(ctx); err != nil || len(in.Calendar) == 0 {
		return BuildMatrix(in), err
	}
	ds, recs, err := d.cfg.Engine.Verdicts(ctx, in.Calendar[0].Date, in.Calendar[len(in.Calendar)-1].Date)
	if err != nil {
		return Matrix{}, err
	}
	for _, dec := range ds {
		in.Verdicts = append(in.Verdicts, engine.View(dec, recs[dec.Task]))
	}
	return BuildMatrix(in), nil
}

func (d *Dashboard) matrixData(ctx context.Context) (any, error) { return d.Matrix(ctx) }

// activityData is the lower part of the page: the timeline of recent
// runs, recent quality events and circuits.
type activityData struct {
	Timeline Timeline
	Runs     int
	Events   []pipeline.QualityEvent
	Circuits []pipeline.Circuit
}

// recentRuns is how many runs the timeline shows.
const recentRuns = 300

func (d *Dashboard) activityData(ctx context.Context) (any, error) {
	now := d.cfg.Now()
	runs, err := d.cfg.Store.Runs(ctx, pipeline.RunFilter{Since: now.Add(-24 * time.Hour), Limit: recentRuns})
	if err != nil {
		return nil, err
	}
	events, err := d.cfg.Store.Events(ctx, time.Time{}, 25)
	if err != nil {
		return nil, err
	}
	all, err := d.cfg.Store.Circuits(ctx)
	if err != nil {
		return nil, err
	}
	var open []pipeline.Circuit
	for _, c := range all {
		if !c.OpenedAt.IsZero() {
			open = append(open, c)
		}
	}
	return activityData{Timeline: BuildTimeline(d.cfg.Graph.Order(), runs, now), Runs: len(runs), Events: events, Circuits: open}, nil
}

// taskData is one task's explanation panel.
type taskData struct {
	Key           pipeline.TaskKey
	Ex            engine.Explanation
	Runs          []pipeline.TaskRun
	TokenRequired bool
}

func (d *Dashboard) task(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("processor")
	day, err := pipeline.ParseDate(r.PathValue("date"))
	if d.cfg.Graph.Processor(name) == nil || err != nil {
		w.WriteHeader(http.StatusNotFound)
		d.render(w, "notfound", fmt.Sprintf("no task %s %s", name, r.PathValue("date")))
		return
	}
	key := pipeline.TaskKey{Processor: name, Date: day}
	ex, err := d.cfg.Engine.Describe(r.Context(), key)
	if err != nil {
		d.fail(w, err)
		return
	}
	runs, err := d.cfg.Store.Runs(r.Context(), pipeline.RunFilter{Task: &key, Limit: 10})
	if err != nil {
		d.fail(w, err)
		return
	}
	d.render(w, "task", taskData{Key: key, Ex: ex, Runs: runs, TokenRequired: d.cfg.TokenRequired})
}

// render executes a template into a buffer first, so a failure never
// leaves half a page.
func (d *Dashboard) render(w http.ResponseWriter, name string, data any) {
	var b bytes.Buffer
	if err := d.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		d.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b.Bytes())
}

func (d *Dashboard) fail(w http.ResponseWriter, err error) {
	d.cfg.Logger.Error("dashboard", "err", err)
	http.Error(w, "dashboard: "+err.Error(), http.StatusInternalServerError)
}
