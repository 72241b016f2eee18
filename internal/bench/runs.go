package bench

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"sync"
	"time"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/dataset"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
)

// samples1 are one database's one-season timings, one per run.
type samples1 struct {
	load, backfill, pipeline, floorRaw, floorOutput, floor, ungated []float64
	commits, flushes                                                []float64
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func (s *samples1) summary(name string, tasks int) Database {
	d := Database{Name: name,
		LoadMS: median(s.load), BackfillMS: median(s.backfill), PipelineMS: median(s.pipeline),
		FloorRawMS: median(s.floorRaw), FloorOutputMS: median(s.floorOutput), FloorMS: median(s.floor),
		UngatedMS: median(s.ungated), CommitsPerTask: median(s.commits), WALFlushesPerTask: median(s.flushes)}
	d.CostPerTaskMS = d.BackfillMS / float64(tasks)
	d.Ratios = Ratios{
		PipelineVsFloor:   ratio(d.PipelineMS, d.FloorMS),
		BackfillVsFloor:   ratio(d.BackfillMS, d.FloorOutputMS),
		LoadVsFloor:       ratio(d.LoadMS, d.FloorRawMS),
		BackfillVsUngated: ratio(d.BackfillMS, d.UngatedMS),
	}
	return d
}

// pipelineRun is the season raw → published on a fresh database: load
// the raw tables, then backfill every date, checked against the reference.
func (b *bench) pipelineRun(ctx context.Context, db database, out *samples1) error {
	s, drop, err := db.open(ctx, "pipeline")
	if err != nil {
		return err
	}
	defer drop()
	loadMS, err := timed(func() error { return load(ctx, s, b.season) })
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	c0, f0, err := settledCounters(ctx, db)
	if err != nil {
		return err
	}
	backfillMS, err := timed(func() error {
		_, err := b.backfill(ctx, s, b.from, b.to, nil)
		return err
	})
	if err != nil {
		return err
	}
	c1, f1, err := settledCounters(ctx, db)
	if err != nil {
		return err
	}
	got, err := contentOf(ctx, s, b.analyt)
	if err != nil {
		return err
	}
	if err := verify(got, b.ref, true); err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	out.load = append(out.load, loadMS)
	out.backfill = append(out.backfill, backfillMS)
	out.pipeline = append(out.pipeline, loadMS+backfillMS)
	if db.multiProcess() {
		out.commits = append(out.commits, float64(c1-c0)/float64(len(b.plan)))
		out.flushes = append(out.flushes, float64(f1-f0)/float64(len(b.plan)))
	}
	return nil
}

// settledCounters reads the counters once other backends have reported.
func settledCounters(ctx context.Context, db database) (int64, int64, error) {
	if !db.multiProcess() {
		return 0, 0, nil
	}
	time.Sleep(1200 * time.Millisecond) // statistics are reported at most every second
	return db.counters(ctx)
}

// floorRun bulk-writes the season's raw rows and then its output rows into
// a fresh database of the same schema, one transaction each.
func (b *bench) floorRun(ctx context.Context, db database, out *samples1) error {
	s, drop, err := db.open(ctx, "floor")
	if err != nil {
		return err
	}
	defer drop()
	rawMS, err := timed(func() error { return s.BulkInsert(ctx, b.rawOnly, b.season) })
	if err != nil {
		return err
	}
	outMS, err := timed(func() error { return s.BulkInsert(ctx, b.analyt, b.output) })
	if err != nil {
		return err
	}
	out.floorRaw = append(out.floorRaw, rawMS)
	out.floorOutput = append(out.floorOutput, outMS)
	out.floor = append(out.floor, rawMS+outMS)
	return nil
}

// dates are the dates with tasks, in order.
func (b *bench) dates() []pipeline.Date {
	seen := map[pipeline.Date]bool{}
	var out []pipeline.Date
	for k := range b.plan {
		if !seen[k.Date] {
			seen[k.Date] = true
			out = append(out, k.Date)
		}
	}
	slices.Sort(out)
	return out
}

// levels groups the graph's processors by depth: a processor's level is one
// more than the deepest producer of its inputs.
func levels(g *dag.Graph) [][]string {
	depth := map[string]int{}
	var out [][]string
	for _, name := range g.Order() {
		d := 0
		for _, in := range g.Processor(name).Inputs() {
			if p := g.Producer(in.Table); p != "" {
				d = max(d, depth[p]+1)
			}
		}
		depth[name] = d
		for len(out) <= d {
			out = append(out, nil)
		}
		out[d] = append(out[d], name)
	}
	return out
}

// ungatedRun is the baseline: on a fresh database holding the raw season
// (loaded untimed), the same processors publish through the same executor
// date by date, level by level, the workers sharing each level — no
// planner, gates, claims or task records — told the games the reference
// left out of its partial partitions.
func (b *bench) ungatedRun(ctx context.Context, db database, out *samples1) error {
	s, drop, err := db.open(ctx, "ungated")
	if err != nil {
		return err
	}
	defer drop()
	if err := load(ctx, s, b.season); err != nil {
		return err
	}
	ordered := b.dates()
	x := &publish.Executor{Store: s, Catalog: nba.Catalog, BuildRevision: "bench", Cache: publish.NewCache(publish.DefaultCacheRows)}
	lv := levels(b.graph)
	ms, err := timed(func() error {
		for _, d := range ordered {
			for _, level := range lv {
				if err := b.runLevel(ctx, x, level, d, b.cfg.Workers); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ungated: %w", err)
	}
	got, err := contentOf(ctx, s, b.analyt)
	if err != nil {
		return err
	}
	if err := verify(got, b.ref, true); err != nil {
		return fmt.Errorf("ungated: %w", err)
	}
	out.ungated = append(out.ungated, ms)
	return nil
}

// runLevel executes one level's processors for d, workers at a time.
func (b *bench) runLevel(ctx context.Context, x *publish.Executor, level []string, d pipeline.Date, workers int) error {
	sem := make(chan struct{}, workers)
	errs := make([]error, len(level))
	var wg sync.WaitGroup
	for i, name := range level {
		dec, ok := b.plan[pipeline.TaskKey{Processor: name, Date: d}]
		if !ok {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			_, errs[i] = x.Execute(ctx, b.graph.Processor(name), d, publish.Options{Missing: dec.Missing, Fallback: dec.Fallback})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// seasonsRun loads N generated seasons (the bundled one and N-1 derived
// from it, as statgate gen writes them) season by season and backfills
// them all, sampling memory meanwhile. The bundled season's partitions
// must match the reference; every task must publish.
func (b *bench) seasonsRun(ctx context.Context, db database, d *Database) error {
	s, drop, err := db.open(ctx, "seasons")
	if err != nil {
		return err
	}
	defer drop()
	peak := sampleMemory()
	tables := map[string]*pipeline.Table{}
	for _, t := range b.rawOnly {
		tables[t.Name] = t
	}
	from := b.from
	var loadMS float64
	want := len(b.plan) // a task per processor and day of each season's span
	for k := range b.cfg.Seasons {
		rows := b.season
		if k > 0 {
			if rows, err = dataset.Derive(k, b.cfg.Seed, tables, b.season); err != nil {
				return err
			}
			f, t := seasonSpan(rows)
			from = min(from, f)
			want += int(t-f+1) * len(b.analyt)
		}
		ms, err := timed(func() error { return load(ctx, s, rows) })
		if err != nil {
			return fmt.Errorf("load season %d: %w", k, err)
		}
		loadMS += ms
	}
	var final []dag.Decision
	backfillMS, err := timed(func() error {
		final, err = b.backfill(ctx, s, from, b.to, nil)
		return err
	})
	d.PeakMemoryMB = peak()
	if err != nil {
		return err
	}
	if len(final) != want {
		return fmt.Errorf("%d tasks, want %d", len(final), want)
	}
	got, err := contentOf(ctx, s, b.analyt)
	if err != nil {
		return err
	}
	if err := verify(got, b.ref, false); err != nil {
		return err
	}
	d.TasksN = len(final)
	d.SeasonsNMS = loadMS + backfillMS
	d.CostPerTaskNMS = backfillMS / float64(len(final))
	if b.cfg.Seasons > 1 {
		d.Ratios.Linearity = ratio(d.CostPerTaskNMS, d.CostPerTaskMS)
	}
	return nil
}

// sampleMemory samples the memory the Go runtime holds from the system
// (less what it has returned) every 20 ms until the returned function is
// called, which gives the peak in megabytes above what was held at the
// start (after a collection): the memory the run itself needed, not the
// benchmark's own copy of the season. The driver of either database is
// pure Go, so this is all the memory the process uses bar its binary.
func sampleMemory() func() float64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	held := func() uint64 {
		metrics.Read(s)
		return s[0].Value.Uint64() - s[1].Value.Uint64()
	}
	runtime.GC()
	debug.FreeOSMemory()
	base := held()
	var peak uint64
	read := func() { peak = max(peak, held()) }
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				read()
			}
		}
	}()
	return func() float64 {
		close(stop)
		<-done
		read()
		return float64(peak-min(peak, base)) / (1 << 20)
	}
}

// wakeDates are the season's last n dates whose every game has its box
// scores (within auto_refresh_days of the newest, so that a change to
// them is recomputed at once), oldest first.
func (b *bench) wakeDates(n int) []pipeline.Date {
	games := map[pipeline.Date]int{}
	for _, r := range b.season[nba.Schedule] {
		games[r[nba.ScheduleTable.DateIndex()].(pipeline.Date)]++
	}
	boxes := map[pipeline.Date]int{}
	for _, r := range b.season[nba.TeamBox] {
		boxes[r[nba.TeamBoxTable.DateIndex()].(pipeline.Date)]++
	}
	var out []pipeline.Date
	for d := b.to; len(out) < n && d >= b.from; d-- {
		if games[d] > 0 && boxes[d] == 2*games[d] {
			out = append(out, d)
		}
	}
	slices.Reverse(out)
	return out
}

// wake measures, over 20 dates of a database holding the whole season, the
// time from the announcement of a date's team box scores to the start of
// the first task they made ready (the recomputation of its partial team
// summaries): the
// engine follows the calendar with its polls and re-checks an hour apart,
// so only the announcement can wake it: in process as the HTTP API wakes
// it once it recorded one, across processes by NOTIFY from another pool.
func (b *bench) wake(ctx context.Context, db database, cross bool) (Latency, error) {
	s, drop, err := db.open(ctx, "wake")
	if err != nil {
		return Latency{}, err
	}
	defer drop()
	writer := s
	if cross {
		if writer, err = db.reopen(ctx, s); err != nil {
			return Latency{}, err
		}
		defer writer.Close()
	}
	// A season-sized database: the whole season published but for the
	// team box scores of 20 dates, whose partitions went out partial.
	dates := b.wakeDates(20)
	held := map[pipeline.Date]bool{}
	for _, d := range dates {
		held[d] = true
	}
	part := maps.Clone(b.season)
	part[nba.TeamBox] = slices.DeleteFunc(slices.Clone(part[nba.TeamBox]), func(r pipeline.Row) bool {
		return held[r[nba.TeamBoxTable.DateIndex()].(pipeline.Date)]
	})
	if err := load(ctx, s, part); err != nil {
		return Latency{}, err
	}
	if _, err := b.backfill(ctx, s, b.from, b.to, nil); err != nil {
		return Latency{}, err
	}
	started := make(chan time.Time, 64)
	e, err := b.newEngine(s, b.graph, func(ev engine.Event) {
		if ev.State == pipeline.Running && ev.Task.Processor == nba.TeamOffense {
			select {
			case started <- time.Now():
			default:
			}
		}
	}, func(c *engine.Config) { c.Recheck, c.TriggerPoll = time.Hour, time.Hour })
	if err != nil {
		return Latency{}, err
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { _, err := e.Run(rctx, engine.Scope{Follow: true}); done <- err }()
	defer func() { cancel(); <-done }()
	time.Sleep(time.Second) // it reads the season and finds nothing to do
	var lat []time.Duration
	for _, d := range dates {
		rows := nba.TeamBoxTable.OnDates(b.season[nba.TeamBox], d, d)
		if err := writer.WriteUpstream(ctx, nba.TeamBoxTable, []pipeline.Date{d}, rows); err != nil {
			return Latency{}, err
		}
		if _, err := writer.Announce(ctx, pipeline.Announcement{Table: nba.TeamBoxTable, Date: d, Status: pipeline.StatusSuccess}); err != nil {
			return Latency{}, err
		}
		at := time.Now()
		if !cross {
			e.Notify(pipeline.PartKey{Table: nba.TeamBox, Date: d}) // as the HTTP API does once it recorded an announcement
		}
		select {
		case st := <-started:
			lat = append(lat, st.Sub(at))
		case <-time.After(30 * time.Second):
			return Latency{}, fmt.Errorf("%s: no task started within 30 s of the announcement", d)
		case err := <-done:
			return Latency{}, fmt.Errorf("engine stopped: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // the date's other tasks finish
		for len(started) > 0 {
			<-started
		}
	}
	return latency(lat), nil
}

func latency(lat []time.Duration) Latency {
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return Latency{P50MS: ms(lat[len(lat)/2]), P99MS: ms(lat[(len(lat)*99)/100]), Samples: len(lat)}
}

// slow makes a processor take at least d per task.
type slow struct {
	pipeline.Processor
	d time.Duration
}

func (s slow) Compute(c pipeline.Compute) ([]pipeline.Row, error) {
	time.Sleep(s.d)
	return s.Processor.Compute(c)
}

// makespan runs 20 dates from mid-season with skewed durations (team defense 40 ms a task,
// the rest 2 ms more than they take) with 4 workers: through the engine,
// where a task starts once its own inputs are ready, and level by level,
// two dates side by side, as the service this replaces scheduled them.
func (b *bench) makespan(ctx context.Context, db database) (Makespan, error) {
	var procs []pipeline.Processor
	for _, p := range nba.Processors() {
		d := 2 * time.Millisecond
		if p.Name() == nba.TeamDefense {
			d = 40 * time.Millisecond
		}
		procs = append(procs, slow{p, d})
	}
	g, err := dag.Build(nba.Catalog, procs)
	if err != nil {
		return Makespan{}, err
	}
	dates := b.dates()
	dates = dates[len(dates)/2:]
	dates = dates[:min(20, len(dates))]
	from, to := dates[0], dates[len(dates)-1]
	const workers = 4
	m := Makespan{Workers: workers, Dates: len(dates)}
	var dagMS, levelMS []float64
	for range b.cfg.Runs {
		ms, err := b.onLoaded(ctx, db, func(s store) error {
			e, err := b.newEngine(s, g, nil, func(c *engine.Config) { c.Workers = workers })
			if err != nil {
				return err
			}
			_, err = e.Run(ctx, engine.Scope{From: from, To: to, Explicit: true})
			return err
		})
		if err != nil {
			return m, err
		}
		dagMS = append(dagMS, ms)
		ms, err = b.onLoaded(ctx, db, func(s store) error {
			x := &publish.Executor{Store: s, Catalog: nba.Catalog, BuildRevision: "bench", Cache: publish.NewCache(publish.DefaultCacheRows)}
			slowGraph := &bench{graph: g, plan: b.plan}
			for d := from; d <= to; d += 2 {
				for _, level := range levels(g) {
					var wg sync.WaitGroup
					errs := make([]error, 2)
					for i, dd := range []pipeline.Date{d, d + 1} {
						wg.Add(1)
						go func() {
							defer wg.Done()
							if dd <= to {
								errs[i] = slowGraph.runLevel(ctx, x, level, dd, workers/2)
							}
						}()
					}
					wg.Wait()
					for _, err := range errs {
						if err != nil {
							return err
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			return m, err
		}
		levelMS = append(levelMS, ms)
	}
	m.DAGMS, m.LevelsMS = median(dagMS), median(levelMS)
	m.Ratio = ratio(m.LevelsMS, m.DAGMS)
	return m, nil
}

// onLoaded times fn on a fresh database holding the raw season.
func (b *bench) onLoaded(ctx context.Context, db database, fn func(store) error) (float64, error) {
	s, drop, err := db.open(ctx, "makespan")
	if err != nil {
		return 0, err
	}
	defer drop()
	if err := load(ctx, s, b.season); err != nil {
		return 0, err
	}
	return timed(func() error { return fn(s) })
}
