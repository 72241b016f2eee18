package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// activityData is the lower part of the page: the timeline of runs in a
// window, recent quality events and circuits.
type activityData struct {
	Timeline Timeline
	Events   []pipeline.QualityEvent
	Circuits []pipeline.Circuit
}

// Timeline windows: the page zooms to the last Span of activity (ending
// at the newest run, or at End when the reader moved the window).
var zooms = []struct {
	Key  string
	Span time.Duration
}{{"10s", 10 * time.Second}, {"1m", time.Minute}, {"10m", 10 * time.Minute}, {"1h", time.Hour}, {"24h", 24 * time.Hour}}

// maxTimelineRuns bounds the runs one window draws.
const maxTimelineRuns = 2000

// activityPart serves the activity section for the window in the URL.
func (d *Dashboard) activityPart(w http.ResponseWriter, r *http.Request) {
	act, err := d.activity(r.Context(), r.URL.Query())
	if err != nil {
		d.fail(w, err)
		return
	}
	d.render(w, "activity", act)
}

// activity loads the runs of the window q names (?tl=ZOOM&tlend=UNIXMS;
// by default the day before the newest run), the newest quality events
// and the open circuits.
func (d *Dashboard) activity(ctx context.Context, q url.Values) (activityData, error) {
	now := d.cfg.Now()
	// By default the timeline fits the newest runs of the last day.
	w := window{Span: 24 * time.Hour}
	for _, z := range zooms {
		if z.Key == q.Get("tl") {
			w.Zoom, w.Span = z.Key, z.Span
		}
	}
	if ms, err := strconv.ParseInt(q.Get("tlend"), 10, 64); err == nil && ms > 0 {
		w.End, w.Pinned = time.UnixMilli(ms), true
	} else {
		newest, err := d.cfg.Store.Runs(ctx, pipeline.RunFilter{Limit: 1})
		if err != nil {
			return activityData{}, err
		}
		w.End = now
		if len(newest) == 1 && newest[0].FinishedAt != nil {
			w.End = *newest[0].FinishedAt
		}
	}
	runs, err := d.cfg.Store.Runs(ctx, pipeline.RunFilter{Since: w.End.Add(-w.Span), Limit: maxTimelineRuns})
	if err != nil {
		return activityData{}, err
	}
	events, err := d.cfg.Store.Events(ctx, time.Time{}, 25)
	if err != nil {
		return activityData{}, err
	}
	all, err := d.cfg.Store.Circuits(ctx)
	if err != nil {
		return activityData{}, err
	}
	var open []pipeline.Circuit
	for _, c := range all {
		if !c.OpenedAt.IsZero() {
			open = append(open, c)
		}
	}
	from, to := w.End.Add(-w.Span), w.End
	if w.Zoom == "" {
		from, to = time.Time{}, time.Time{}
	}
	tl := BuildTimeline(d.cfg.Graph.Order(), runs, now, from, to)
	tl.Window = w
	return activityData{Timeline: tl, Events: events, Circuits: open}, nil
}

// window is the stretch of time the timeline shows.
type window struct {
	Zoom   string // "": fitted to the runs
	Span   time.Duration
	End    time.Time
	Pinned bool // End was chosen by the reader, not the newest run
}

// Zooms lists the zoom levels for the page.
func (window) Zooms() []string {
	out := make([]string, len(zooms))
	for i, z := range zooms {
		out[i] = z.Key
	}
	return out
}

// Earlier and Later are the window moved by half its span, in Unix
// milliseconds (?tlend=).
func (w window) Earlier() int64 { return w.End.Add(-w.Span / 2).UnixMilli() }
func (w window) Later() int64   { return w.End.Add(w.Span / 2).UnixMilli() }

// Timeline is task runs drawn as bars, one lane per processor.
type Timeline struct {
	Width, Height float64
	Lanes         []Lane
	Bars          []Bar
	From, To      time.Time
	Ticks         []Tick
	Window        window
	// Runs counts the runs drawn.
	Runs int
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

// Href is the run's link: its task's panel with the run selected.
func (b Bar) Href() string {
	return href("task", b.Run.Task.Processor+"/"+b.Run.Task.Date.String(), "run", b.Run.ID)
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
	tlLaneH  = 26.0
	tlAxisH  = 20.0
	tlMinW   = 3.0 // a run of a millisecond stays big enough to click
)

// BuildTimeline lays out runs (oldest first) on lanes in processor order,
// over from..to (zero: fitted to the runs). Runs still going end at now.
func BuildTimeline(processors []string, runs []pipeline.TaskRun, now, from, to time.Time) Timeline {
	tl := Timeline{Width: tlWidth, Height: tlAxisH + float64(len(processors))*tlLaneH}
	lane := map[string]int{}
	for i, p := range processors {
		lane[p] = i
		tl.Lanes = append(tl.Lanes, Lane{Processor: p, Y: tlAxisH + float64(i)*tlLaneH})
	}
	end := func(r pipeline.TaskRun) time.Time {
		if r.FinishedAt != nil {
			return *r.FinishedAt
		}
		return now
	}
	tl.From, tl.To = from, to
	if from.IsZero() || !to.After(from) {
		if len(runs) == 0 {
			return tl
		}
		tl.From, tl.To = runs[0].StartedAt, end(runs[0])
		for _, r := range runs {
			tl.From = minTime(tl.From, r.StartedAt)
			tl.To = maxTime(tl.To, end(r))
		}
	}
	span := max(tl.To.Sub(tl.From), time.Millisecond)
	scale := func(t time.Time) float64 {
		return tlLabelW + (tlWidth-tlLabelW-4)*float64(t.Sub(tl.From))/float64(span)
	}
	for _, r := range runs {
		i, ok := lane[r.Task.Processor]
		if !ok || end(r).Before(tl.From) || r.StartedAt.After(tl.To) {
			continue
		}
		x0, x1 := scale(maxTime(r.StartedAt, tl.From)), scale(minTime(end(r), tl.To))
		st := r.State
		if r.FinishedAt == nil {
			st = pipeline.Running
		}
		tl.Bars = append(tl.Bars, Bar{Run: r, X: x0, W: max(x1-x0, tlMinW), Y: tlAxisH + float64(i)*tlLaneH + 3, H: tlLaneH - 6,
			State: runClass(st), Label: fmt.Sprintf("%s %s: %s, %s → %s (%s)", r.Task.Processor, r.Task.Date, st,
				r.StartedAt.UTC().Format("15:04:05.000"), end(r).UTC().Format("15:04:05.000"), end(r).Sub(r.StartedAt).Round(time.Millisecond))})
	}
	tl.Runs = len(tl.Bars)
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
