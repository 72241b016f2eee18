package dag_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

// TestIncrementalPlanEqualsFullPlan simulates a backfill of two real weeks
// in the planner alone: raw partitions arrive in random order, started
// tasks "publish" with the fingerprint the planner gave them, and after
// every step the incremental plan (previous plan plus what changed) must
// equal a plan made from scratch.
func TestIncrementalPlanEqualsFullPlan(t *testing.T) {
	season := testdb.SeasonRows(t)
	from, to := pipeline.MustDate("2023-01-30"), pipeline.MustDate("2023-02-12")
	g, err := dag.Build(nba.Catalog, nba.Processors())
	if err != nil {
		t.Fatal(err)
	}
	for seed := range 6 {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(uint64(seed), 7))
			var arrivals []pipeline.PartitionVersion
			for _, name := range []string{nba.Schedule, nba.Gamebook, nba.TeamBox} {
				tb := nba.Catalog.Table(name)
				byDate := map[pipeline.Date][]pipeline.Row{}
				for _, r := range testdb.OnDates(tb, season[name], from.AddDays(-30), to) {
					d := r[tb.DateIndex()].(pipeline.Date)
					byDate[d] = append(byDate[d], r)
				}
				for d := from.AddDays(-30); d <= to; d++ {
					if rows, ok := byDate[d]; ok || name == nba.Schedule {
						arrivals = append(arrivals, pipeline.PartitionVersion{Table: name, Date: d, Version: 1, Coverage: tb.Cover(rows)})
					}
				}
			}
			rnd.Shuffle(len(arrivals), func(i, j int) { arrivals[i], arrivals[j] = arrivals[j], arrivals[i] })
			snap := dag.Snapshot{
				Now: time.Date(2023, 2, 12, 12, 0, 0, 0, time.UTC), From: from, To: to,
				Versions: map[pipeline.PartKey]pipeline.PartitionVersion{}, Tasks: map[pipeline.TaskKey]pipeline.TaskRecord{},
				Newest: to,
			}
			if seed >= 3 {
				// Tasks only on the dates the schedule lists, with a
				// gap: one of them is left out.
				for d := from; d <= to; d++ {
					if d != from.AddDays(seed) {
						snap.Dates = append(snap.Dates, d)
					}
				}
			}
			if seed >= 2 {
				// As a run plans: only the first few startable tasks
				// listed, and (seed 5) a backfill mode refusing some.
				snap.StartLimit = 4
			}
			if seed == 5 {
				refused := from.AddDays(2)
				snap.Only = func(d dag.Decision, _ pipeline.TaskRecord, _ bool) bool {
					return d.Task.Date != refused || d.Task.Processor != nba.TeamDefense
				}
			}
			var prev *dag.Plan
			steps := 0
			for len(arrivals) > 0 || prev == nil || len(prev.Start) > 0 {
				var changed []pipeline.PartKey
				if len(arrivals) > 0 && rnd.IntN(3) > 0 {
					v := arrivals[0]
					arrivals = arrivals[1:]
					snap.Versions[pipeline.PartKey{Table: v.Table, Date: v.Date}] = v
					changed = append(changed, pipeline.PartKey{Table: v.Table, Date: v.Date})
				} else if prev != nil {
					// Publish up to three started tasks.
					for i, k := range prev.Start {
						if i == 3 {
							break
						}
						d := find(prev, k)
						pk := pipeline.PartKey{Table: k.Processor, Date: k.Date}
						old := snap.Versions[pk]
						snap.Versions[pk] = pipeline.PartitionVersion{Table: pk.Table, Date: pk.Date, Version: old.Version + 1, Fingerprint: d.Fingerprint, Partial: d.Partial}
						changed = append(changed, pk)
					}
				}
				full := snap
				full.Prev, full.ChangedParts = nil, nil
				want := g.Decide(full, dag.DefaultPolicy())
				// What each task's verdict was, before Decide reuses
				// the previous plan's storage.
				var before []string
				if prev != nil {
					for _, d := range prev.Decisions {
						before = append(before, d.State+": "+d.Reason)
					}
				}
				inc := snap
				inc.Prev, inc.ChangedParts = prev, changed
				got := g.Decide(inc, dag.DefaultPolicy())
				if diff := cmp.Diff(want, got, cmpopts.IgnoreUnexported(dag.Plan{}), cmpopts.IgnoreFields(dag.Plan{}, "Decided")); diff != "" {
					t.Fatalf("step %d: incremental plan differs from the full plan (-full +incremental):\\n%s", steps, diff)
				}
				// A verdict that changed was decided afresh: what the
				// engine saves relies on it.
				if before != nil && got.Decided != nil {
					for i, d := range got.Decisions {
						if before[i] != d.State+": "+d.Reason && !slices.Contains(got.Decided, i) {
							t.Fatalf("step %d: %s %s went from %q to %q but is not in Decided", steps, d.Task.Processor, d.Task.Date, before[i], d.State+": "+d.Reason)
						}
					}
				}
				prev = &got
				steps++
				if steps > 5000 {
					t.Fatal("the simulated backfill did not settle")
				}
			}
			if want := (to - from + 1) * 5; snap.Dates != nil {
				if got := len(prev.Decisions); got != int(want)-5 {
					t.Errorf("%d decisions over %d listed dates, want %d", got, len(snap.Dates), int(want)-5)
				}
			}
			for _, d := range prev.Decisions {
				if snap.Dates != nil && d.Task.Date == from.AddDays(seed) {
					t.Errorf("%s %s has a decision, but the date is not listed", d.Task.Processor, d.Task.Date)
				}
				if snap.Only != nil && !snap.Only(d, pipeline.TaskRecord{}, false) {
					if d.State == pipeline.Published {
						t.Errorf("%s %s published, but the mode refused to start it", d.Task.Processor, d.Task.Date)
					}
					continue
				}
				// (A refused task's readers wait for it: only without
				// a refusal must everything publish.)
				if d.State != pipeline.Published && snap.Only == nil {
					t.Errorf("after settling: %s %s %s (%s), want published", d.Task.Processor, d.Task.Date, d.State, d.Reason)
				}
			}
			t.Logf("%d planning steps", steps)
		})
	}
}

func find(p *dag.Plan, k pipeline.TaskKey) dag.Decision {
	for _, d := range p.Decisions {
		if d.Task == k {
			return d
		}
	}
	return dag.Decision{}
}
