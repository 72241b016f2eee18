// Package release plans, canaries and promotes processor changes. A build
// whose processor has a new version would, left alone, recompute every
// partition within auto_refresh_days with the new code at once. With the
// engine's Hold, a new version is held instead: Plan says what promoting it
// would recompute and what that costs; Canary computes it for a sample of
// dates into memory that no reader sees, runs the checks and diffs the
// result against what is published; Promote records the decision, after
// which the engine recomputes.
package release

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
)

// States a processor's running version is shown in: a pipeline release
// state, or current when nothing older is published (nothing to hold).
const Current = "current"

// Planner answers for one build on one store.
type Planner struct {
	Store    pipeline.Store
	Engine   *engine.Engine
	Graph    *dag.Graph
	Executor *publish.Executor
	Policy   dag.Policy
	Now      func() time.Time
}

// Report is what a promotion of each processor's running version would do.
type Report struct {
	Processors []Processor `json:"processors"`
}

// Processor is one processor's running version against what is published.
type Processor struct {
	Processor string `json:"processor"`
	Version   string `json:"version"`
	// State is promoted, held, rolled_back, or current.
	State string `json:"state"`
	// Published counts the published partitions by the processor version
	// that computed them.
	Published map[string]int `json:"published_by_version"`
	// Affected are the dates whose partition an older version published:
	// what a promotion replaces. AtOnce of them lie within
	// auto_refresh_days of the newest date and recompute on promotion; the
	// rest are left for a backfill.
	Affected []pipeline.Date `json:"affected_dates"`
	AtOnce   int             `json:"recomputed_at_once"`
	// Dependents are the tasks downstream that recompute after the
	// affected partitions change, by processor.
	Dependents map[string]int `json:"dependents"`
	// Tasks is what the promotion runs (affected and dependents), and
	// Estimate its time at the median duration of recent runs.
	Tasks    int     `json:"tasks"`
	Estimate float64 `json:"estimated_seconds"`
	// Declared are the output columns the version says it changes.
	Declared []string `json:"declared_changes,omitempty"`
	Canary   *Canary  `json:"canary,omitempty"`
}

// Changed reports whether the running version differs from what computed
// some published partition (a promotion would change something).
func (p Processor) Changed() bool { return len(p.Affected) > 0 }

// Plan reports every processor in the graph (or those named).
func (pl *Planner) Plan(ctx context.Context, names ...string) (Report, error) {
	held, err := pl.Engine.Held(ctx)
	if err != nil {
		return Report{}, err
	}
	rels, err := pl.Store.Releases(ctx)
	if err != nil {
		return Report{}, err
	}
	cal, err := pl.Engine.Calendar(ctx)
	if err != nil {
		return Report{}, err
	}
	scheduled := map[pipeline.Date]bool{}
	var newest pipeline.Date
	for _, v := range cal {
		scheduled[v.Date] = true
		if v.Coverage != nil && len(v.Coverage.Games) > len(v.Coverage.NotFinal) {
			newest = max(newest, v.Date)
		}
	}
	rate, err := pl.runTimes(ctx)
	if err != nil {
		return Report{}, err
	}
	var rep Report
	for _, name := range pl.Graph.Order() {
		if len(names) > 0 && !slices.Contains(names, name) {
			continue
		}
		proc := pl.Graph.Processor(name)
		p := Processor{Processor: name, Version: proc.Version(), Published: map[string]int{}, Dependents: map[string]int{}}
		if c, ok := proc.(pipeline.Changes); ok {
			p.Declared = c.ChangedColumns()
		}
		vs, err := pl.Store.Partitions(ctx, pipeline.PartitionFilter{Table: proc.Output().Name})
		if err != nil {
			return Report{}, err
		}
		for _, v := range vs {
			p.Published[v.ProcessorVersion]++
			if v.ProcessorVersion != p.Version {
				p.Affected = append(p.Affected, v.Date)
				if v.Date >= newest.AddDays(-pl.Policy.AutoRefreshDays) {
					p.AtOnce++
				}
			}
		}
		p.State = stateOf(name, p.Version, rels, held[name], p.Changed())
		for key := range pl.dependents(name, p.Affected, scheduled) {
			p.Dependents[key.Processor]++
		}
		p.Tasks = len(p.Affected)
		p.Estimate = float64(len(p.Affected)) * rate[name]
		for d, n := range p.Dependents {
			p.Tasks += n
			p.Estimate += float64(n) * rate[d]
		}
		p.Estimate = math.Round(p.Estimate*10) / 10
		rep.Processors = append(rep.Processors, p)
	}
	return rep, nil
}

// stateOf is how a processor's running version is shown.
func stateOf(name, version string, rels []pipeline.Release, held, changed bool) string {
	for _, r := range rels {
		if r.Processor == name && r.Version == version {
			if r.State == pipeline.ReleaseHeld && !changed {
				return Current
			}
			return r.State
		}
	}
	if held && changed {
		return pipeline.ReleaseHeld
	}
	if changed {
		return pipeline.ReleasePromoted // not held: the engine recomputes at once
	}
	return Current
}

