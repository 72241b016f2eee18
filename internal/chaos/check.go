package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"time"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/httpapi"
	"github.com/statgate/statgate/internal/ingest"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
	"github.com/statgate/statgate/internal/sqlite"
)

// maxPerInvariant bounds how many violations of one invariant a scenario
// reports: the first ones say what went wrong.
const maxPerInvariant = 5

type violations struct {
	list  []Violation
	count map[int]int
}

func (v *violations) add(inv int, format string, args ...any) {
	if v.count == nil {
		v.count = map[int]int{}
	}
	v.count[inv]++
	if v.count[inv] <= maxPerInvariant {
		v.list = append(v.list, Violation{Invariant: inv, What: fmt.Sprintf(format, args...)})
	}
}

// check tests every invariant on the scenario's database, at quiescence.
func (r *runner) check(ctx context.Context, settled bool) ([]Violation, error) {
	var v violations
	ref, err := Reference(ctx, r.opts.Dir, r.sc.Final, r.sc.From, r.sc.To, r.clock.Peek().Add(30*24*time.Hour))
	if err != nil {
		return nil, err
	}
	if err := compareContent(ctx, r.checker, ref, &v); err != nil {
		return nil, err
	}
	if err := checkHistory(ctx, r.checker, r.sc.From, r.sc.To, &v); err != nil {
		return nil, err
	}
	if err := r.checkSettled(ctx, settled, &v); err != nil {
		return nil, err
	}
	if err := r.checkAgreement(ctx, &v); err != nil {
		return nil, err
	}
	// (8) With valid data nothing is ever rejected, failed or blocked.
	r.watch.mu.Lock()
	for _, bad := range r.watch.bad {
		v.add(8, "%s", bad)
	}
	r.watch.mu.Unlock()
	return v.list, nil
}

// Audit checks the invariants that a database's history shows by itself,
// after its engines have stopped: (1) against ref, the content of a
// fault-free run (Reference); (2), (3) and (4) over every analytics
// partition dated from..to; and of (5), that no task is left recorded
// running and no run left open. The process tests use it on databases
// real statgate processes, killed and restarted, wrote.
func Audit(ctx context.Context, s pipeline.Store, ref map[pipeline.PartKey]pipeline.PartitionVersion, from, to pipeline.Date) ([]Violation, error) {
	var v violations
	if err := compareContent(ctx, s, ref, &v); err != nil {
		return nil, err
	}
	if err := checkHistory(ctx, s, from, to, &v); err != nil {
		return nil, err
	}
	if err := checkLeftovers(ctx, s, from, to, &v); err != nil {
		return nil, err
	}
	return v.list, nil
}

// compareContent is invariant (1): content and partial flag equal the
// fault-free run's.
func compareContent(ctx context.Context, s pipeline.Store, ref map[pipeline.PartKey]pipeline.PartitionVersion, v *violations) error {
	got, err := analytics(ctx, s)
	if err != nil {
		return err
	}
	for _, k := range sortedKeys(ref) {
		if g, ok := got[k]; !ok {
			v.add(1, "%s %s: never published; the fault-free run has %d rows", k.Table, k.Date, ref[k].RowCount)
		} else if g.ContentHash != ref[k].ContentHash || g.Partial != ref[k].Partial {
			v.add(1, "%s %s: version %d has %d rows (hash %.8s, partial %t); the fault-free run has %d rows (hash %.8s, partial %t)",
				k.Table, k.Date, g.Version, g.RowCount, g.ContentHash, g.Partial, ref[k].RowCount, ref[k].ContentHash, ref[k].Partial)
		}
	}
	for _, k := range sortedKeys(got) {
		if _, ok := ref[k]; !ok {
			v.add(1, "%s %s: published (%d rows); the fault-free run publishes nothing there", k.Table, k.Date, got[k].RowCount)
		}
	}
	return nil
}

