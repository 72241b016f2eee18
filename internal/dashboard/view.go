package dashboard

import (
	"fmt"
	"strings"
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

// Problem kinds besides the problem states: a partition whose publish
// deadline passed without publication (late), and a past date whose
// partition was never published (missing).
const (
	problemLate    = "late"
	problemMissing = "missing"
)

// stateOrder is the legend's order; it is also the summary's.
var stateOrder = []string{pipeline.Published, cellPartial, pipeline.Stale, pipeline.Waiting, pipeline.Ready,
	pipeline.Running, pipeline.Blocked, pipeline.Rejected, pipeline.Failed, pipeline.Pending, cellNone}

// problemOrder lists the problem kinds, worst first: a partition shows as
// the first that applies to it.
var problemOrder = []string{problemLate, pipeline.Failed, pipeline.Rejected, pipeline.Blocked, pipeline.Stale, cellPartial, problemMissing}

// stateLabel is the text a cell shows, so that no state is told by colour
// alone.
var stateLabel = map[string]string{
	pipeline.Published: "published", cellPartial: "partial", pipeline.Stale: "stale",
	pipeline.Waiting: "waiting", pipeline.Ready: "ready", pipeline.Running: "running",
	pipeline.Blocked: "blocked", pipeline.Rejected: "rejected", pipeline.Failed: "failed",
	pipeline.Pending: "pending", cellNone: "—", problemLate: "late", problemMissing: "missing",
}

// Cell is one (processor, date) of the matrix.
type Cell struct {
	Processor string
	Date      pipeline.Date
	State     string
	Version   int
	Reason    string
	// Late: the publish deadline passed without a publication.
	Late bool
	// Problem is the worst problem kind that applies ("" for none).
	Problem string
}

// Label is the cell's text.
func (c Cell) Label() string { return stateLabel[c.State] }

// ID is the cell's element id.
func (c Cell) ID() string { return "c-" + c.Processor + "-" + c.Date.String() }

// Task is the cell's task as the page's URLs name it (?task=…).
func (c Cell) Task() string { return c.Processor + "/" + c.Date.String() }

// Href is the link to the cell's task.
func (c Cell) Href() string { return href("task", c.Task()) }

// VersionLabel says which version readers see: the current one for a
// settled partition, "vN visible" when the task is anywhere else (a
// rejected attempt, for one, leaves the version before it visible).
func (c Cell) VersionLabel() string {
	switch {
	case c.Version == 0:
		return ""
	case c.State == pipeline.Published || c.State == cellPartial || c.State == pipeline.Stale:
		return fmt.Sprintf("v%d", c.Version)
	}
	return fmt.Sprintf("v%d visible", c.Version)
}

// problem is the worst problem kind of a verdict on a date before today.
func problem(v engine.Verdict, past bool) string {
	switch {
	case v.Late:
		return problemLate
	case v.State == pipeline.Failed || v.State == pipeline.Rejected || v.State == pipeline.Blocked ||
		v.State == pipeline.Stale || v.State == cellPartial:
		return v.State
	case past && v.Version == 0 && v.State != pipeline.Ready && v.State != pipeline.Running:
		return problemMissing
	}
	return ""
}

// Row is one date of the matrix.
type Row struct {
	Date  pipeline.Date
	Games int
	Cells []Cell
	// Problems counts the row's cells with a problem.
	Problems int
}

// Matrix is processors × dates, one row per date, newest first, with
// what the page shows around it: counts by state, the season overview,
// the dates with problems and each processor's health.
type Matrix struct {
	Processors []string
	Rows       []Row
	Counts     []StateCount
	// Late counts the late cells (a late cell also counts in its state).
	Late     int
	Problems []ProblemDate
	Health   map[string]Health
	Overview Overview
}

// StateCount is how many cells are in a state.
type StateCount struct {
	State string
	Label string
	N     int
}

// Health sums up one processor's partitions: its worst problem ("" when
// none) and how many cells have each problem.
type Health struct {
	Worst    string
	Problems []StateCount
	Total    int
}

// Text says it in a few words, for the graph's node.
func (h Health) Text() string {
	if len(h.Problems) == 0 {
		return fmt.Sprintf("%d dates, no problems", h.Total)
	}
	parts := make([]string, 0, len(h.Problems))
	for _, p := range h.Problems {
		parts = append(parts, fmt.Sprintf("%d %s", p.N, p.Label))
	}
	return strings.Join(parts, " · ")
}

// ProblemDate is one date with problems, for the page's problems list.
type ProblemDate struct {
	Date  pipeline.Date
	Games int
	// Kinds groups the date's problem cells by kind, worst first.
	Kinds []ProblemKind
}

// ProblemKind is the cells of one date with the same problem.
type ProblemKind struct {
	Kind  string
	Label string
	Cells []Cell
}

// MatrixInput is what the matrix is built from: the processors (in graph
// order), the calendar's partitions (dates and games), the engine's
// verdict on every task of those dates (engine.Verdicts and Engine.View:
// the same verdicts status, explain and the API show), and today, before
// which an unpublished partition is missing.
type MatrixInput struct {
	Processors []string
	Calendar   []pipeline.PartitionVersion
	Verdicts   []engine.Verdict
	Today      pipeline.Date
}

// BuildMatrix turns verdicts into display cells, one row per calendar
// date, newest first. A task without a verdict (outside the calendar)
// shows as none.
func BuildMatrix(in MatrixInput) Matrix {
	verdicts := make(map[pipeline.TaskKey]engine.Verdict, len(in.Verdicts))
	for _, v := range in.Verdicts {
		verdicts[pipeline.TaskKey{Processor: v.Processor, Date: v.Date}] = v
	}
	n := len(in.Calendar)
	m := Matrix{Processors: in.Processors, Rows: make([]Row, n), Health: make(map[string]Health, len(in.Processors))}
	counts := map[string]int{}
	probs := make([]map[string]int, len(in.Processors))
	for j := range probs {
		probs[j] = map[string]int{}
	}
	for i, cal := range in.Calendar {
		row := Row{Date: cal.Date, Cells: make([]Cell, len(in.Processors))}
		if cal.Coverage != nil {
			row.Games = len(cal.Coverage.Games)
		}
		for j, p := range in.Processors {
			c := Cell{Processor: p, Date: cal.Date, State: cellNone}
			v, ok := verdicts[pipeline.TaskKey{Processor: p, Date: cal.Date}]
			if ok {
				c.State, c.Version, c.Reason, c.Late = v.State, v.Version, v.Reason, v.Late
			} else {
				v.State = cellNone
			}
			c.Problem = problem(v, cal.Date < in.Today)
			counts[c.State]++
			if c.Late {
				m.Late++
			}
			if c.Problem != "" {
				row.Problems++
				probs[j][c.Problem]++
			}
			row.Cells[j] = c
		}
		m.Rows[n-1-i] = row // newest first
	}
	for _, s := range stateOrder {
		if counts[s] > 0 {
			m.Counts = append(m.Counts, StateCount{State: s, Label: stateLabel[s], N: counts[s]})
		}
	}
	for j, p := range in.Processors {
		h := Health{Total: n}
		for _, k := range problemOrder {
			if probs[j][k] > 0 {
				h.Problems = append(h.Problems, StateCount{State: k, Label: stateLabel[k], N: probs[j][k]})
				if h.Worst == "" {
					h.Worst = k
				}
			}
		}
		m.Health[p] = h
	}
	for _, r := range m.Rows {
		if r.Problems > 0 {
			m.Problems = append(m.Problems, problemDate(r))
		}
	}
	m.Overview = buildOverview(in.Processors, m.Rows, m.Health)
	return m
}

// problemDate groups a row's problem cells by kind, worst first.
func problemDate(r Row) ProblemDate {
	pd := ProblemDate{Date: r.Date, Games: r.Games}
	for _, k := range problemOrder {
		var cells []Cell
		for _, c := range r.Cells {
			if c.Problem == k {
				cells = append(cells, c)
			}
		}
		if cells != nil {
			pd.Kinds = append(pd.Kinds, ProblemKind{Kind: k, Label: stateLabel[k], Cells: cells})
		}
	}
	return pd
}

// Overview is the whole season at a glance: one strip per processor, one
// mark per date (oldest left), every problem drawn full height in its
// colour and pattern, a date still on its way as a low bar, and settled
// dates as the strip's background, so that a problem is visible at any
// width without scrolling.
type Overview struct {
	// Dates are the calendar's dates, oldest first: date i spans
	// [i*Step, (i+1)*Step) of the strip's ovWidth units.
	Dates  []pipeline.Date
	Step   float64
	Lanes  []OverviewLane
	Months []Tick
}

// OverviewLane is one processor's strip.
type OverviewLane struct {
	Processor string
	Health    Health
	Marks     []Mark
}

// Mark is one date of a strip that is not simply published.
type Mark struct {
	Cell
	X, Y, W, H float64
	// Class is what the mark shows: its problem, else its state.
	Class string
}

// Overview geometry: a strip is ovWidth × ovLaneH user units, stretched
// to the page's width.
const (
	ovWidth = 1000.0
	ovLaneH = 16.0
)

// buildOverview lays rows (newest first) out oldest left.
func buildOverview(processors []string, rows []Row, health map[string]Health) Overview {
	n := len(rows)
	var ov Overview
	if n == 0 {
		return ov
	}
	ov.Step = ovWidth / float64(n)
	ov.Dates = make([]pipeline.Date, n)
	for i := range rows {
		ov.Dates[i] = rows[n-1-i].Date
	}
	// A month's label, with the year at the first and in January, unless
	// the month before left it no room (the season starts late in October).
	month, last := time.Month(0), -100.0
	for i, d := range ov.Dates {
		t := d.Time()
		if t.Month() == month {
			continue
		}
		month = t.Month()
		x := 100 * float64(i) / float64(n)
		if x-last < 5 {
			continue
		}
		label := t.Format("Jan")
		if last < 0 || month == time.January {
			label = t.Format("Jan 2006")
		}
		ov.Months, last = append(ov.Months, Tick{X: x, Label: label}), x
	}
	w := max(ov.Step, 2.5) // a lone problem stays visible at any width
	for j, p := range processors {
		lane := OverviewLane{Processor: p, Health: health[p]}
		for i := range ov.Dates {
			c := rows[n-1-i].Cells[j]
			class := c.Problem
			if class == "" {
				class = c.State
			}
			if class == pipeline.Published {
				continue // the strip's background
			}
			mk := Mark{Cell: c, X: float64(i) * ov.Step, W: w, H: ovLaneH, Class: class}
			if c.Problem == "" { // waiting, running, …: on its way, drawn low
				mk.Y, mk.H = ovLaneH*0.6, ovLaneH*0.4
			}
			lane.Marks = append(lane.Marks, mk)
		}
		ov.Lanes = append(ov.Lanes, lane)
	}
	return ov
}
