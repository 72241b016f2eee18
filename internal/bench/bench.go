// Package bench measures what the engine costs on top of the work itself,
// in one process, interleaved, on real data: the bundled season raw →
// published against its floor (the same rows bulk-written into tables of
// the same schema in one transaction) and against the ungated baseline
// (the same processors and writes with no engine); cost per task at one
// season and at N generated seasons; the makespan of the DAG against a
// level-by-level schedule; how long a ready task waits to start once its
// inputs are announced, in process and, on PostgreSQL, across processes;
// and peak memory. Every run's content hashes are checked against the
// reference: a faster wrong answer fails the benchmark.
package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/dataset"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/ingest"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
)

// Config says what to measure.
type Config struct {
	// Seasons is N: cost per task is compared at one season and at N
	// generated seasons (1: skip the comparison).
	Seasons int
	// Runs is how many times each one-season measure runs, interleaved;
	// the report gives medians.
	Runs int
	// Postgres, when set, measures PostgreSQL too, each run in a schema of
	// its own, dropped afterwards.
	Postgres string
	// Dir holds the SQLite files (removed after each run).
	Dir string
	// Workers is the engine's concurrency (default 2, as the CLI's).
	Workers int
	// Seed relabels the generated seasons' teams (statgate gen).
	Seed uint64
	// Days, when set, keeps only the season's first Days days (a quick
	// run; the figures are then not comparable with a whole season's).
	Days int
	// Progress, when set, is told what runs next.
	Progress func(string)
}

// Report is every figure, in milliseconds and megabytes.
type Report struct {
	Machine Machine `json:"machine"`
	Seasons int     `json:"seasons"`
	Days    int     `json:"days,omitempty"`
	Runs    int     `json:"runs"`
	Workers int     `json:"workers"`
	// Tasks, RawRows and OutputRows are one season's.
	Tasks      int `json:"tasks"`
	RawRows    int `json:"raw_rows"`
	OutputRows int `json:"output_rows"`
	// Partitions is how many analytics partitions every run's content
	// hashes were checked against the reference.
	Partitions int        `json:"partitions_checked"`
	Databases  []Database `json:"databases"`
	Makespan   Makespan   `json:"makespan"`
}

// Machine is where the figures were taken.
type Machine struct {
	CPUs int    `json:"cpus"`
	Go   string `json:"go"`
	OS   string `json:"os"`
}

// Database is one database's figures; one-season times are medians.
type Database struct {
	Name string `json:"name"`
	// One season: raw load, backfill, both (raw → published).
	LoadMS     float64 `json:"load_ms"`
	BackfillMS float64 `json:"backfill_ms"`
	PipelineMS float64 `json:"pipeline_ms"`
	// The floor: the raw rows, the output rows and both bulk-written into
	// a fresh database of the same schema, one transaction each.
	FloorRawMS    float64 `json:"floor_raw_ms"`
	FloorOutputMS float64 `json:"floor_output_ms"`
	FloorMS       float64 `json:"floor_ms"`
	// UngatedMS: the same processors and writes, no engine.
	UngatedMS float64 `json:"ungated_ms"`
	Ratios    Ratios  `json:"ratios"`
	// Cost per task (backfill time / tasks) at one and at N seasons, and
	// N seasons raw → published with its peak memory.
	CostPerTaskMS  float64 `json:"cost_per_task_ms"`
	CostPerTaskNMS float64 `json:"cost_per_task_n_ms,omitempty"`
	SeasonsNMS     float64 `json:"seasons_n_pipeline_ms,omitempty"`
	TasksN         int     `json:"seasons_n_tasks,omitempty"`
	PeakMemoryMB   float64 `json:"peak_memory_mb"`
	// Wake: from an announcement to the start of the task it made ready,
	// in this process and (PostgreSQL) from another pool by NOTIFY.
	Wake      Latency  `json:"wake"`
	WakeCross *Latency `json:"wake_cross_process,omitempty"`
	// Commits and WAL flushes per task of the backfill (PostgreSQL).
	CommitsPerTask    float64 `json:"commits_per_task,omitempty"`
	WALFlushesPerTask float64 `json:"wal_flushes_per_task,omitempty"`
}

// Ratios compare a database's medians.
type Ratios struct {
	PipelineVsFloor   float64 `json:"pipeline_vs_floor"`
	BackfillVsFloor   float64 `json:"backfill_vs_floor"`
	LoadVsFloor       float64 `json:"load_vs_floor"`
	BackfillVsUngated float64 `json:"backfill_vs_ungated"`
	// Linearity is cost per task at N seasons over cost at one.
	Linearity float64 `json:"linearity,omitempty"`
	// VsSQLite is this database's pipeline over SQLite's.
	VsSQLite float64 `json:"vs_sqlite,omitempty"`
}

// Latency is a distribution's median and 99th percentile.
type Latency struct {
	P50MS   float64 `json:"p50_ms"`
	P99MS   float64 `json:"p99_ms"`
	Samples int     `json:"samples"`
}