func sortedKeys[V any](m map[pipeline.PartKey]V) []pipeline.PartKey {
	keys := make([]pipeline.PartKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b pipeline.PartKey) int {
		if a.Table != b.Table {
			if a.Table < b.Table {
				return -1
			}
			return 1
		}
		return int(a.Date - b.Date)
	})
	return keys
}

// analytics lists the current version of every analytics partition.
func analytics(ctx context.Context, s pipeline.Store) (map[pipeline.PartKey]pipeline.PartitionVersion, error) {
	out := map[pipeline.PartKey]pipeline.PartitionVersion{}
	for _, p := range nba.Processors() {
		vs, err := s.Partitions(ctx, pipeline.PartitionFilter{Table: p.Name()})
		if err != nil {
			return nil, err
		}
		for _, pv := range vs {
			out[pipeline.PartKey{Table: pv.Table, Date: pv.Date}] = pv
		}
	}
	return out, nil
}

// Reference runs final (every raw partition's last content), loaded at
// once, through one fault-free engine on a fresh SQLite database in dir,
// with the clock at now, past every deadline: what a run that saw the
// same data in any order, with any faults, must converge to. It returns
// the current version of every analytics partition.
func Reference(ctx context.Context, dir string, final map[pipeline.PartKey][]pipeline.Row, from, to pipeline.Date, now time.Time) (map[pipeline.PartKey]pipeline.PartitionVersion, error) {
	f, err := os.CreateTemp(dir, "reference-*.db")
	if err != nil {
		return nil, err
	}
	path := f.Name()
	f.Close()
	defer func() {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(path + suffix)
		}
	}()
	loaded := from.Time()
	s, err := sqlite.Open(ctx, sqlite.Config{Path: path, Catalog: nba.Catalog, Now: func() time.Time { return loaded }})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	for _, k := range sortedKeys(final) {
		if _, err := ingest.LoadDates(ctx, s, nba.Catalog.Table(k.Table), []pipeline.Date{k.Date}, final[k]); err != nil {
			return nil, fmt.Errorf("reference load: %w", err)
		}
	}
	g, err := dag.Build(nba.Catalog, nba.Processors())
	if err != nil {
		return nil, err
	}
	e, err := engine.New(engine.Config{Store: s, Catalog: nba.Catalog, Graph: g, Policy: policy, Owner: "reference",
		Executor: &publish.Executor{Store: s, Catalog: nba.Catalog, BuildRevision: "chaos"},
		Now:      func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	rep, err := e.Run(ctx, engine.Scope{From: from, To: to})
	if err != nil {
		return nil, fmt.Errorf("reference run: %w", err)
	}
	for _, d := range rep.Final {
		if d.State != pipeline.Published && d.State != pipeline.UpToDate {
			return nil, fmt.Errorf("reference run: %s %s ended %s: %s", d.Task.Processor, d.Task.Date, d.State, d.Reason)
		}
	}
	return analytics(ctx, s)
}

// checkHistory tests every analytics partition's versions: (2) each
// version read inputs at least as new as its predecessor's, none fewer;
// (3) no input fingerprint was published twice; (4) no version read an
// analytics input that was stale when it was published (an input of that
// input had a newer version recorded before it).
func checkHistory(ctx context.Context, s pipeline.Store, from, to pipeline.Date, v *violations) error {
	hist := map[pipeline.PartKey][]pipeline.PartitionVersion{}
	versionsOf := func(k pipeline.PartKey) ([]pipeline.PartitionVersion, error) {
		if h, ok := hist[k]; ok {
			return h, nil
		}
		h, err := s.History(ctx, k.Table, k.Date)
		hist[k] = h
		return h, err
	}
	for _, p := range nba.Processors() {
		for d := from; d <= to; d++ {
			k := pipeline.PartKey{Table: p.Name(), Date: d}
			h, err := versionsOf(k)
			if err != nil {
				return err
			}
			fingerprints := map[string]int{}
			var prev *pipeline.PartitionVersion
			for i := range h {
				cur := &h[i]
				if cur.Source == pipeline.SourceRollback {
					prev = nil
					continue
				}
				if first, dup := fingerprints[cur.Fingerprint]; dup {
					v.add(3, "%s %s: versions %d and %d were computed from the same inputs (fingerprint %.8s)", k.Table, d, first, cur.Version, cur.Fingerprint)
				}
				fingerprints[cur.Fingerprint] = cur.Version
				if prev != nil {
					if what := regression(prev.Inputs, cur.Inputs); what != "" {
						v.add(2, "%s %s: version %d read %s than version %d", k.Table, d, cur.Version, what, prev.Version)
					}
				}
				prev = cur
				if err := checkStaleRead(k, *cur, versionsOf, v); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// regression says how next's inputs fall behind prev's ("" when they do not).
func regression(prev, next []pipeline.InputVersion) string {
	now := map[pipeline.PartKey]int{}
	for _, in := range next {
		now[pipeline.PartKey{Table: in.Table, Date: in.Date}] = in.Version
	}
	for _, in := range prev {
		got, ok := now[pipeline.PartKey{Table: in.Table, Date: in.Date}]
		switch {
		case !ok:
			return fmt.Sprintf("no %s %s (its predecessor read version %d)", in.Table, in.Date, in.Version)
		case got < in.Version:
			return fmt.Sprintf("%s %s version %d, older", in.Table, in.Date, got)
		}
	}
	return ""
}

// checkStaleRead is invariant (4) for one version.
func checkStaleRead(k pipeline.PartKey, ver pipeline.PartitionVersion, versionsOf func(pipeline.PartKey) ([]pipeline.PartitionVersion, error), v *violations) error {
	for _, in := range ver.Inputs {
		if nba.Catalog.Table(in.Table).Kind != pipeline.Analytics {
			continue
		}
		h, err := versionsOf(pipeline.PartKey{Table: in.Table, Date: in.Date})
		if err != nil {
			return err
		}
		if in.Version < 1 || in.Version > len(h) {
			continue
		}
		read := h[in.Version-1]
		for _, deep := range read.Inputs {
			dh, err := versionsOf(pipeline.PartKey{Table: deep.Table, Date: deep.Date})
			if err != nil {
				return err
			}
			for _, later := range dh {
				if later.Version > deep.Version && later.CreatedAt.Before(ver.CreatedAt) {
					v.add(4, "%s %s version %d read %s %s version %d, computed from %s %s version %d, which version %d had replaced before",
						k.Table, k.Date, ver.Version, in.Table, in.Date, in.Version, deep.Table, deep.Date, deep.Version, later.Version)
					break
				}
			}
		}
	}
	return nil
}

// checkSettled is invariants (5) and (6): every task settled, nothing
// running, no run left open, and runs per task bounded by the input
// changes the task saw.
func (r *runner) checkSettled(ctx context.Context, settled bool, v *violations) error {
	ds, _, err := r.view.Verdicts(ctx, r.sc.From, r.sc.To)
	if err != nil {
		return err
	}
	if !settled {
		v.add(5, "the engines did not settle within the scenario's time")
	}
	for _, d := range ds {
		if d.State != pipeline.Published && d.State != pipeline.UpToDate {
			v.add(5, "%s %s ended %s: %s", d.Task.Processor, d.Task.Date, d.State, d.Reason)
		}
	}
	if err := checkLeftovers(ctx, r.checker, r.sc.From, r.sc.To, v); err != nil {
		return err
	}
	runs, err := r.checker.Runs(ctx, pipeline.RunFilter{Limit: 1 << 20})
	if err != nil {
		return err
	}
	perTask := map[pipeline.TaskKey]int{}
	for _, run := range runs {
		// Runs that a fault or a kill cut short are retried by design.
		if run.State != "retry" && run.State != pipeline.RunAbandoned {
			perTask[run.Task]++
		}
	}
	versions, err := r.checker.Partitions(ctx, pipeline.PartitionFilter{})
	if err != nil {
		return err
	}
	current := map[pipeline.PartKey]int{}
	for _, pv := range versions {
		current[pipeline.PartKey{Table: pv.Table, Date: pv.Date}] = pv.Version
	}
	engines := r.sc.Instances + r.kills
	for task, n := range perTask {
		changes := 1
		for _, in := range processor(task.Processor).Inputs() {
			for x := task.Date.AddDays(in.Window.From); x <= task.Date.AddDays(in.Window.To); x++ {
				changes += current[pipeline.PartKey{Table: in.Table, Date: x}]
			}
		}
		if bound := (engines + 1) * changes; n > bound {
			v.add(6, "%s %s ran %d times for %d input versions (at most %d expected): a storm", task.Processor, task.Date, n, changes-1, bound)
		}
	}
	return nil
}

// checkLeftovers is the part of invariant (5) a stopped database shows: no
// task recorded running, no run left open.
func checkLeftovers(ctx context.Context, s pipeline.Store, from, to pipeline.Date, v *violations) error {
	recs, err := s.Tasks(ctx, from, to)
	if err != nil {
		return err
	}
	for _, rec := range recs {
		if rec.State == pipeline.Running {
			v.add(5, "%s %s is recorded running (lease of %s until %s)", rec.Key.Processor, rec.Key.Date, rec.LeaseOwner, rec.LeaseExpiresAt.Format(time.RFC3339))
		}
	}
	runs, err := s.Runs(ctx, pipeline.RunFilter{Limit: 1 << 20})
	if err != nil {
		return err
	}
	for _, run := range runs {
		if run.FinishedAt == nil {
			v.add(5, "run %d of %s %s by %s never finished", run.ID, run.Task.Processor, run.Task.Date, run.Worker)
		}
	}
	return nil
}

func processor(name string) pipeline.Processor {
	for _, p := range nba.Processors() {
		if p.Name() == name {
			return p
		}
	}
	return nil
}

// checkAgreement is invariant (7): status and the dashboard (Verdicts),
// explain, and the HTTP API on loopback give every task the same verdict.
func (r *runner) checkAgreement(ctx context.Context, v *violations) error {
	ds, recs, err := r.view.Verdicts(ctx, r.sc.From, r.sc.To)
	if err != nil {
		return err
	}
	g, err := dag.Build(nba.Catalog, nba.Processors())
	if err != nil {
		return err
	}
	api, err := httpapi.New(httpapi.Config{Store: r.checker, Catalog: nba.Catalog, Graph: g, Engine: r.view,
		Backfills: engine.NewBackfiller(r.view, 400), Now: r.clock.Now})
	if err != nil {
		return err
	}
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()
	var listed struct {
		Tasks []engine.Verdict `json:"tasks"`
	}
	if err := getJSON(ctx, srv.URL+"/api/partitions?from="+r.sc.From.String()+"&to="+r.sc.To.String(), &listed); err != nil {
		return err
	}
	byAPI := map[pipeline.TaskKey]engine.Verdict{}
	for _, t := range listed.Tasks {
		byAPI[pipeline.TaskKey{Processor: t.Processor, Date: t.Date}] = t
	}
	for _, d := range ds {
		want := r.view.View(d, recs[d.Task])
		ex, err := r.view.Describe(ctx, d.Task)
		if err != nil {
			return err
		}
		var one struct {
			Verdict engine.Verdict `json:"verdict"`
		}
		if err := getJSON(ctx, fmt.Sprintf("%s/api/tasks/%s/%s", srv.URL, d.Task.Processor, d.Task.Date), &one); err != nil {
			return err
		}
		for _, other := range []struct {
			who string
			got engine.Verdict
		}{{"explain", ex.Verdict}, {"the API's list", byAPI[d.Task]}, {"the API's task", one.Verdict}} {
			if other.got.State != want.State || other.got.Reason != want.Reason || other.got.Code != want.Code {
				v.add(7, "%s %s: status says %s (%s), %s says %s (%s)", d.Task.Processor, d.Task.Date, want.State, want.Reason, other.who, other.got.State, other.got.Reason)
			}
		}
	}
	return nil
}

func getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
