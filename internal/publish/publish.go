// Package publish is the only way analytics tables are written: read the
// task's declared inputs, compute, stage the rows, run the table's quality
// checks over them and the exact inputs read, then publish atomically with
// lineage, or discard when a critical check fails.
package publish

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// Task outcomes of one execution.
const (
	Published = "published"
	UpToDate  = "up_to_date"
	Rejected  = "rejected"
)

// Executor runs (processor, date) tasks against a store.
type Executor struct {
	Store         pipeline.Store
	Catalog       *pipeline.Catalog
	BuildRevision string
	// Cache, when set, keeps recently read and published partitions.
	Cache *Cache
	// Now stamps releases (default time.Now).
	Now func() time.Time
}

// Options carry the gate's decisions into one execution.
type Options struct {
	// Force recomputes even when inputs and processor are unchanged.
	Force bool
	// Missing are games left out because an input lacks them past the
	// completeness deadline: their rows are hidden from per-game inputs and
	// the publication is marked partial.
	Missing []string
	// Fallback are games whose team totals may come from the fallback source.
	Fallback []string
	// Planned are the input versions the planner decided on (nil: list the
	// current ones).
	Planned []pipeline.InputVersion
	// Base is the output's version the task was planned against (nil:
	// the current version when the execution starts). The publication
	// commits only if the output is still at it (pipeline.Guard).
	Base *int
	// Release, when set, ends the task's run in the publication's own
	// transaction (see pipeline.Publication.Release); the executor fills in
	// the published state, the fingerprint and the time.
	Release *pipeline.TaskRelease
}

// Result is what one execution did.
type Result struct {
	// Released is true when the publication recorded the task's release
	// in its own transaction (Options.Release): published, or up_to_date
	// after a re-stamp.
	Processor string                    `json:"processor"`
	Date      pipeline.Date             `json:"game_date"`
	State     string                    `json:"state"`
	Rows      int                       `json:"rows"`
	Version   pipeline.PartitionVersion `json:"version"`
	// Outcomes are the failed checks: critical ones made it Rejected,
	// warnings were published alongside.
	Outcomes []pipeline.Outcome `json:"outcomes,omitempty"`
	Released bool               `json:"-"`
}

func (x *Executor) now() time.Time {
	if x.Now != nil {
		return x.Now()
	}
	return time.Now()
}

// Execute runs one task: up_to_date when the current version was computed by
// this processor version from exactly the input versions now visible;
// otherwise compute, check and publish or reject. The publication is
// guarded: if the output or any declared input window changed since the
// task was planned (or, without a plan, since the execution began), it
// fails with ErrConflict and nothing is written. A recomputation that
// gives the current version's content and partial flag creates no
// version (up_to_date; see pipeline.PublishResult.Restamped).
func (x *Executor) Execute(ctx context.Context, p pipeline.Processor, d pipeline.Date, opt Options) (Result, error) {
	res := Result{Processor: p.Name(), Date: d}
	// Without a plan, the task is planned now, against the current version.
	var cur pipeline.PartitionVersion
	if opt.Base == nil {
		var err error
		if cur, err = x.Store.CurrentVersion(ctx, p.Name(), d); err != nil && !errors.Is(err, pipeline.ErrNotFound) {
			return res, err
		}
		opt.Base = &cur.Version
	}
	in, err := ReadInputs(ctx, x.Store, x.Catalog, x.Cache, p, d, opt.Planned)
	if err != nil {
		return res, err
	}
	in.hide(opt.Missing)
	fp := pipeline.Fingerprint(p.Version(), in.Versions(), opt.Missing, opt.Fallback)
	if !opt.Force && cur.Version > 0 && cur.Fingerprint == fp {
		res.State, res.Version, res.Rows = UpToDate, cur, cur.RowCount
		return res, nil
	}
	fallback := make(map[string]bool, len(opt.Fallback))
	for _, g := range opt.Fallback {
		fallback[g] = true
	}
	c := pipeline.Compute{Date: d, Inputs: in, FallbackGames: fallback}
	rows, err := compute(p, c)
	if err != nil {
		return res, fmt.Errorf("%s %s: compute: %w", p.Name(), d, err)
	}
	res.Rows = len(rows)
	res.Outcomes = pipeline.RunChecks(append(guardChecks(p.Output()), p.Checks()...), c, rows)
	if len(opt.Missing) > 0 {
		res.Outcomes = append(res.Outcomes, incompleteInput(opt.Missing))
	}
	var runID int64
	if opt.Release != nil {
		runID = opt.Release.RunID
	}
	events := make([]pipeline.QualityEvent, len(res.Outcomes))
	for i, o := range res.Outcomes {
		events[i] = pipeline.QualityEvent{Table: p.Output().Name, Date: d, Check: o.Check, Severity: o.Severity,
			Subject: o.Subject, Observed: o.Observed, Expected: o.Expected, Processor: p.Name(), RunID: runID}
		if o.Severity == pipeline.Critical {
			res.State = Rejected
		}
	}
	if res.State == Rejected {
		// Nothing is published; the failures are recorded so they can be
		// explained and alerted on.
		return res, x.Store.RecordEvents(ctx, events)
	}
	pub := pipeline.Publication{
		Table: p.Output(), Date: d, Rows: rows, Source: pipeline.SourceCompute, Partial: len(opt.Missing) > 0,
		ProcessorVersion: p.Version(), BuildRevision: x.BuildRevision, Inputs: in.Versions(), Fingerprint: fp,
		Events: events, Force: opt.Force, Guard: pipeline.NewGuard(*opt.Base, p.Inputs(), d),
	}
	if opt.Release != nil {
		rel := *opt.Release
		rel.Record.State, rel.Record.Fingerprint, rel.RunState = pipeline.Published, fp, pipeline.Published
		if rel.At.IsZero() {
			rel.At = x.now()
		}
		pub.Release = &rel
	}
	out, err := x.Store.Publish(ctx, []pipeline.Publication{pub})
	if err != nil {
		return res, err
	}
	res.State, res.Version = Published, out[0].PartitionVersion
	if !out[0].Created {
		// Up to date after all: someone published this computation, or it
		// gave the current content. A re-stamp released the run.
		res.State, res.Released, res.Rows = UpToDate, out[0].Restamped && opt.Release != nil, out[0].RowCount
		return res, nil
	}
	res.Released = opt.Release != nil
	x.Cache.put(partKey{p.Name(), d}, res.Version.Version, rows)
	return res, nil
}

