// Package dashboard is the operators' page (GET /): the processor graph
// drawn as SVG, the partition matrix (processors × dates, coloured and
// labelled by state), each task's explanation with lineage, versions and
// rollback, processor changes with their canaries and promotion, a
// timeline of recent runs, quality events and open circuits.
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
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/release"
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
	// Planner, when set, adds the "Processor changes" section: what
	// promoting each processor's running version would do, and a held
	// version's canary.
	Planner *release.Planner
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
	mux.HandleFunc("GET /ui/season", d.season)
	mux.HandleFunc("GET /ui/matrix", d.matrix)
	mux.HandleFunc("GET /ui/activity", d.activityPart)
	mux.HandleFunc("GET /ui/task/{processor}/{date}", d.task)
	if cfg.Planner != nil {
		mux.HandleFunc("GET /ui/plan", d.plan)
		mux.HandleFunc("GET /ui/canary/{processor}", d.canary)
	}
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
	// Plan: the page has a "Processor changes" section (loaded after it).
	Plan      bool
	Generated time.Time
	// Task is the panel of the task the URL names (?task=…), if any.
	Task *taskData
}

// graphData is the processor graph with each processor's health.
type graphData struct {
	Drawing Drawing
	Health  map[string]Health
}

func (d *Dashboard) page(w http.ResponseWriter, r *http.Request) {
	m, err := d.Matrix(r.Context())
	if err != nil {
		d.fail(w, err)
		return
	}
	act, err := d.activity(r.Context(), r.URL.Query())
	if err != nil {
		d.fail(w, err)
		return
	}
	legend := make([]StateCount, 0, len(stateOrder)+1)
	for _, s := range stateOrder {
		legend = append(legend, StateCount{State: s, Label: stateLabel[s]})
	}
	legend = append(legend, StateCount{State: problemLate, Label: stateLabel[problemLate]})
	data := pageData{Drawing: d.drawing, Matrix: m, Activity: act, Legend: legend,
		Live: d.cfg.Hub != nil, TokenRequired: d.cfg.TokenRequired, Plan: d.cfg.Planner != nil, Generated: d.cfg.Now()}
	if key, ok := d.taskParam(r.URL.Query().Get("task")); ok {
		td, err := d.taskPanel(r.Context(), key, r.URL.Query())
		if err != nil {
			d.fail(w, err)
			return
		}
		data.Task = &td
	}
	d.render(w, "page", data)
}

// taskParam parses ?task=PROCESSOR/DATE.
func (d *Dashboard) taskParam(s string) (pipeline.TaskKey, bool) {
	name, date, ok := strings.Cut(s, "/")
	if !ok || d.cfg.Graph.Processor(name) == nil {
		return pipeline.TaskKey{}, false
	}
	day, err := pipeline.ParseDate(date)
	return pipeline.TaskKey{Processor: name, Date: day}, err == nil
}

// season serves everything the matrix feeds (the state chips, the
// overview, the problems, the graph's health and the matrix) as
// out-of-band swaps, so that one live update reads the verdicts once.
func (d *Dashboard) season(w http.ResponseWriter, r *http.Request) {
	m, err := d.Matrix(r.Context())
	if err != nil {
		d.fail(w, err)
		return
	}
	d.render(w, "season", pageData{Drawing: d.drawing, Matrix: m})
}

// matrix serves the matrix's body alone.
func (d *Dashboard) matrix(w http.ResponseWriter, r *http.Request) {
	m, err := d.Matrix(r.Context())
	if err != nil {
		d.fail(w, err)
		return
	}
	d.render(w, "matrix", m)
}

// Matrix loads the whole partition matrix: the calendar and the engine's
// verdict on every task of its dates.
func (d *Dashboard) Matrix(ctx context.Context) (Matrix, error) {
	in := MatrixInput{Processors: d.cfg.Graph.Order(), Today: pipeline.DateOf(d.cfg.Now().UTC())}
	var err error
	if in.Calendar, err = d.cfg.Engine.Calendar(ctx); err != nil || len(in.Calendar) == 0 {
		return BuildMatrix(in), err
	}
	ds, recs, err := d.cfg.Engine.Verdicts(ctx, in.Calendar[0].Date, in.Calendar[len(in.Calendar)-1].Date)
	if err != nil {
		return Matrix{}, err
	}
	// A verdict names the output's version only when the task got past
	// its inputs' gate; a blocked or waiting task's partition may be
	// published all the same, and readers see it.
	// Only the processors with such a verdict are read.
	from, to := in.Calendar[0].Date, in.Calendar[len(in.Calendar)-1].Date
	unnamed := map[string]bool{}
	for _, dec := range ds {
		if dec.Base == 0 {
			unnamed[dec.Task.Processor] = true
		}
	}
	visible := map[pipeline.TaskKey]int{}
	for p := range unnamed {
		vs, err := d.cfg.Store.Partitions(ctx, pipeline.PartitionFilter{Table: d.cfg.Graph.Processor(p).Output().Name, From: from, To: to, HasRange: true})
		if err != nil {
			return Matrix{}, err
		}
		for _, v := range vs {
			visible[pipeline.TaskKey{Processor: p, Date: v.Date}] = v.Version
		}
	}
	in.Verdicts = make([]engine.Verdict, 0, len(ds))
	for _, dec := range ds {
		v := d.cfg.Engine.View(dec, recs[dec.Task])
		if v.Version == 0 {
			v.Version = visible[dec.Task]
		}
		in.Verdicts = append(in.Verdicts, v)
	}
	return BuildMatrix(in), nil
}

func (d *Dashboard) task(w http.ResponseWriter, r *http.Request) {
	key, ok := d.taskParam(r.PathValue("processor") + "/" + r.PathValue("date"))
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		d.render(w, "notfound", fmt.Sprintf("no task %s %s", r.PathValue("processor"), r.PathValue("date")))
		return
	}
	td, err := d.taskPanel(r.Context(), key, r.URL.Query())
	if err != nil {
		d.fail(w, err)
		return
	}
	d.render(w, "task", td)
}

// taskPanel loads everything a task's panel shows; q may select one of
// its runs (?run=ID) or versions (?version=N).
func (d *Dashboard) taskPanel(ctx context.Context, key pipeline.TaskKey, q url.Values) (taskData, error) {
	ex, err := d.cfg.Engine.Describe(ctx, key)
	if err != nil {
		return taskData{}, err
	}
	td := taskData{Key: key, Ex: ex, Versions: versionRows(ex.History),
		TokenRequired: d.cfg.TokenRequired, BackfillModes: engine.BackfillModes}
	if ex.Current != nil {
		td.Visible = ex.Current.Version
	}
	td.Sentence = sentence(ex.Verdict, td.Visible)
	td.SelectedRun, _ = strconv.ParseInt(q.Get("run"), 10, 64)
	td.SelectedVersion, _ = strconv.Atoi(q.Get("version"))
	if td.Changes, err = d.changes(ctx, ex); err != nil {
		return taskData{}, err
	}
	if ex.Verdict.State == pipeline.Blocked {
		if td.Blockers, td.Roots, err = d.upstream(ctx, key); err != nil {
			return taskData{}, err
		}
	}
	runs, err := d.cfg.Store.Runs(ctx, pipeline.RunFilter{Task: &key, Limit: panelRuns + 1})
	if err != nil {
		return taskData{}, err
	}
	if len(runs) > panelRuns {
		runs, td.MoreRuns = runs[1:], true
	}
	slices.Reverse(runs)
	td.Runs = runs
	return td, nil
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
