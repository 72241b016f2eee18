package dag

import (
	"container/heap"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// Decision is the planner's verdict on one task.
type Decision struct {
	Task   pipeline.TaskKey `json:"task"`
	State  string           `json:"state"`
	Reason string           `json:"reason,omitempty"`
	// Code says in one word why the task is in its state (see Code).
	Code Code `json:"code,omitempty"`
	// Base is the output's current version (0: never published): the
	// version a started task is planned against.
	Base int `json:"base_version,omitempty"`
	// Start is true for a task to hand to a worker now.
	Start bool `json:"-"`
	// Inputs are the input versions the task reads (ready and current tasks).
	Inputs      []pipeline.InputVersion `json:"inputs,omitempty"`
	Fingerprint string                  `json:"input_fingerprint,omitempty"`
	// Missing are games an input lacks: waited for, or, past the deadline,
	// left out of a partial publication.
	Missing  []string `json:"missing_games,omitempty"`
	Partial  bool     `json:"partial,omitempty"`
	Fallback []string `json:"fallback_games,omitempty"`
	// WaitUntil is when time alone may change the verdict.
	WaitUntil time.Time `json:"wait_until,omitzero"`
	// Height is the task's critical-path priority: the length of the longest
	// chain of processors downstream of it.
	Height int `json:"-"`
}

// Plan is the planner's output for a snapshot.
type Plan struct {
	// Decisions holds one decision per task in scope, in topological order
	// of processors and then date order.
	Decisions []Decision
	// Start lists the tasks to start, most urgent first: earlier dates
	// first (windows need them), then longer critical paths; the first
	// Snapshot.StartLimit of them when that is set.
	Start []pipeline.TaskKey
	// Startable counts the tasks to start, listed in Start or not.
	Startable int
	// Wake is the earliest time at which a waiting task's verdict changes
	// by time alone (zero: none).
	Wake time.Time
	// Decided are the positions in Decisions decided afresh by this plan;
	// nil when every one was (no previous plan was given). The others kept
	// the previous plan's verdict.
	Decided []int

	days    days
	procPos map[string]int
	// Carried to the next plan of the same scope, so that it costs what
	// changed, not the size of the scope: the positions whose decision has
	// a WaitUntil, the lowest date index that may hold a startable task,
	// and a bitmap by position that is all false between plans.
	waiting    []int32
	firstStart int
	mark       []bool
}

// days lays out the dates in scope: every date of from..from+n-1, or, when
// the scope lists its dates, those only.
type days struct {
	from  pipeline.Date
	n     int
	dates []pipeline.Date // nil: every date
	slot  []int32         // by date - from: the date's position, or -1
	// src is the snapshot's Dates the layout was made from, and to its
	// last date: a later snapshot with the very same slice and span has
	// the same layout (reused rather than rebuilt).
	src []pipeline.Date
	to  pipeline.Date
}

// sameSource reports whether snap's dates are those x was made from.
func (x *days) sameSource(snap Snapshot) bool {
	return x.from == snap.From && x.to == snap.To && len(x.src) == len(snap.Dates) &&
		(x.src == nil) == (snap.Dates == nil) && (len(x.src) == 0 || &x.src[0] == &snap.Dates[0])
}

func newDays(snap Snapshot) days {
	x := newLayout(snap)
	x.src, x.to = snap.Dates, snap.To
	return x
}

func newLayout(snap Snapshot) days {
	if snap.Dates == nil {
		return days{from: snap.From, n: max(int(snap.To-snap.From+1), 0)}
	}
	x := days{from: snap.From}
	if snap.To >= snap.From {
		x.slot = make([]int32, int(snap.To-snap.From+1))
		for i := range x.slot {
			x.slot[i] = -1
		}
	}
	for _, d := range snap.Dates {
		if d >= snap.From && d <= snap.To && x.slot[d-snap.From] < 0 {
			x.slot[d-snap.From] = int32(len(x.dates))
			x.dates = append(x.dates, d)
		}
	}
	x.n = len(x.dates)
	if x.dates == nil {
		x.dates = []pipeline.Date{}
	}
	return x
}

// at is the date at position i.
func (x *days) at(i int) pipeline.Date {
	if x.dates == nil {
		return x.from.AddDays(i)
	}
	return x.dates[i]
}

// index is the position of date d, or -1 when it is not in scope.
func (x *days) index(d pipeline.Date) int {
	i := int(d - x.from)
	switch {
	case d < x.from:
		return -1
	case x.dates == nil:
		if i >= x.n {
			return -1
		}
		return i
	case i >= len(x.slot):
		return -1
	}
	return int(x.slot[i])
}

// same reports whether two layouts place every date alike.
func (x *days) same(y *days) bool {
	return x.from == y.from && x.n == y.n && (x.dates == nil) == (y.dates == nil) && slices.Equal(x.dates, y.dates)
}

// Index returns the position of a task's decision in Decisions, or -1 when
// the task is not in scope.
func (p *Plan) Index(k pipeline.TaskKey) int {
	pi, ok := p.procPos[k.Processor]
	if !ok {
		return -1
	}
	i := p.days.index(k.Date)
	if i < 0 {
		return -1
	}
	return pi*p.days.n + i
}

// Decide plans every task in scope. It reads only the snapshot and the graph.
//
// Decisions are laid out by position: processor (in topological order)
// times date. With a previous plan of the same scope the layout is the
// same, so reuse and upstream look-ups are index arithmetic, not maps, and
// the work is proportional to what changed: the tasks decided again, the
// waiting tasks whose time may have come, and the first Start entries. A
// thirty-season backfill plans after each of its 35,000 runs.
func (g *Graph) Decide(snap Snapshot, pol Policy) Plan {
	pl := planner{g: g, snap: snap, pol: pol, heights: g.heights(), procPos: map[string]int{}}
	for _, name := range g.order {
		if snap.Processors == nil || slices.Contains(snap.Processors, name) {
			pl.procPos[name] = len(pl.procs)
			pl.procs = append(pl.procs, name)
		}
	}
	if prev := snap.Prev; prev != nil && prev.days.sameSource(snap) {
		pl.days = prev.days // the same dates: the same layout
	} else {
		pl.days = newDays(snap)
	}
	pl.byHeight = make([]int, len(pl.procs))
	for i := range pl.byHeight {
		pl.byHeight[i] = i
	}
	slices.SortStableFunc(pl.byHeight, func(a, b int) int { return pl.heights[pl.procs[b]] - pl.heights[pl.procs[a]] })
	n := len(pl.procs) * pl.days.n
	plan := Plan{days: pl.days, procPos: pl.procPos}
	if inc := pl.incremental(n); inc != nil {
		pl.decideChanged(&plan, inc)
	} else {
		pl.decideAll(&plan, n)
	}
	pl.listStart(&plan)
	return plan
}

// decideAll decides every task.
func (pl *planner) decideAll(plan *Plan, n int) {
	plan.Decisions = make([]Decision, n)
	plan.mark = make([]bool, n)
	pl.decided = plan.Decisions
	for pi, name := range pl.procs {
		for i := range pl.days.n {
			pos := pi*pl.days.n + i
			dec := pl.decide(pl.g.procs[name], pl.days.at(i))
			plan.Decisions[pos] = dec
			if dec.Start {
				plan.Startable++
			}
			if !dec.WaitUntil.IsZero() {
				plan.waiting = append(plan.waiting, int32(pos))
			}
		}
	}
	plan.Wake = earliest(plan.Decisions, plan.waiting)
}

// decideChanged decides again, in position order, the tasks inc marked
// and those a changed verdict marks on the way (always at later
// positions: its readers are downstream), reusing the previous plan's
// storage for the rest.
func (pl *planner) decideChanged(plan *Plan, inc *incremental) {
	prev := pl.snap.Prev
	plan.Decisions, plan.mark, plan.Startable, plan.firstStart = prev.Decisions, prev.mark, prev.Startable, prev.firstStart
	plan.Decided = []int{}
	pl.decided = plan.Decisions
	for inc.queue.Len() > 0 {
		pos := heap.Pop(&inc.queue).(int)
		pi, i := pos/pl.days.n, pos%pl.days.n
		name := pl.procs[pi]
		old := plan.Decisions[pos]
		dec := pl.decide(pl.g.procs[name], pl.days.at(i))
		plan.Decided = append(plan.Decided, pos)
		if dec.State != old.State {
			inc.touch(pipeline.PartKey{Table: pl.g.procs[name].Output().Name, Date: dec.Task.Date})
		}
		switch {
		case dec.Start && !old.Start:
			plan.Startable++
			plan.firstStart = min(plan.firstStart, i)
		case !dec.Start && old.Start:
			plan.Startable--
		}
		plan.Decisions[pos] = dec
	}
	// The waiting tasks: those still waiting of the previous plan's, and
	// the decided ones that wait now (each once: marks were set on every
	// decided position).
	plan.waiting = prev.waiting[:0:0]
	for _, pos := range prev.waiting {
		if !plan.mark[pos] && !plan.Decisions[pos].WaitUntil.IsZero() {
			plan.waiting = append(plan.waiting, pos)
		}
	}
	for _, pos := range plan.Decided {
		if !plan.Decisions[pos].WaitUntil.IsZero() {
			plan.waiting = append(plan.waiting, int32(pos))
		}
		plan.mark[pos] = false
	}
	plan.Wake = earliest(plan.Decisions, plan.waiting)
}

// earliest is the first WaitUntil of the waiting positions (zero: none).
func earliest(decs []Decision, waiting []int32) time.Time {
	var wake time.Time
	for _, pos := range waiting {
		if w := decs[pos].WaitUntil; wake.IsZero() || w.Before(wake) {
			wake = w
		}
	}
	return wake
}

// listStart lists the startable tasks, earlier dates first (windows need
// them), then longer critical paths: by position, with no copy or sort of
// the decisions, from the first date that may hold one, and only the first
// StartLimit when the snapshot sets it.
func (pl *planner) listStart(plan *Plan) {
	first := -1
	for i := plan.firstStart; i < pl.days.n; i++ {
		if pl.snap.StartLimit > 0 && len(plan.Start) >= pl.snap.StartLimit {
			break
		}
		for _, pi := range pl.byHeight {
			if d := &plan.Decisions[pi*pl.days.n+i]; d.Start {
				plan.Start = append(plan.Start, d.Task)
				if first < 0 {
					first = i
				}
			}
		}
	}
	if first < 0 {
		first = pl.days.n
	}
	plan.firstStart = first
}

// heights computes each processor's longest downstream chain.
func (g *Graph) heights() map[string]int {
	h := map[string]int{}
	for i := len(g.order) - 1; i >= 0; i-- {
		n := g.order[i]
		for _, e := range g.consumer[n] {
			if e.To != n && h[e.To]+1 > h[n] {
				h[n] = h[e.To] + 1
			}
		}
	}
	return h
}

type planner struct {
	g       *Graph
	snap    Snapshot
	pol     Policy
	heights map[string]int
	procs   []string       // processors in scope, in topological order
	procPos map[string]int // their index in procs
	// byHeight lists procs' indexes, longest critical path first (in
	// topological order among equals).
	byHeight []int
	days     days
	decided  []Decision // by position; filled in order
}

// pos is the position of a task in scope, or -1.
func (p *planner) pos(proc string, d pipeline.Date) int {
	pi, ok := p.procPos[proc]
	if !ok {
		return -1
	}
	i := p.days.index(d)
	if i < 0 {
		return -1
	}
	return pi*p.days.n + i
}

// gate accumulates what one task's inputs say.
type gate struct {
	inputs   []pipeline.InputVersion
	waits    reasons
	blocks   reasons
	missing  []string
	fallback []string
	until    time.Time
}

// reason is one input's complaint, formatted only when reported (a task
// waiting on thirty days of a window has thirty of them).
type reason struct {
	code  Code
	table string
	date  pipeline.Date
	what  string
	dated bool
}

func (r reason) String() string {
	if r.dated {
		return r.table + " " + r.date.String() + " " + r.what
	}
	if r.table == "" {
		return r.what
	}
	return r.table + " " + r.what
}

// clear reports whether nothing holds the task back so far: only then are
// the inputs it would read worth collecting.
func (gt *gate) clear() bool { return gt.waits.n == 0 && gt.blocks.n == 0 }

func (gt *gate) waitUntil(t time.Time) {
	if gt.until.IsZero() || t.Before(gt.until) {
		gt.until = t
	}
}

func (p *planner) decide(proc pipeline.Processor, d pipeline.Date) Decision {
	dec := p.verdict(proc, d)
	// A record a live lease says is running changes when the lease
	// expires, whatever the verdict: the task is decided again then, so
	// that a dead process's record is written over (engine save).
	rec := p.snap.Tasks[dec.Task]
	if rec.State == pipeline.Running && rec.Leased(p.snap.Now) &&
		(dec.WaitUntil.IsZero() || rec.LeaseExpiresAt.Before(dec.WaitUntil)) {
		dec.WaitUntil = rec.LeaseExpiresAt
	}
	if dec.Start && p.snap.Only != nil {
		_, published := p.snap.Versions[pipeline.PartKey{Table: proc.Output().Name, Date: d}]
		dec.Start = p.snap.Only(dec, rec, published)
	}
	return dec
}

// verdict decides one task from its inputs, its record and its output.
func (p *planner) verdict(proc pipeline.Processor, d pipeline.Date) Decision {
	key := pipeline.TaskKey{Processor: proc.Name(), Date: d}
	// Base is the output's current version whatever the verdict: a
	// blocked or waiting task's partition may well be published (and so
	// not late).
	out, published := p.snap.Versions[pipeline.PartKey{Table: proc.Output().Name, Date: d}]
	dec := Decision{Task: key, Height: p.heights[proc.Name()], Base: out.Version}
	var gt gate
	for _, in := range proc.Inputs() {
		for x := d.AddDays(in.Window.From); x <= d.AddDays(in.Window.To); x++ {
			p.input(&gt, in, d, x)
		}
	}
	rec := p.snap.Tasks[key]
	switch {
	case gt.blocks.n > 0:
		dec.State, dec.Reason, dec.Code = pipeline.Blocked, "upstream "+gt.blocks.String(), CodeUpstreamFailed
		return dec
	case gt.waits.n > 0:
		dec.State, dec.Reason, dec.Code = pipeline.Waiting, gt.waits.String(), gt.waits.first[0].code
		dec.WaitUntil, dec.Missing = gt.until, gt.missing
		return dec
	}
	slices.SortFunc(gt.inputs, compareInputs)
	gt.inputs = slices.CompactFunc(gt.inputs, func(a, b pipeline.InputVersion) bool { return compareInputs(a, b) == 0 })
	slices.Sort(gt.missing)
	slices.Sort(gt.fallback)
	dec.Inputs, dec.Missing, dec.Fallback = gt.inputs, slices.Compact(gt.missing), slices.Compact(gt.fallback)
	dec.Partial = len(dec.Missing) > 0
	dec.Fingerprint = pipeline.Fingerprint(proc.Version(), dec.Inputs, dec.Missing, dec.Fallback)
	dec.WaitUntil = gt.until // a fallback or the deadline may still change the verdict
	forced := p.snap.Force && !p.snap.ForcedDone[dec.Task]
	if published && !forced && p.snap.Held[proc.Name()] && p.onlyProcessorChanged(&dec, out) {
		dec.State, dec.Code = pipeline.Published, CodeHeld
		dec.Reason = fmt.Sprintf("processor version %s is held (statgate plan --apply promotes it); version %d, computed by %s, stays",
			proc.Version(), out.Version, out.ProcessorVersion)
		return dec
	}
	if published && out.Fingerprint == dec.Fingerprint && !forced {
		dec.State = pipeline.Published
		if rec.State == pipeline.UpToDate {
			dec.State = pipeline.UpToDate
		}
		return dec
	}
	p.runnable(&dec, rec, out, published, forced)
	return dec
}

// runnable decides between running now and the reasons not to.
func (p *planner) runnable(dec *Decision, rec pipeline.TaskRecord, out pipeline.PartitionVersion, published, forced bool) {
	now := p.snap.Now
	switch {
	case rec.Leased(now):
		dec.State, dec.Reason, dec.Code = pipeline.Running, "leased by "+rec.LeaseOwner, CodeLeased
		dec.WaitUntil = rec.LeaseExpiresAt
	case (rec.State == pipeline.Failed || rec.State == pipeline.Rejected) && rec.Fingerprint == dec.Fingerprint && !forced && !p.snap.RetryFailed:
		dec.State, dec.Reason, dec.Code = rec.State, rec.LastError, Code(rec.State)
	case !rec.NextAttemptAt.IsZero() && rec.NextAttemptAt.After(now) && (rec.Fingerprint == "" || rec.Fingerprint == dec.Fingerprint):
		// A scheduled retry (or re-read) waits, unless the inputs have
		// changed since; the run's outcome said why.
		dec.State, dec.Reason, dec.Code = pipeline.Waiting, rec.Reason, CodeRetry
		if rec.Code != "" {
			dec.Code = Code(rec.Code)
		}
		dec.WaitUntil = rec.NextAttemptAt
	case p.circuitOpen(dec.Task.Processor):
		dec.State, dec.Reason, dec.Code = pipeline.Waiting, "circuit open for "+dec.Task.Processor, CodeCircuitOpen
		dec.WaitUntil = p.snap.OpenCircuits[dec.Task.Processor]
	case published && !p.snap.RefreshAll && !forced && p.onlyProcessorChanged(dec, out) &&
		dec.Task.Date < p.snap.Newest.AddDays(-p.pol.AutoRefreshDays):
		// Only new code would change it, and the date is old: that is a
		// backfill's decision (SPEC §6). New input data always recomputes.
		dec.State, dec.Code = pipeline.Stale, CodeLeftForBackfill
		dec.Reason = fmt.Sprintf("processor version %s replaces %s; older than %d days before %s, left for a backfill",
			p.g.procs[dec.Task.Processor].Version(), out.ProcessorVersion, p.pol.AutoRefreshDays, p.snap.Newest)
	default:
		dec.State, dec.Start = pipeline.Ready, true
		switch {
		case forced:
			dec.Reason, dec.Code = "recomputed on request", CodeForced
		case !published:
			dec.Reason, dec.Code = "inputs ready; never published", CodeNew
		case p.onlyProcessorChanged(dec, out):
			dec.Reason, dec.Code = fmt.Sprintf("processor version %s replaces %s", p.g.procs[dec.Task.Processor].Version(), out.ProcessorVersion), CodeProcessorChanged
		default:
			dec.Reason, dec.Code = "inputs changed since the published version", CodeInputsChanged
		}
		if rec.State == pipeline.Running {
			dec.Reason = "lease of " + rec.LeaseOwner + " expired; runs again (" + dec.Reason + ")"
		}
	}
}

// onlyProcessorChanged reports whether the published version out is stale
// only because the processor's version changed: computed by its own
// processor version from what the task would read now, it would have the
// same fingerprint.
func (p *planner) onlyProcessorChanged(dec *Decision, out pipeline.PartitionVersion) bool {
	return out.ProcessorVersion != p.g.procs[dec.Task.Processor].Version() &&
		out.Fingerprint == pipeline.Fingerprint(out.ProcessorVersion, dec.Inputs, dec.Missing, dec.Fallback)
}

func (p *planner) circuitOpen(proc string) bool {
	until, ok := p.snap.OpenCircuits[proc]
	return ok && until.After(p.snap.Now)
}

// input judges one declared input partition (table in, date x) of the task for d.
func (p *planner) input(gt *gate, in pipeline.Input, d, x pipeline.Date) {
	pk := pipeline.PartKey{Table: in.Table, Date: x}
	v, ok := p.snap.Versions[pk]
	if producer := p.g.producer[in.Table]; producer != "" {
		p.analyticsInput(gt, in, producer, x, v, ok)
		return
	}
	t := p.g.catalog.Table(in.Table)
	if ok && gt.clear() {
		// Every published partition of a declared window is read (and so
		// is in the fingerprint), used or not, exactly as the executor does.
		gt.inputs = append(gt.inputs, pipeline.InputVersion{Table: in.Table, Date: x, Version: v.Version})
	}
	switch {
	case t.Cover != nil && !t.Calendar && in.Window == pipeline.Same && in.Required:
		p.perGameInput(gt, in, d, v, ok)
	case !ok && in.Required && in.Window == pipeline.Same:
		gt.waits.add(reason{code: CodeInputMissing, table: in.Table, what: "not published"})
	}
}

// analyticsInput: another processor's partition must be settled when its
// task is in scope; outside the scope, whatever is published is read.
func (p *planner) analyticsInput(gt *gate, in pipeline.Input, producer string, x pipeline.Date, v pipeline.PartitionVersion, ok bool) {
	if ok && gt.clear() {
		gt.inputs = append(gt.inputs, pipeline.InputVersion{Table: in.Table, Date: x, Version: v.Version})
	}
	if !in.Required {
		return
	}
	var up *Decision
	if i := p.pos(producer, x); i >= 0 {
		up = &p.decided[i]
	}
	switch {
	case up == nil:
		if !ok && in.Window == pipeline.Same {
			gt.waits.add(reason{code: CodeInputMissing, table: in.Table, what: "not published"})
		}
	case up.State == pipeline.Published || up.State == pipeline.UpToDate || up.State == pipeline.Stale:
		// Settled: up to date with its own inputs, or stale only because
		// its processor changed on a date left for a backfill, which stays
		// readable (new input data makes a task ready, never stale).
		// Games a same-date input was published without are missing here
		// too: a player row must never be computed without its team's row.
		if in.Window == pipeline.Same && up.Partial {
			gt.missing = append(gt.missing, up.Missing...)
		}
	case up.State == pipeline.Failed || up.State == pipeline.Rejected || up.State == pipeline.Blocked:
		gt.blocks.add(reason{code: CodeUpstreamFailed, table: in.Table, date: x, what: up.State, dated: true})
	default:
		// Waiting, ready or running: not ready to be read, whether it was
		// never published or is about to be recomputed.
		r := reason{code: CodeInputMissing, table: in.Table, date: x, what: "not published", dated: true}
		if ok {
			r.code, r.what = CodeInputPending, "being recomputed"
		}
		gt.waits.add(r)
	}
}

// perGameInput applies the completeness gate: every game the calendar lists
// on d must be final and covered, or covered by the fallback source once the
// fallback delay passed; past the deadline the task runs on what is complete.
func (p *planner) perGameInput(gt *gate, in pipeline.Input, d pipeline.Date, v pipeline.PartitionVersion, ok bool) {
	cal := p.g.catalog.Calendar()
	cv, calOK := p.snap.Versions[pipeline.PartKey{Table: cal.Name, Date: d}]
	if !calOK {
		gt.waits.add(reason{code: CodeInputMissing, table: cal.Name, what: "not published"})
		return
	}
	var notFinal, missing []string
	for _, game := range cv.Coverage.Games {
		switch {
		case slices.Contains(cv.Coverage.NotFinal, game):
			notFinal = append(notFinal, game)
		case ok && v.Coverage.Has(game):
		case p.fallback(gt, in, d, game):
			gt.fallback = append(gt.fallback, game)
		default:
			missing = append(missing, game)
		}
	}
	if len(notFinal)+len(missing) == 0 {
		return
	}
	deadline := p.deadline(d)
	if !p.snap.Now.Before(deadline) {
		gt.missing = append(gt.missing, append(notFinal, missing...)...)
		return
	}
	gt.waitUntil(deadline)
	gt.missing = append(gt.missing, append(notFinal, missing...)...)
	if len(notFinal) > 0 {
		gt.waits.add(reason{code: CodeIncomplete, what: fmt.Sprintf("%d of %d games not final (%s)", len(notFinal), len(cv.Coverage.Games), strings.Join(notFinal, ", "))})
	}
	if len(missing) > 0 {
		gt.waits.add(reason{code: CodeIncomplete, table: in.Table, what: fmt.Sprintf("missing %d of %d games (%s)", len(missing), len(cv.Coverage.Games), strings.Join(missing, ", "))})
	}
}

// deadline is when date d's completeness deadline passes: the policy's
// duration after the end of d, or, when later, after d's calendar
// partition was first recorded, so that history loaded today waits for
// its box scores like today's games do. An explicit run or backfill
// counts from the end of d only (SPEC §6), and so does everyone once one
// has published a partition of d partial: that decision stands, rather
// than the date going back to waiting for games it was published without.
func (p *planner) deadline(d pipeline.Date) time.Time {
	at := p.pol.Deadline(d)
	if p.snap.Explicit {
		return at
	}
	for _, name := range p.g.order {
		if v, ok := p.snap.Versions[pipeline.PartKey{Table: p.g.procs[name].Output().Name, Date: d}]; ok && v.Partial {
			return at
		}
	}
	cv := p.snap.Versions[pipeline.PartKey{Table: p.g.catalog.Calendar().Name, Date: d}]
	if later := cv.FirstRecorded.Add(p.pol.CompletenessDeadline); later.After(at) {
		return later
	}
	return at
}

// fallback reports whether game may be summed from the input's fallback
// source now; when it may later, the gate wakes at that time.
func (p *planner) fallback(gt *gate, in pipeline.Input, d pipeline.Date, game string) bool {
	if in.Fallback == "" {
		return false
	}
	fv, ok := p.snap.Versions[pipeline.PartKey{Table: in.Fallback, Date: d}]
	if !ok || !fv.Coverage.Has(game) {
		return false
	}
	at := fv.CreatedAt.Add(p.pol.FallbackAfter)
	if p.snap.Now.Before(at) && p.snap.Now.Before(p.deadline(d)) {
		gt.waitUntil(at)
		return false
	}
	return true
}

func compareInputs(a, b pipeline.InputVersion) int {
	if a.Table != b.Table {
		return strings.Compare(a.Table, b.Table)
	}
	return int(a.Date - b.Date)
}

// reasons summarises a gate's complaints as they come: the first three
// (a repeat of the one before counts once) are named, the rest counted.
// A task waiting on thirty days of a window has thirty; keeping them all
// to print three was most of the cost of planning a waiting reader.
type reasons struct {
	first [3]reason
	last  reason
	n     int
}

func (rs *reasons) add(r reason) {
	if rs.n > 0 && r == rs.last {
		return
	}
	if rs.n < len(rs.first) {
		rs.first[rs.n] = r
	}
	rs.last = r
	rs.n++
}

func (rs *reasons) String() string {
	var b strings.Builder
	for i := range min(rs.n, len(rs.first)) {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(rs.first[i].String())
	}
	if rs.n > len(rs.first) {
		fmt.Fprintf(&b, "; and %d more", rs.n-len(rs.first))
	}
	return b.String()
}

// incremental tracks which tasks must be decided again when a previous
// plan of the same scope is given: the readers of every changed partition,
// the changed tasks, and tasks whose time-based verdict is due. A task whose
// verdict changes marks its output partition changed, so its readers are
// decided too. Marked positions wait in a queue, smallest first; the
// plan's mark bitmap keeps each in it once.
type incremental struct {
	p     *planner
	mark  []bool
	queue positions
}

func (p *planner) incremental(n int) *incremental {
	prev := p.snap.Prev
	if prev == nil || len(prev.Decisions) != n || n == 0 || !prev.days.same(&p.days) ||
		prev.Decisions[0].Task.Processor != p.procs[0] || len(prev.mark) != n {
		return nil
	}
	inc := &incremental{p: p, mark: prev.mark}
	for _, pos := range prev.waiting {
		if w := prev.Decisions[pos].WaitUntil; !w.IsZero() && !w.After(p.snap.Now) {
			inc.add(int(pos))
		}
	}
	for _, pk := range p.snap.ChangedParts {
		inc.touch(pk)
		if p.g.producer[pk.Table] == "" {
			continue
		}
		// A partial analytics partition moves its date's deadline
		// (deadline), so every task of that date is decided again.
		for _, name := range p.procs {
			if i := p.pos(name, pk.Date); i >= 0 {
				inc.add(i)
			}
		}
	}
	for _, tk := range p.snap.ChangedTasks {
		if i := p.pos(tk.Processor, tk.Date); i >= 0 {
			inc.add(i)
		}
	}
	return inc
}

// add queues a position to decide again, once.
func (inc *incremental) add(pos int) {
	if !inc.mark[pos] {
		inc.mark[pos] = true
		heap.Push(&inc.queue, pos)
	}
}

// touch marks every task reading partition pk as needing a new decision.
func (inc *incremental) touch(pk pipeline.PartKey) {
	for _, e := range inc.p.g.readers[pk.Table] {
		for d := pk.Date.AddDays(-e.Input.Window.To); d <= pk.Date.AddDays(-e.Input.Window.From); d++ {
			if i := inc.p.pos(e.To, d); i >= 0 {
				inc.add(i)
			}
		}
	}
}

// positions is a min-heap of positions.
type positions []int

func (h positions) Len() int           { return len(h) }
func (h positions) Less(i, j int) bool { return h[i] < h[j] }
func (h positions) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *positions) Push(x any)        { *h = append(*h, x.(int)) }
func (h *positions) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