// compute runs the processor, turning a panic into an error: a processor
// bug fails its task (and is retried like any error), never the process.
func compute(p pipeline.Processor, c pipeline.Compute) (rows []pipeline.Row, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return p.Compute(c)
}

// incompleteInput is the warning a partial publication carries (SPEC §6):
// it names the games the partition was published without.
func incompleteInput(missing []string) pipeline.Outcome {
	return pipeline.Outcome{Check: "incomplete_input", Severity: pipeline.Warning, Failure: pipeline.Failure{
		Subject:  strings.Join(missing, ", "),
		Observed: fmt.Sprintf("%d missing", len(missing)),
		Expected: "every scheduled game final with both teams' rows",
	}}
}

// Staged is a computation nobody sees: a canary's rows and what the checks
// say of them, and of the rows published now on the same inputs.
type Staged struct {
	Rows     []pipeline.Row
	Outcomes []pipeline.Outcome
	// Published are the partition's current rows and Before what the
	// same checks say of them.
	Published []pipeline.Row
	Before    []pipeline.Outcome
	Version   pipeline.PartitionVersion
}

// Stage computes p for d from the current inputs (with the gate's missing
// and fallback games) and runs its checks, writing nothing: what a
// promotion of p's version would publish for d, beside what is published.
func (x *Executor) Stage(ctx context.Context, p pipeline.Processor, d pipeline.Date, missing, fallback []string) (Staged, error) {
	in, err := ReadInputs(ctx, x.Store, x.Catalog, x.Cache, p, d, nil)
	if err != nil {
		return Staged{}, err
	}
	in.hide(missing)
	fb := make(map[string]bool, len(fallback))
	for _, g := range fallback {
		fb[g] = true
	}
	c := pipeline.Compute{Date: d, Inputs: in, FallbackGames: fb}
	rows, err := compute(p, c)
	if err != nil {
		return Staged{}, fmt.Errorf("%s %s: compute: %w", p.Name(), d, err)
	}
	checks := append(guardChecks(p.Output()), p.Checks()...)
	st := Staged{Rows: rows, Outcomes: pipeline.RunChecks(checks, c, rows)}
	st.Published, st.Version, err = x.Store.ReadPartition(ctx, p.Output(), d)
	switch {
	case errors.Is(err, pipeline.ErrNotFound):
		return st, nil
	case err != nil:
		return Staged{}, err
	}
	st.Before = pipeline.RunChecks(checks, c, st.Published)
	return st, nil
}
