package dashboard

import (
	"fmt"
	"time"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/pipeline"
)

// Display states of a matrix cell. They are the task states, with a
// published partition computed on incomplete inputs shown as partial and
// up_to_date shown as published (nothing changed).
const (
	cellPartial = engine.Partial
	cellNone    = "none"
)

// stateOrder is the legend's order; it is also the summary's.
var stateOrder = []string{pipeline.Published, cellPartial, pipeline.Stale, pipeline.Waiting, pipeline.Ready,
	pipeline.Running, pipeline.Blocked, pipeline.Rejected, pipeline.Failed, pipeline.Pending, cellNone}

// stateLabel is the text a cell shows, so that no state is told by colour
// alone.
var stateLabel = map[string]string{
	pipeline.Published: "published", cellPartial: "partial", pipeline.Stale: "stale",
	pipeline.Waiting: "waiting", pipeline.Ready: "ready", pipeline.Running: "running",
	pipeline.Blocked: "blocked", pipeline.Rejected: "rejected", pipeline.Failed: "failed",
	pipeline.Pending: "pending", cellNone: "—",
}

// Cell is one (processor, date) of the matrix.
type Cell struct {
	Processor string
	Date      pipeline.Date
	State     string
	Version   int
	Reason    string
}

// Label is the cell's text.
func (c Cell) Label() string { return stateLabel[c.State] }

// ID is the cell's element id.
func (c Cell) ID() string { return "c-" + c.Processor + "-" + c.Date.String() }

// Row is one date of the matrix.
type Row struct {
	Date  pipeline.Date
	Games int
	Cells []Cell
}

// Matrix is processors × dates, one row per date in date order.
type Matrix struct {
	Processors []string
	Rows       []Row
	Counts     []StateCount
}

// StateCount is how many cells are in a state.
type StateCount struct {
	State string
	Label string
	N     int
}

// MatrixInput is what the matrix is built from: the processors (in graph
// order), the calendar's partitions (dates and games) and the engine's
// verdict on every task of those dates (engine.Verdicts): the same
// verdicts status, explain and the API show.
type MatrixInput struct {
	Processors []string
	Calendar   []pipeline.PartitionVersion
	Verdicts   []engine.Verdict
}

// BuildMatrix turns verdicts into display cells, one row per calendar
// date. A task without a verdict (outside the calendar) shows as none.
func BuildMatrix(in MatrixInput) Matrix {
	verdicts := make(map[pipeline.TaskKey]engine.Verdict, len(in.Verdicts))
	for _, v := range in.Verdicts {
		verdicts[pipeline.TaskKey{Processor: v.Processor, Date: v.Date}] = v
	}
	m := Matrix{Processors: in.Processors, Rows: make([]Row, len(in.Calendar))}
	counts := map[string]int{}
	for i, cal := range in.Calendar {
		row := Row{Date: cal.Date, Cells: make([]Cell, len(in.Processors))}
		if cal.Coverage != nil {
			row.Games = len(cal.Coverage.Games)
		}
		for j, p := range in.Processors {
			c := Cell{Processor: p, Date: cal.Date, State: cellNone}
			if v, ok := verdicts[pipeline.TaskKey{Processor: p, Date: cal.Date}]; ok {
				c.State, c.Version, c.Reason = v.State, v.Version, v.Reason
			}
			counts[c.State]++
			row.Cells[j] = c
		}
		m.Rows[i] = row
	}
	for _, s := range stateOrder {
		if counts[s] > 0 {
			m.Counts = append(m.Counts, StateCount{State: s, Label: stateLabel[s], N: counts[s]})
		}
	}
	return m
}

// Timeline is recent task runs drawn as bars, one lane per processor.
type Timeline struct {
	Width, Height float64
	Lanes         []Lane
	Bars          []Bar
	From, To      time.Time
	Ticks         []Tick
}

// Lane is one processor's row.
type Lane struct {
	Processor string
	Y         float64
}

// Bar is one run.
type Bar struct {
	Run          pipeline.TaskRun
	X, Y, W, H   float64
	State, Label string
}

// Tick is a time mark on the axis.
type Tick struct {
	X      float64
	Label  string
	Anchor string // SVG text-anchor: the first and last labels stay inside
}

// Timeline geometry, in SVG user units.
const (
	tlWidth  = 1000.0
	tlLabelW = 210.0
	tlLaneH  = 22.0
	tlAxisH  = 20.0
)

// BuildTimeline lays out runs (oldest first) on lanes in processor order.
// Runs still going end at now.
func BuildTimeline(processors []string, runs []pipeline.TaskRun, now time.Time) Timeline {
	tl := Timeline{Width: tlWidth, Height: tlAxisH + float64(len(processors))*tlLaneH}
	lane := map[string]int{}
	for i, p := range processors {
		lane[p] = i
		tl.Lanes = append(tl.Lanes, Lane{Processor: p, Y: tlAxisH + float64(i)*tlLaneH})
	}
	if len(runs) == 0 {
		return tl
	}
	end := func(r pipeline.TaskRun) time.Time {
		if r.FinishedAt != nil {
			return *r.FinishedAt
		}
		return now
	}
	tl.From, tl.To = runs[0].StartedAt, end(runs[0])
	for _, r := range runs {
		tl.From = minTime(tl.From, r.StartedAt)
		tl.To = maxTime(tl.To, end(r))
	}
	span := max(tl.To.Sub(tl.From), time.Millisecond)
	scale := func(t time.Time) float64 {
		return tlLabelW + (tlWidth-tlLabelW-4)*float64(t.Sub(tl.From))/float64(span)
	}
	for _, r := range runs {
		i, ok := lane[r.Task.Processor]
		if !ok {
			continue
		}
		x0, x1 := scale(r.StartedAt), scale(end(r))
		st := r.State
		if r.FinishedAt == nil {
			st = pipeline.Running
		}
		tl.Bars = append(tl.Bars, Bar{Run: r, X: x0, W: max(x1-x0, 1.5), Y: tlAxisH + float64(i)*tlLaneH + 3, H: tlLaneH - 6,
			State: runClass(st), Label: fmt.Sprintf("%s %s: %s, %s → %s (%s)", r.Task.Processor, r.Task.Date, st,
				r.StartedAt.UTC().Format("15:04:05.000"), end(r).UTC().Format("15:04:05.000"), end(r).Sub(r.StartedAt).Round(time.Millisecond))})
	}
	for i := 0; i <= 4; i++ {
		at := tl.From.Add(span * time.Duration(i) / 4)
		anchor := "middle"
		switch i {
		case 0:
			anchor = "start"
		case 4:
			anchor = "end"
		}
		tl.Ticks = append(tl.Ticks, Tick{X: scale(at), Label: at.UTC().Format("15:04:05.000"), Anchor: anchor})
	}
	return tl
}

// runClass maps a run's outcome to a cell state for its colour.
func runClass(state string) string {
	switch state {
	case pipeline.Published, pipeline.UpToDate:
		return pipeline.Published
	case pipeline.Rejected, pipeline.Failed, pipeline.Running:
		return state
	}
	return pipeline.Waiting // retry, conflict
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