// Makespan compares schedules on skewed durations.
type Makespan struct {
	Dates    int     `json:"dates"`
	Workers  int     `json:"workers"`
	LevelsMS float64 `json:"levels_ms"`
	DAGMS    float64 `json:"dag_ms"`
	Ratio    float64 `json:"levels_vs_dag"`
}

// bench is one Run's state.
type bench struct {
	cfg     Config
	graph   *dag.Graph
	season  map[string][]pipeline.Row
	from    pipeline.Date
	to      pipeline.Date
	ref     hashes
	output  map[string][]pipeline.Row
	plan    map[pipeline.TaskKey]dag.Decision
	tables  []*pipeline.Table // raw, then analytics
	analyt  []*pipeline.Table
	rawOnly []*pipeline.Table
}

// Run measures and reports; an error, including content that differs
// from the reference, fails the whole benchmark.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if cfg.Runs < 1 {
		cfg.Runs = 1
	}
	if cfg.Seasons < 1 {
		cfg.Seasons = 1
	}
	if cfg.Workers < 1 {
		cfg.Workers = 2
	}
	if cfg.Progress == nil {
		cfg.Progress = func(string) {}
	}
	if cfg.Dir == "" {
		dir, err := os.MkdirTemp("", "statgate-bench-")
		if err != nil {
			return Report{}, err
		}
		defer os.RemoveAll(dir)
		cfg.Dir = dir
	}
	b, err := prepare(ctx, cfg)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Machine: Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH},
		Seasons: cfg.Seasons, Days: cfg.Days, Runs: cfg.Runs, Workers: cfg.Workers, Tasks: len(b.plan), Partitions: len(b.ref)}
	for _, t := range b.rawOnly {
		rep.RawRows += len(b.season[t.Name])
	}
	for _, t := range b.analyt {
		rep.OutputRows += len(b.output[t.Name])
	}
	dbs := []database{sqliteDB{dir: cfg.Dir}}
	if cfg.Postgres != "" {
		dbs = append(dbs, postgresDB{url: cfg.Postgres})
	}
	samples := make([]*samples1, len(dbs))
	for i := range samples {
		samples[i] = &samples1{}
	}
	// Interleaved: every run measures each database's pipeline, floor and
	// baseline in turn, the order rotating, so a slow spell of the machine
	// lands on all of them alike.
	for r := range cfg.Runs {
		for i, db := range dbs {
			steps := []func() error{
				func() error { return b.pipelineRun(ctx, db, samples[i]) },
				func() error { return b.floorRun(ctx, db, samples[i]) },
				func() error { return b.ungatedRun(ctx, db, samples[i]) },
			}
			for k := range steps {
				cfg.Progress(fmt.Sprintf("run %d/%d on %s", r+1, cfg.Runs, db.name()))
				if err := steps[(k+r)%len(steps)](); err != nil {
					return rep, fmt.Errorf("%s: %w", db.name(), err)
				}
			}
		}
	}
	for i, db := range dbs {
		d := samples[i].summary(db.name(), len(b.plan))
		cfg.Progress("wake latency on " + db.name())
		if d.Wake, err = b.wake(ctx, db, false); err != nil {
			return rep, fmt.Errorf("%s: wake: %w", db.name(), err)
		}
		if db.multiProcess() {
			cross, err := b.wake(ctx, db, true)
			if err != nil {
				return rep, fmt.Errorf("%s: wake across processes: %w", db.name(), err)
			}
			d.WakeCross = &cross
		}
		cfg.Progress(fmt.Sprintf("%d seasons on %s", cfg.Seasons, db.name()))
		if err := b.seasonsRun(ctx, db, &d); err != nil {
			return rep, fmt.Errorf("%s: %d seasons: %w", db.name(), cfg.Seasons, err)
		}
		if i > 0 {
			d.Ratios.VsSQLite = d.PipelineMS / rep.Databases[0].PipelineMS
		}
		rep.Databases = append(rep.Databases, d)
	}
	cfg.Progress("makespan")
	if rep.Makespan, err = b.makespan(ctx, dbs[0]); err != nil {
		return rep, fmt.Errorf("makespan: %w", err)
	}
	return rep, nil
}

