package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/statgate/statgate/internal/alert"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/release"
)

// planOutput is plan's --json answer.
type planOutput struct {
	Processors []release.Processor `json:"processors"`
	// Promoted are the processors this command promoted.
	Promoted []pipeline.Release `json:"promoted"`
}

func newPlanCmd(c *cli) *cobra.Command {
	var (
		procs       []string
		canary      bool
		dates       []string
		newest      int
		extra       int
		seed        uint64
		apply       bool
		autoPromote bool
		reason      string
		ef          engineFlags
	)
	cmd := &cobra.Command{
		Use:   "plan [--processors P,…] [--canary [--dates D,…]] [--apply | --auto-promote]",
		Short: "What a new processor version would recompute; its canary; promote or hold it",
		Long: `plan compares each processor's version in this build with the versions that
computed the published partitions. A new version is held: what older versions
published stays visible and is not recomputed for the new code (new dates and
new input data still compute) until the version is promoted. For each
processor plan lists what a promotion would recompute (dates, and the
dependents that follow), and its cost (tasks, and time at the median duration
of recent runs).

--canary computes each held version (or those --processors names) for sample
dates — the newest --newest dates with rows and --extra more drawn with --seed,
or --dates — in memory that no reader sees, runs the checks and diffs it with
what is published: rows added, removed and changed, per column how many values
changed and the largest change, and failed checks before and after.

--apply promotes the held versions (of --processors, or all). --auto-promote
runs the canary and promotes a version only when its checks are clean and it
changed no column but those its version declares; otherwise it stays held and
an alert names the first differing rows. After a promotion the engine
recomputes the affected dates within auto_refresh_days (a service at once; or
run backfill); the rest are left for a backfill.

With --json: {"processors": [{"processor", "version", "state",
"published_by_version", "affected_dates", "recomputed_at_once", "dependents",
"tasks", "estimated_seconds", "declared_changes", "canary"}], "promoted": [...]},
the canary as {"processor", "version", "dates": [{"game_date",
"published_version", "rows_before", "rows_after", "rows_added", "rows_removed",
"rows_changed", "checks_before", "checks_after", "first_differences"}],
"columns": [{"column", "values_changed", "largest_change"}],
"critical_failures", "undeclared_changes", "promotable", "reason", "took_ms"}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if apply && autoPromote {
				return usageError{fmt.Errorf("--apply and --auto-promote: choose one")}
			}
			var ds []pipeline.Date
			for _, v := range dates {
				d, err := parseDateFlag("dates", v)
				if err != nil {
					return err
				}
				ds = append(ds, d)
			}
			ctx := cmd.Context()
			s, err := c.openStore(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			// One configuration for the engine and the planner: the
			// canary reads through the engine's executor and cache.
			cfg, err := c.engineConfig(s, ef)
			if err != nil {
				return err
			}
			g := cfg.Graph
			for _, p := range procs {
				if g.Processor(p) == nil {
					return usageError{fmt.Errorf("--processors: no processor %q (%s)", p, strings.Join(g.Order(), ", "))}
				}
			}
			e, err := engine.New(cfg)
			if err != nil {
				return err
			}
			pl := &release.Planner{Store: s, Engine: e, Graph: g, Executor: cfg.Executor, Policy: cfg.Policy, Now: c.now}
			rep, err := pl.Plan(ctx, procs...)
			if err != nil {
				return err
			}
			out := planOutput{Processors: rep.Processors, Promoted: []pipeline.Release{}}
			for i := range out.Processors {
				p := &out.Processors[i]
				held := p.State == pipeline.ReleaseHeld
				if !(canary || autoPromote) || !(held || slices.Contains(procs, p.Processor)) || !p.Changed() {
					continue
				}
				sample := ds
				if sample == nil {
					if sample, err = pl.Sample(ctx, p.Processor, newest, extra, seed); err != nil {
						return err
					}
				}
				if p.Canary, err = pl.Canary(ctx, p.Processor, sample); err != nil {
					return err
				}
			}
			for _, p := range out.Processors {
				if p.State != pipeline.ReleaseHeld || (len(procs) > 0 && !slices.Contains(procs, p.Processor)) {
					continue
				}
				why := reason
				switch {
				case apply:
					if why == "" {
						why = "promoted by statgate plan --apply"
					}
				case autoPromote && p.Canary != nil && p.Canary.Promotable:
					why = "promoted automatically: " + p.Canary.Reason
				case autoPromote && p.Canary != nil:
					if _, err := pl.Hold(ctx, p.Processor, p.Canary.Reason); err != nil {
						return err
					}
					c.alertCanary(p)
					continue
				default:
					continue
				}
				r, err := pl.Promote(ctx, p.Processor, why)
				if err != nil {
					return err
				}
				out.Promoted = append(out.Promoted, r)
			}
			if c.jsonOut {
				return c.printJSON(out)
			}
			c.printPlan(out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&procs, "processors", nil, "processors to plan (default: all)")
	f.BoolVar(&canary, "canary", false, "compute each held version for sample dates and diff it with what is published")
	f.StringSliceVar(&dates, "dates", nil, "the canary's dates (default: --newest and --extra)")
	f.IntVar(&newest, "newest", 7, "the canary's newest dates with rows")
	f.IntVar(&extra, "extra", 3, "the canary's further dates, drawn with --seed")
	f.Uint64Var(&seed, "seed", 1, "seed of the canary's further dates")
	f.BoolVar(&apply, "apply", false, "promote the held versions (of --processors, or all)")
	f.BoolVar(&autoPromote, "auto-promote", false, "promote a held version when its canary's checks are clean and only its declared columns changed")
	f.StringVar(&reason, "reason", "", "why, recorded with the decision")
	ef.register(f)
	return cmd
}

// alertCanary sends one alert for a canary that keeps its version held.
func (c *cli) alertCanary(p release.Processor) {
	n, err := c.alerts()
	if err != nil || n == nil {
		return
	}
	n.Notify(alert.Alert{Kind: alert.CanaryHeld, Key: "canary:" + p.Processor + ":" + p.Version,
		Text: fmt.Sprintf("%s version %s stays held: %s", p.Processor, p.Version, strings.TrimPrefix(p.Canary.Reason, "held: "))})
}

// printPlan prints the report as tables.
func (c *cli) printPlan(out planOutput) {
	w := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "processor\tversion\tstate\tpublished by\taffected\tat once\tdependents\ttasks\testimate")
	for _, p := range out.Processors {
		var by []string
		for _, v := range slices.Sorted(maps.Keys(p.Published)) {
			by = append(by, fmt.Sprintf("v%s: %d", v, p.Published[v]))
		}
		var deps []string
		for _, d := range slices.Sorted(maps.Keys(p.Dependents)) {
			deps = append(deps, fmt.Sprintf("%s %d", d, p.Dependents[d]))
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d dates\t%d\t%s\t%d\t%.1f s\n", p.Processor, p.Version, p.State,
			orNone(strings.Join(by, ", ")), len(p.Affected), p.AtOnce, orNone(strings.Join(deps, ", ")), p.Tasks, p.Estimate)
	}
	w.Flush()
	for _, p := range out.Processors {
		if p.Canary == nil {
			continue
		}
		k := p.Canary
		c.printf("\ncanary of %s version %s over %s (%d ms): %s\n", k.Processor, k.Version, plural(len(k.Dates), "date"), k.TookMS, k.Reason)
		w := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "date\tpublished\trows\tchanged\tadded\tremoved\tchecks before → after\tfirst difference")
		for _, d := range k.Dates {
			first := ""
			if len(d.First) > 0 {
				first = d.First[0]
			}
			fmt.Fprintf(w, "%s\tv%d\t%d → %d\t%d\t%d\t%d\t%s → %s\t%s\n", d.Date, d.Published, d.RowsBefore, d.RowsAfter,
				d.Changed, d.Added, d.Removed, checkCounts(d.Before), checkCounts(d.After), first)
		}
		w.Flush()
		if len(k.Columns) == 0 {
			c.printf("no value changed\n")
			continue
		}
		w = tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "column\tvalues changed\tlargest change\tdeclared")
		for _, col := range k.Columns {
			fmt.Fprintf(w, "%s\t%d\t%g\t%t\n", col.Column, col.Changed, col.Largest, !slices.Contains(k.Undeclared, col.Column))
		}
		w.Flush()
	}
	for _, r := range out.Promoted {
		c.printf("promoted %s version %s (%s)\n", r.Processor, r.Version, r.Reason)
	}
	if len(out.Promoted) > 0 {
		c.printf("the engine recomputes the affected dates within auto_refresh_days (a running service at once; otherwise run backfill)\n")
	}
}

func checkCounts(m map[pipeline.Severity]int) string {
	if m[pipeline.Critical]+m[pipeline.Warning] == 0 {
		return "clean"
	}
	return fmt.Sprintf("%d critical, %d warning", m[pipeline.Critical], m[pipeline.Warning])
}

func orNone(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
