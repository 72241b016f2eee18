package dashboard

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/pipeline"
)

// panelRuns is how many of a task's runs its panel lists.
const panelRuns = 50

// taskData is one task's explanation panel.
type taskData struct {
	Key      pipeline.TaskKey
	Ex       engine.Explanation
	Sentence string
	// Changes compares the current version's lineage with what the task
	// reads now; nil when it was never published.
	Changes *InputChanges
	// Upstream are the tasks a blocked task waits on (Blockers) and, when
	// those are blocked themselves, the failed or rejected ones at the root.
	Blockers, Roots []Cell
	Versions        []VersionRow
	// Runs are the newest runs, newest first; MoreRuns says there are older.
	Runs     []pipeline.TaskRun
	MoreRuns bool
	// Visible is the version readers see (0: none).
	Visible int
	// SelectedRun and SelectedVersion come from the URL (?run=, ?version=).
	SelectedRun     int64
	SelectedVersion int
	TokenRequired   bool
	BackfillModes   []string
}

// VersionRow is one kept version of the task's output, newest first.
type VersionRow struct {
	pipeline.PartitionVersion
	Visible bool
}

// InputChange is an input partition whose version differs between the
// lineage of the current version (Old) and what the task reads now (New);
// 0 means not read then, or not there now.
type InputChange struct {
	Table    string
	Date     pipeline.Date
	Old, New int
}

// InputChanges is what changed since the current version was computed.
type InputChanges struct {
	Changed   []InputChange
	Unchanged []pipeline.InputVersion
	// OldProcessor and NewProcessor are the processor's versions then and
	// now (equal when unchanged).
	OldProcessor, NewProcessor string
}

// ProcessorChanged reports whether the processor's version changed.
func (c InputChanges) ProcessorChanged() bool { return c.OldProcessor != c.NewProcessor }

// diffInputs compares the lineage (then) with the inputs read now, in
// table and date order.
func diffInputs(then, now []pipeline.InputVersion) ([]InputChange, []pipeline.InputVersion) {
	type key struct {
		table string
		date  pipeline.Date
	}
	old := make(map[key]int, len(then))
	for _, in := range then {
		old[key{in.Table, in.Date}] = in.Version
	}
	var changed []InputChange
	var same []pipeline.InputVersion
	seen := make(map[key]bool, len(now))
	for _, in := range now {
		k := key{in.Table, in.Date}
		seen[k] = true
		if v := old[k]; v == in.Version {
			same = append(same, in)
		} else {
			changed = append(changed, InputChange{Table: in.Table, Date: in.Date, Old: v, New: in.Version})
		}
	}
	for _, in := range then {
		if !seen[key{in.Table, in.Date}] {
			changed = append(changed, InputChange{Table: in.Table, Date: in.Date, Old: in.Version})
		}
	}
	slices.SortFunc(changed, func(a, b InputChange) int {
		return cmp.Or(cmp.Compare(a.Table, b.Table), cmp.Compare(a.Date, b.Date))
	})
	return changed, same
}

// changes works out what changed since the current version: against the
// planner's inputs when it collected them (the task could run), else
// against the current versions of the partitions the lineage names.
func (d *Dashboard) changes(ctx context.Context, ex engine.Explanation) (*InputChanges, error) {
	cur := ex.Current
	if cur == nil {
		return nil, nil
	}
	now := ex.Decision.Inputs
	if len(now) == 0 && len(cur.Inputs) > 0 {
		var err error
		if now, err = d.currentVersions(ctx, cur.Inputs); err != nil {
			return nil, err
		}
	}
	ch := &InputChanges{OldProcessor: cur.ProcessorVersion,
		NewProcessor: d.cfg.Graph.Processor(ex.Verdict.Processor).Version()}
	ch.Changed, ch.Unchanged = diffInputs(cur.Inputs, now)
	return ch, nil
}

// currentVersions reads the current version of every partition in ins,
// one range read per table.
func (d *Dashboard) currentVersions(ctx context.Context, ins []pipeline.InputVersion) ([]pipeline.InputVersion, error) {
	type span struct{ from, to pipeline.Date }
	spans := map[string]span{}
	want := map[pipeline.PartKey]bool{}
	for _, in := range ins {
		s, ok := spans[in.Table]
		if !ok {
			s = span{in.Date, in.Date}
		}
		spans[in.Table] = span{min(s.from, in.Date), max(s.to, in.Date)}
		want[pipeline.PartKey{Table: in.Table, Date: in.Date}] = true
	}
	var out []pipeline.InputVersion
	for table, s := range spans {
		vs, err := d.cfg.Store.Partitions(ctx, pipeline.PartitionFilter{Table: table, From: s.from, To: s.to, HasRange: true})
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			if want[pipeline.PartKey{Table: v.Table, Date: v.Date}] {
				out = append(out, pipeline.InputVersion{Table: v.Table, Date: v.Date, Version: v.Version})
			}
		}
	}
	return out, nil
}