// prepare decodes the season and takes the reference: one untimed run of
// the pipeline on SQLite, whose content hashes every later run must match,
// whose output rows the floor writes and whose decisions (which games a
// partial partition lacks) the baseline follows.
func prepare(ctx context.Context, cfg Config) (*bench, error) {
	season, err := dataset.Rows(nba.Catalog)
	if err != nil {
		return nil, err
	}
	g, err := dag.Build(nba.Catalog, nba.Processors())
	if err != nil {
		return nil, err
	}
	if cfg.Days > 0 {
		from, _ := seasonSpan(season)
		for name, rows := range season {
			season[name] = nba.Catalog.Table(name).OnDates(rows, from, from+pipeline.Date(cfg.Days-1))
		}
	}
	b := &bench{cfg: cfg, graph: g, season: season}
	for _, f := range dataset.Raw {
		b.rawOnly = append(b.rawOnly, nba.Catalog.Table(f.Table))
	}
	for _, name := range g.Order() {
		b.analyt = append(b.analyt, g.Processor(name).Output())
	}
	b.tables = append(slices.Clone(b.rawOnly), b.analyt...)
	b.from, b.to = seasonSpan(season)
	cfg.Progress("reference run")
	db := sqliteDB{dir: cfg.Dir}
	s, drop, err := db.open(ctx, "reference")
	if err != nil {
		return nil, err
	}
	defer drop()
	if err := load(ctx, s, season); err != nil {
		return nil, err
	}
	final, err := b.backfill(ctx, s, b.from, b.to, nil)
	if err != nil {
		return nil, err
	}
	b.plan = make(map[pipeline.TaskKey]dag.Decision, len(final))
	for _, d := range final {
		b.plan[d.Task] = d
	}
	if b.ref, err = contentOf(ctx, s, b.analyt); err != nil {
		return nil, err
	}
	if len(b.ref) != len(b.plan) {
		return nil, fmt.Errorf("reference run: %d partitions published for %d tasks", len(b.ref), len(b.plan))
	}
	b.output = map[string][]pipeline.Row{}
	for _, t := range b.analyt {
		parts, err := s.ReadRange(ctx, t, b.from, b.to)
		if err != nil {
			return nil, err
		}
		for _, p := range parts {
			b.output[t.Name] = append(b.output[t.Name], p.Rows...)
		}
	}
	return b, nil
}

// seasonSpan is the first and last date of the schedule's rows.
func seasonSpan(season map[string][]pipeline.Row) (from, to pipeline.Date) {
	t := nba.ScheduleTable
	for i, r := range season[nba.Schedule] {
		d := r[t.DateIndex()].(pipeline.Date)
		if i == 0 || d < from {
			from = d
		}
		to = max(to, d)
	}
	return from, to
}

// load loads a season's raw tables as `statgate load` does.
func load(ctx context.Context, s pipeline.Store, season map[string][]pipeline.Row) error {
	for _, f := range dataset.Raw {
		t := nba.Catalog.Table(f.Table)
		if _, err := ingest.Load(ctx, s, t, season[f.Table], ingest.Options{FillEmptyDates: t.Calendar}); err != nil {
			return err
		}
	}
	return nil
}

// newEngine wires an engine as the CLI does.
func (b *bench) newEngine(s pipeline.Store, g *dag.Graph, events func(engine.Event), tune func(*engine.Config)) (*engine.Engine, error) {
	cfg := engine.Config{
		Store: s, Catalog: nba.Catalog, Graph: g, Workers: b.cfg.Workers,
		Executor: &publish.Executor{Store: s, Catalog: nba.Catalog, BuildRevision: "bench", Cache: publish.NewCache(publish.DefaultCacheRows)},
		Logger:   slog.New(slog.DiscardHandler), Events: events,
	}
	if tune != nil {
		tune(&cfg)
	}
	return engine.New(cfg)
}

// backfill runs `statgate backfill --from --to` and fails unless every
// task published.
func (b *bench) backfill(ctx context.Context, s pipeline.Store, from, to pipeline.Date, events func(engine.Event)) ([]dag.Decision, error) {
	e, err := b.newEngine(s, b.graph, events, nil)
	if err != nil {
		return nil, err
	}
	rep, err := e.Run(ctx, engine.Scope{From: from, To: to, RefreshAll: true, Backfill: true, Explicit: true})
	if err != nil {
		return nil, err
	}
	for _, d := range rep.Final {
		if d.State != pipeline.Published && d.State != pipeline.UpToDate {
			return nil, fmt.Errorf("backfill: %s %s ended %s: %s", d.Task.Processor, d.Task.Date, d.State, d.Reason)
		}
	}
	return rep.Final, nil
}

// hashes are analytics partitions' content hashes.
type hashes map[pipeline.PartKey]string

func contentOf(ctx context.Context, s pipeline.Store, tables []*pipeline.Table) (hashes, error) {
	out := hashes{}
	for _, t := range tables {
		vs, err := s.Partitions(ctx, pipeline.PartitionFilter{Table: t.Name})
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			out[pipeline.PartKey{Table: v.Table, Date: v.Date}] = v.ContentHash
		}
	}
	return out, nil
}

// errContent is content that differs from the reference.
var errContent = errors.New("content differs from the reference")

// verify compares got with want on want's partitions (and, when exact,
// fails on any other partition of got).
func verify(got, want hashes, exact bool) error {
	for k, h := range want {
		if got[k] != h {
			return fmt.Errorf("%w: %s %s has hash %.12s, want %.12s", errContent, k.Table, k.Date, got[k], h)
		}
	}
	if exact && len(got) != len(want) {
		return fmt.Errorf("%w: %d partitions, want %d", errContent, len(got), len(want))
	}
	return nil
}

// timed runs fn and returns its wall time in milliseconds.
func timed(fn func() error) (float64, error) {
	start := time.Now()
	err := fn()
	return float64(time.Since(start).Microseconds()) / 1000, err
}

// scratchPath is a fresh SQLite file name under dir.
func scratchPath(dir, name string) string {
	return filepath.Join(dir, fmt.Sprintf("%s-%d.db", name, time.Now().UnixNano()))
}
