package dashboard

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/release"
)

// The "Processor changes" section: what promoting each processor's
// running version would do, a held version's canary, and the promotion
// (posted to /api/plan/apply by the page). The page itself carries only a
// placeholder; the plan is fetched once the page has loaded (GET
// /ui/plan), and a canary, which computes, only when asked (GET
// /ui/canary/{processor}).

// releaseLabel is how a release state reads.
var releaseLabel = map[string]string{
	pipeline.ReleasePromoted:   "promoted",
	pipeline.ReleaseHeld:       "held",
	pipeline.ReleaseRolledBack: "rolled back",
	release.Current:            "current",
}

// planRow is one processor's line of the section.
type planRow struct {
	P     release.Processor
	Label string
	// Held: a promotion would change something and is awaited (the
	// version is held, or was rolled back, which holds it again).
	Held bool
	// Published reads "v0: 238 partitions", by processor version.
	Published  string
	Dependents []dependent
	First      pipeline.Date
	Last       pipeline.Date
}

type dependent struct {
	Processor string
	Tasks     int
}

type planData struct {
	Rows          []planRow
	TokenRequired bool
}

// planView turns a release report into the section's rows.
func planView(rep release.Report, tokenRequired bool) planData {
	data := planData{TokenRequired: tokenRequired}
	for _, p := range rep.Processors {
		r := planRow{P: p, Label: releaseLabel[p.State], Held: p.Changed() && (p.State == pipeline.ReleaseHeld || p.State == pipeline.ReleaseRolledBack)}
		if r.Label == "" {
			r.Label = p.State
		}
		var pub []string
		for _, v := range slices.Sorted(maps.Keys(p.Published)) {
			pub = append(pub, fmt.Sprintf("v%s: %d", v, p.Published[v]))
		}
		r.Published = strings.Join(pub, ", ")
		for _, name := range slices.Sorted(maps.Keys(p.Dependents)) {
			r.Dependents = append(r.Dependents, dependent{name, p.Dependents[name]})
		}
		if len(p.Affected) > 0 {
			r.First, r.Last = slices.Min(p.Affected), slices.Max(p.Affected)
		}
		data.Rows = append(data.Rows, r)
	}
	return data
}

// plan serves the section's report.
func (d *Dashboard) plan(w http.ResponseWriter, r *http.Request) {
	rep, err := d.cfg.Planner.Plan(r.Context())
	if err != nil {
		d.fail(w, err)
		return
	}
	d.render(w, "plan", planView(rep, d.cfg.TokenRequired))
}

// canaryData is a canary as the section shows it.
type canaryData struct {
	*release.Canary
	TokenRequired bool
}

// canary computes a processor's running version for ?dates= (default: the
// newest dates with rows and a few seeded ones) and shows the diff.
func (d *Dashboard) canary(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("processor")
	if d.cfg.Graph.Processor(name) == nil {
		w.WriteHeader(http.StatusNotFound)
		d.render(w, "notfound", fmt.Sprintf("no processor %s", name))
		return
	}
	dates, err := release.ParseDates(r.URL.Query().Get("dates"))
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		d.render(w, "notfound", "dates: "+err.Error())
		return
	}
	if dates == nil {
		seed, _ := strconv.ParseUint(r.URL.Query().Get("seed"), 10, 64)
		if dates, err = d.cfg.Planner.Sample(r.Context(), name, release.SampleNewest, release.SampleExtra, max(seed, 1)); err != nil {
			d.fail(w, err)
			return
		}
	}
	if len(dates) == 0 {
		d.render(w, "notfound", name+" has published no rows: there is nothing to compare a canary with")
		return
	}
	c, err := d.cfg.Planner.Canary(r.Context(), name, dates)
	if err != nil {
		d.fail(w, err)
		return
	}
	d.render(w, "canary", canaryData{Canary: c, TokenRequired: d.cfg.TokenRequired})
}

// Verdict is the canary's reason as a sentence.
func (c canaryData) Verdict() string {
	s := strings.TrimSuffix(c.Reason, ".")
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:] + "."
}

// checksText reads failed checks by severity: "clean", "1 critical,
// 2 warning".
func checksText(by map[pipeline.Severity]int) string {
	var parts []string
	for _, sev := range []pipeline.Severity{pipeline.Critical, pipeline.Warning} {
		if by[sev] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", by[sev], sev))
		}
	}
	if len(parts) == 0 {
		return "clean"
	}
	return strings.Join(parts, ", ")
}

// seconds reads an estimate: "12.5 s", "4 min", "1.2 h".
func seconds(s float64) string {
	d := time.Duration(s * float64(time.Second))
	switch {
	case d < 100*time.Second:
		return strconv.FormatFloat(s, 'f', -1, 64) + " s"
	case d < 100*time.Minute:
		return strconv.FormatFloat(d.Minutes(), 'f', 0, 64) + " min"
	}
	return strconv.FormatFloat(d.Hours(), 'f', 1, 64) + " h"
}