// dependents are the downstream tasks, on scheduled dates, that read a
// partition of proc on the given dates, and theirs in turn.
func (pl *Planner) dependents(proc string, dates []pipeline.Date, scheduled map[pipeline.Date]bool) map[pipeline.TaskKey]bool {
	out := map[pipeline.TaskKey]bool{}
	type part struct {
		proc string
		date pipeline.Date
	}
	queue := make([]part, 0, len(dates))
	for _, d := range dates {
		queue = append(queue, part{proc, d})
	}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		table := pl.Graph.Processor(cur.proc).Output().Name
		for _, e := range pl.Graph.Consumers(table) {
			for d := cur.date.AddDays(-e.Input.Window.To); d <= cur.date.AddDays(-e.Input.Window.From); d++ {
				k := pipeline.TaskKey{Processor: e.To, Date: d}
				if !scheduled[d] || out[k] {
					continue
				}
				out[k] = true
				queue = append(queue, part{e.To, d})
			}
		}
	}
	return out
}

// runTimes is each processor's median run duration, in seconds, over its
// recent finished runs.
func (pl *Planner) runTimes(ctx context.Context) (map[string]float64, error) {
	runs, err := pl.Store.Runs(ctx, pipeline.RunFilter{Limit: 5000})
	if err != nil {
		return nil, err
	}
	by := map[string][]float64{}
	for _, r := range runs {
		if r.FinishedAt != nil {
			by[r.Task.Processor] = append(by[r.Task.Processor], r.FinishedAt.Sub(r.StartedAt).Seconds())
		}
	}
	out := map[string]float64{}
	for name, ds := range by {
		slices.Sort(ds)
		out[name] = ds[len(ds)/2]
	}
	return out, nil
}

// Sample picks a canary's dates among those proc has published: the newest
// n with rows, and extra more drawn with the seed from the others.
func (pl *Planner) Sample(ctx context.Context, proc string, n, extra int, seed uint64) ([]pipeline.Date, error) {
	vs, err := pl.Store.Partitions(ctx, pipeline.PartitionFilter{Table: pl.Graph.Processor(proc).Output().Name})
	if err != nil {
		return nil, err
	}
	var dates []pipeline.Date
	for _, v := range vs {
		if v.RowCount > 0 {
			dates = append(dates, v.Date)
		}
	}
	slices.Sort(dates)
	cut := max(len(dates)-n, 0)
	out := slices.Clone(dates[cut:])
	rest := dates[:cut]
	rnd := rand.New(rand.NewPCG(seed, 0xca9a))
	for _, i := range rnd.Perm(len(rest))[:min(extra, len(rest))] {
		out = append(out, rest[i])
	}
	slices.Sort(out)
	return out, nil
}

// Canary is a running version computed for sample dates beside what is
// published, and whether it may be promoted.
type Canary struct {
	Processor  string       `json:"processor"`
	Version    string       `json:"version"`
	Dates      []DateDiff   `json:"dates"`
	Columns    []ColumnDiff `json:"columns"`
	Critical   int          `json:"critical_failures"`
	Undeclared []string     `json:"undeclared_changes,omitempty"`
	// Promotable: no critical failure and no change outside the declared
	// columns; otherwise Reason says why it is held, naming the first
	// differing rows.
	Promotable bool   `json:"promotable"`
	Reason     string `json:"reason"`
	TookMS     int64  `json:"took_ms"`
}

// DateDiff is one sampled date.
type DateDiff struct {
	Date       pipeline.Date `json:"game_date"`
	Published  int           `json:"published_version"`
	RowsBefore int           `json:"rows_before"`
	RowsAfter  int           `json:"rows_after"`
	Added      int           `json:"rows_added"`
	Removed    int           `json:"rows_removed"`
	Changed    int           `json:"rows_changed"`
	// Before and After count failed checks (by severity) on the published
	// rows and on the canary's, both against the current inputs.
	Before map[pipeline.Severity]int `json:"checks_before"`
	After  map[pipeline.Severity]int `json:"checks_after"`
	// First names up to three differing rows, with the first differing
	// column of each.
	First []string `json:"first_differences,omitempty"`
}

// ColumnDiff is one output column over all sampled dates.
type ColumnDiff struct {
	Column  string  `json:"column"`
	Changed int     `json:"values_changed"`
	Largest float64 `json:"largest_change,omitempty"`
}