// upstream finds what holds a blocked task back: the failed, rejected or
// blocked tasks of the processors it reads (blockers), and, following
// blocked ones up the graph, the failed or rejected tasks at the root.
func (d *Dashboard) upstream(ctx context.Context, key pipeline.TaskKey) (blockers, roots []Cell, err error) {
	g := d.cfg.Graph
	ds, recs, err := d.cfg.Engine.Verdicts(ctx, key.Date.AddDays(-g.Reach()), key.Date)
	if err != nil {
		return nil, nil, err
	}
	verdicts := make(map[pipeline.TaskKey]engine.Verdict, len(ds))
	for _, dec := range ds {
		verdicts[dec.Task] = d.cfg.Engine.View(dec, recs[dec.Task])
	}
	held := func(k pipeline.TaskKey) []Cell {
		var out []Cell
		for _, in := range g.Processor(k.Processor).Inputs() {
			producer := g.Producer(in.Table)
			if producer == "" || !in.Required {
				continue
			}
			for x := k.Date.AddDays(in.Window.From); x <= k.Date.AddDays(in.Window.To); x++ {
				v, ok := verdicts[pipeline.TaskKey{Processor: producer, Date: x}]
				if ok && (v.State == pipeline.Failed || v.State == pipeline.Rejected || v.State == pipeline.Blocked) {
					out = append(out, Cell{Processor: producer, Date: x, State: v.State, Version: v.Version, Reason: v.Reason})
				}
			}
		}
		return out
	}
	blockers = held(key)
	seen := map[pipeline.TaskKey]bool{key: true}
	queue := slices.Clone(blockers)
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		k := pipeline.TaskKey{Processor: c.Processor, Date: c.Date}
		if seen[k] {
			continue
		}
		seen[k] = true
		if c.State != pipeline.Blocked {
			if !slices.ContainsFunc(blockers, func(b Cell) bool { return b.Processor == c.Processor && b.Date == c.Date }) {
				roots = append(roots, c)
			}
			continue
		}
		queue = append(queue, held(k)...)
	}
	return blockers, roots, nil
}

// sentence is the verdict and its reason in one sentence; version is the
// output's version readers see (0: none).
func sentence(v engine.Verdict, version int) string {
	reason := strings.TrimSuffix(v.Reason, ".")
	visible := ""
	if version > 0 {
		visible = fmt.Sprintf("; version %d is still what readers see", version)
	}
	var s string
	switch {
	case v.Code == dag.CodeHeld:
		// Published, but by an older processor version than the running
		// one, which waits for its promotion.
		s = "Held: " + reason
	case v.State == pipeline.Published:
		s = fmt.Sprintf("Published: version %d is up to date with its inputs", version)
	case v.State == cellPartial:
		s = fmt.Sprintf("Partial: version %d was published without %s whose box scores had not arrived by the completeness deadline; it is recomputed when they arrive",
			version, plural(len(v.Missing), "game"))
	case v.State == pipeline.Stale:
		s = "Stale: " + reason
	case v.State == pipeline.Waiting:
		s = "Waiting: " + reason + visible
	case v.State == pipeline.Ready:
		s = "Ready to run: " + reason + visible
	case v.State == pipeline.Running:
		s = "Running: " + reason + visible
	case v.State == pipeline.Blocked:
		s = "Blocked: " + reason + "; it runs by itself once that is fixed" + visible
	case v.State == pipeline.Rejected:
		s = "Rejected: a blocking quality check failed (" + reason + "), so nothing was published" + visible
	case v.State == pipeline.Failed:
		s = "Failed after its retries: " + reason + visible
	default:
		s = stateLabel[v.State]
		if reason != "" {
			s += ": " + reason
		}
	}
	if v.Late {
		s = fmt.Sprintf("Late: due %s and not published. %s", v.Deadline.UTC().Format("2006-01-02 15:04 MST"), s)
	}
	return s + "."
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// versionRows lists the kept versions newest first, marking the one
// readers see.
func versionRows(hist []pipeline.PartitionVersion) []VersionRow {
	out := make([]VersionRow, len(hist))
	for i, v := range hist {
		out[len(hist)-1-i] = VersionRow{PartitionVersion: v, Visible: i == len(hist)-1}
	}
	return out
}
