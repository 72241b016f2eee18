package publish

import (
	"context"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/pipeline"
)

// Task states the date runner reports besides Execute's outcomes.
const (
	Waiting = "waiting"
	Blocked = "blocked"
)

// DateResult is one task's outcome in RunDate.
type DateResult struct {
	Result
	// Reason says what a waiting or blocked task waits for.
	Reason string `json:"reason,omitempty"`
}

// RunDate runs the named processors (and everything upstream of them) for
// one date, in dependency order, in this process. A task whose required
// same-date input is not published waits; a task downstream of a rejected
// or blocked one is blocked. It is the simple runner the engine replaces.
func (x *Executor) RunDate(ctx context.Context, g *dag.Graph, names []string, d pipeline.Date, opt Options) ([]DateResult, error) {
	var out []DateResult
	unusable := map[string]string{} // output table -> the state of its task in this run
	for _, name := range g.Upstream(names...) {
		p := g.Processor(name)
		r := DateResult{Result: Result{Processor: name, Date: d}}
		state, reason, err := x.gate(ctx, p, d, unusable)
		if err != nil {
			return out, err
		}
		if state == "" {
			if r.Result, err = x.Execute(ctx, p, d, opt); err != nil {
				return out, err
			}
			state = r.State
		}
		r.State, r.Reason = state, reason
		if state != Published && state != UpToDate {
			unusable[name] = state
		}
		out = append(out, r)
	}
	return out, nil
}

// gate returns Waiting or Blocked with the reason when p cannot run for d,
// or "" when every required same-date input is published and usable.
func (x *Executor) gate(ctx context.Context, p pipeline.Processor, d pipeline.Date, unusable map[string]string) (state, reason string, err error) {
	for _, in := range p.Inputs() {
		if !in.Required || in.Window != pipeline.Same {
			continue
		}
		up := unusable[in.Table]
		if up != "" && up != Waiting {
			return Blocked, in.Table + " " + up, nil
		}
		_, err := x.Store.CurrentVersion(ctx, in.Table, d)
		if err == nil {
			if up == Waiting {
				return Waiting, in.Table + " is waiting for its own inputs", nil
			}
			continue
		}
		if !pipeline.IsNotFound(err) {
			return "", "", err
		}
		if x.noGames(ctx, in.Table, d) {
			continue
		}
		return Waiting, in.Table + " not published", nil
	}
	return "", "", nil
}

// noGames reports whether raw table is complete and empty for d because the
// calendar lists no games on d.
func (x *Executor) noGames(ctx context.Context, table string, d pipeline.Date) bool {
	t := x.Catalog.Table(table)
	if x.Calendar == "" || t == nil || t.Kind != pipeline.Raw || table == x.Calendar {
		return false
	}
	v, err := x.Store.CurrentVersion(ctx, x.Calendar, d)
	return err == nil && v.RowCount == 0
}