// Canary computes proc's running version for dates, checks it and diffs it
// against the published partitions. Nothing is written.
func (pl *Planner) Canary(ctx context.Context, proc string, dates []pipeline.Date) (*Canary, error) {
	start := time.Now()
	p := pl.Graph.Processor(proc)
	if p == nil {
		return nil, fmt.Errorf("no processor %q", proc)
	}
	t := p.Output()
	c := &Canary{Processor: proc, Version: p.Version()}
	cols := map[string]*ColumnDiff{}
	for _, d := range dates {
		dec, _, err := pl.Engine.Explain(ctx, pipeline.TaskKey{Processor: proc, Date: d})
		if err != nil {
			return nil, err
		}
		st, err := pl.Executor.Stage(ctx, p, d, dec.Missing, dec.Fallback)
		if err != nil {
			return nil, err
		}
		dd := DateDiff{Date: d, Published: st.Version.Version, RowsBefore: len(st.Published), RowsAfter: len(st.Rows),
			Before: severities(st.Before), After: severities(st.Outcomes)}
		c.Critical += dd.After[pipeline.Critical]
		diffRows(t, st.Published, st.Rows, &dd, cols)
		c.Dates = append(c.Dates, dd)
	}
	for _, col := range t.Columns {
		if cd, ok := cols[col.Name]; ok {
			c.Columns = append(c.Columns, *cd)
		}
	}
	declared := map[string]bool{}
	if ch, ok := p.(pipeline.Changes); ok {
		for _, col := range ch.ChangedColumns() {
			declared[col] = true
		}
	}
	for _, cd := range c.Columns {
		if !declared[cd.Column] {
			c.Undeclared = append(c.Undeclared, cd.Column)
		}
	}
	switch {
	case c.Critical > 0:
		c.Reason = fmt.Sprintf("held: %d critical check failures on the sampled dates", c.Critical)
	case len(c.Undeclared) > 0:
		c.Reason = fmt.Sprintf("held: %s changed, which version %s does not declare; first: %s",
			strings.Join(c.Undeclared, ", "), c.Version, c.firstDifference())
	default:
		c.Promotable = true
		c.Reason = "promotable: checks clean"
		if len(c.Columns) > 0 {
			c.Reason += "; only declared columns changed"
		} else {
			c.Reason += "; no value changed"
		}
	}
	c.TookMS = time.Since(start).Milliseconds()
	return c, nil
}

func (c *Canary) firstDifference() string {
	for _, d := range c.Dates {
		if len(d.First) > 0 {
			return d.Date.String() + " " + d.First[0]
		}
	}
	return "none"
}

func severities(os []pipeline.Outcome) map[pipeline.Severity]int {
	out := map[pipeline.Severity]int{}
	for _, o := range os {
		out[o.Severity]++
	}
	return out
}

// diffRows compares rows by the table's key.
func diffRows(t *pipeline.Table, before, after []pipeline.Row, dd *DateDiff, cols map[string]*ColumnDiff) {
	key := func(r pipeline.Row) string {
		var b strings.Builder
		for _, k := range t.Key {
			fmt.Fprintf(&b, "%v|", r[t.Col(k)])
		}
		return b.String()
	}
	old := make(map[string]pipeline.Row, len(before))
	for _, r := range before {
		old[key(r)] = r
	}
	seen := map[string]bool{}
	for _, r := range after {
		k := key(r)
		seen[k] = true
		o, ok := old[k]
		if !ok {
			dd.Added++
			continue
		}
		first := ""
		for i, col := range t.Columns {
			if equal(o[i], r[i]) {
				continue
			}
			cd := cols[col.Name]
			if cd == nil {
				cd = &ColumnDiff{Column: col.Name}
				cols[col.Name] = cd
			}
			cd.Changed++
			if a, ok := number(o[i]); ok {
				if b, ok := number(r[i]); ok {
					cd.Largest = max(cd.Largest, math.Round(math.Abs(b-a)*1e4)/1e4)
				}
			}
			if first == "" {
				first = fmt.Sprintf("%s: %s → %s", col.Name, show(o[i]), show(r[i]))
			}
		}
		if first != "" {
			dd.Changed++
			if len(dd.First) < 3 {
				dd.First = append(dd.First, strings.TrimSuffix(strings.ReplaceAll(k, "|", " "), " ")+" "+first)
			}
		}
	}
	for k := range old {
		if !seen[k] {
			dd.Removed++
		}
	}
}

// show prints a value for a person: floats to six significant digits.
func show(v any) string {
	if f, ok := v.(float64); ok {
		return fmt.Sprintf("%.6g", f)
	}
	return fmt.Sprint(v)
}

func equal(a, b any) bool {
	if x, ok := number(a); ok {
		if y, ok := number(b); ok {
			return x == y || math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y))
		}
	}
	return a == b
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// Promote records proc's running version as promoted: the engine then
// recomputes what older versions published (within auto_refresh_days; a
// backfill does the rest).
func (pl *Planner) Promote(ctx context.Context, proc, reason string) (pipeline.Release, error) {
	return pl.decide(ctx, proc, pipeline.ReleasePromoted, reason)
}

// Hold records proc's running version as held, with the reason.
func (pl *Planner) Hold(ctx context.Context, proc, reason string) (pipeline.Release, error) {
	return pl.decide(ctx, proc, pipeline.ReleaseHeld, reason)
}

// decide records a decision about proc's running version.
func (pl *Planner) decide(ctx context.Context, proc, state, reason string) (pipeline.Release, error) {
	p := pl.Graph.Processor(proc)
	if p == nil {
		return pipeline.Release{}, fmt.Errorf("no processor %q", proc)
	}
	r := pipeline.Release{Processor: proc, Version: p.Version(), State: state, Reason: reason, DecidedAt: pl.Now()}
	return r, pl.Store.SaveRelease(ctx, r)
}
