package pipeline

import (
	"fmt"
	"slices"
	"strings"
)

// InputWindow is the dates of one input table a computation declared,
// inclusive.
type InputWindow struct {
	Table    string
	From, To Date
}

// Guard is what must still hold when a computed publication commits (SPEC
// §6, write-audit-publish): the output is still at the version the task
// was planned against, and every declared input window holds exactly the
// partition versions the computation read — none replaced since, and none
// published where the computation found nothing. Otherwise the
// publication is a conflict and the task is planned again, so a plan made
// on an outdated snapshot can never publish over newer work.
type Guard struct {
	// Base is the output's current version when the task was planned
	// (0: never published).
	Base int
	// Windows are the declared input windows, merged per table.
	Windows []InputWindow
}

// NewGuard builds the guard of a task for date d of a processor with the
// given declared inputs, planned against the output's version base.
func NewGuard(base int, inputs []Input, d Date) *Guard {
	g := &Guard{Base: base}
	for _, in := range inputs {
		g.Windows = append(g.Windows, InputWindow{Table: in.Table, From: d.AddDays(in.Window.From), To: d.AddDays(in.Window.To)})
	}
	g.Windows = mergeWindows(g.Windows)
	return g
}

// mergeWindows sorts windows by table and date and joins those of one
// table that overlap or touch, so that each is one range query.
func mergeWindows(ws []InputWindow) []InputWindow {
	slices.SortFunc(ws, func(a, b InputWindow) int {
		if c := strings.Compare(a.Table, b.Table); c != 0 {
			return c
		}
		return int(a.From - b.From)
	})
	var out []InputWindow
	for _, w := range ws {
		if n := len(out); n > 0 && out[n-1].Table == w.Table && w.From <= out[n-1].To+1 {
			out[n-1].To = max(out[n-1].To, w.To)
			continue
		}
		out = append(out, w)
	}
	return out
}

// CheckBase compares the output's current version with the planned one.
func (g *Guard) CheckBase(table string, d Date, current int) error {
	if current != g.Base {
		return fmt.Errorf("%w: output %s %s is version %d, the task was planned against version %d", ErrConflict, table, d, current, g.Base)
	}
	return nil
}

// CheckWindow compares the current versions of one window (date → version,
// as the store reads them) with the versions the computation read: every
// read partition must still be at its version, and no other partition may
// have appeared in the window.
func CheckWindow(w InputWindow, read []InputVersion, current map[Date]int) error {
	seen := 0
	for _, in := range read {
		if in.Table != w.Table || in.Date < w.From || in.Date > w.To {
			continue
		}
		seen++
		if v := current[in.Date]; v != in.Version {
			return fmt.Errorf("%w: input %s %s was version %d when read and is %d now", ErrConflict, in.Table, in.Date, in.Version, v)
		}
	}
	if len(current) == seen {
		return nil
	}
	for d, v := range current {
		if !slices.ContainsFunc(read, func(in InputVersion) bool { return in.Table == w.Table && in.Date == d }) {
			return fmt.Errorf("%w: input %s %s was not published when read and is version %d now", ErrConflict, w.Table, d, v)
		}
	}
	return nil
}

// InputWindows are the ranges a publication's commit-time check reads: the
// guard's windows, or, without a guard, the span of the inputs read per
// table (whose versions must still be current; other dates are ignored).
func (p Publication) InputWindows() []InputWindow {
	if p.Guard != nil {
		return p.Guard.Windows
	}
	var ws []InputWindow
	for _, s := range InputSpans(p.Inputs) {
		ws = append(ws, InputWindow{Table: s.Table, From: s.From, To: s.To})
	}
	return ws
}

// CheckInputs is the commit-time check of one window's current versions:
// exact with a guard, the inputs read otherwise.
func (p Publication) CheckInputs(w InputWindow, current map[Date]int) error {
	if p.Guard != nil {
		return CheckWindow(w, p.Inputs, current)
	}
	for _, in := range p.Inputs {
		if in.Table == w.Table && in.Date >= w.From && in.Date <= w.To && current[in.Date] != in.Version {
			return fmt.Errorf("%w: input %s %s was version %d when read and is %d now", ErrConflict, in.Table, in.Date, in.Version, current[in.Date])
		}
	}
	return nil
}

// Restamps reports whether a guarded computation whose content and partial
// flag equal the current version's re-stamps it instead of creating a new
// version (see PublishResult.Restamped).
func (p Prepared) Restamps(cur PartitionVersion) bool {
	return p.Guard != nil && p.Source == SourceCompute && cur.Version > 0 &&
		cur.ContentHash == p.Hash && cur.Partial == p.Partial
}

// ReleaseFor is the release a publication carries, completed for the
// version it produced: published, or up_to_date when it re-stamped the
// current version.
func (p Prepared) ReleaseFor(version int, restamped bool) (TaskRelease, bool) {
	if p.Release == nil {
		return TaskRelease{}, false
	}
	rel := *p.Release
	rel.RunVersion = version
	if restamped {
		rel.Record.State, rel.RunState = UpToDate, UpToDate
	}
	return rel, true
}

// Restamp is cur as re-stamped by p.
func (p Prepared) Restamp(cur PartitionVersion) PartitionVersion {
	cur.Fingerprint, cur.ProcessorVersion, cur.BuildRevision, cur.Inputs = p.Fingerprint, p.ProcessorVersion, p.BuildRevision, p.Inputs
	return cur
}

// AnalyticsWindows are the guard's windows over analytics tables: the
// inputs whose own inputs the commit-time check follows, transitively, to
// make sure none of them is stale (see StaleInput).
func (g *Guard) AnalyticsWindows(cat *Catalog) []InputWindow {
	var out []InputWindow
	for _, w := range g.Windows {
		if t := cat.Table(w.Table); t != nil && t.Kind == Analytics {
			out = append(out, w)
		}
	}
	return out
}

// StaleInput is the conflict of a publication that read an analytics
// partition computed from an input version replaced since: reading it
// would publish from stale data (the planner waits for its recomputation).
func StaleInput(table string, d Date, read, current int) error {
	return fmt.Errorf("%w: an analytics input is stale: it was computed from %s %s version %d, which is version %d now",
		ErrConflict, table, d, read, current)
}

// MayReplace reports whether the publication may replace a current
// version (everything but a computation planned as a partition's first):
// on PostgreSQL such publications hold the replacement lock exclusively,
// the others shared, so that no version is replaced while a computation
// checks that its inputs are not stale.
func (p Publication) MayReplace() bool { return p.Guard == nil || p.Guard.Base > 0 }
