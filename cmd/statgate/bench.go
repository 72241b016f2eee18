package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/statgate/statgate/internal/bench"
)

func newBenchCmd(c *cli) *cobra.Command {
	var cfg bench.Config
	cmd := &cobra.Command{
		Use:   "bench [--seasons N] [--runs R] [--postgres URL] [--json]",
		Short: "Measure the pipeline against its floor, its ungated baseline and itself at N seasons",
		Long: `bench measures, in this process and interleaved, on fresh databases of its own
(it never touches --db):

  pipeline   the bundled season raw → published: load, then backfill
  floor      the same raw and output rows bulk-written into tables of the
             same schema, one transaction each (COPY on PostgreSQL, prepared
             multi-row inserts on SQLite)
  ungated    the same processors and writes with no engine: date by date,
             level by level
  N seasons  the bundled season and N-1 generated from it (statgate gen),
             raw → published: cost per task at N against one, peak memory
  wake       announcement → start of the task it made ready (p50, p99), in
             process and, on PostgreSQL, from another connection pool
  makespan   20 dates with skewed durations, DAG against level by level
  memory     the most the N-season run held above what the process held
             before it

One-season figures are medians of --runs runs. Every run's content hashes are
checked against a reference run; a difference fails the command.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case cfg.Seasons < 1 || cfg.Seasons > 60:
				return usageError{fmt.Errorf("--seasons %d: want 1 to 60", cfg.Seasons)}
			case cfg.Runs < 1:
				return usageError{fmt.Errorf("--runs %d: want at least 1", cfg.Runs)}
			}
			if !c.jsonOut {
				cfg.Progress = func(s string) { fmt.Fprintf(c.stderr, "bench: %s\n", s) }
			}
			rep, err := bench.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if c.jsonOut {
				return c.printJSON(rep)
			}
			printBench(c, rep)
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Seasons, "seasons", 5, "seasons for the cost-per-task comparison (1: only the bundled one)")
	f.IntVar(&cfg.Runs, "runs", 3, "interleaved runs of each one-season measure (medians are reported)")
	f.StringVar(&cfg.Postgres, "postgres", "", "also measure PostgreSQL at this URL (schemas of its own, dropped after)")
	f.IntVar(&cfg.Workers, "concurrency", 2, "tasks run at once")
	f.Uint64Var(&cfg.Seed, "seed", 1, "seed of the generated seasons")
	f.IntVar(&cfg.Days, "days", 0, "keep only the season's first DAYS days (a quick check; 0: the whole season)")
	f.StringVar(&cfg.Dir, "dir", os.TempDir(), "directory for the SQLite files (removed after)")
	return cmd
}

// printBench prints the report as a table per database.
func printBench(c *cli, r bench.Report) {
	c.printf("statgate bench: %d CPUs, %s, %s; %d run(s), %d worker(s)\n", r.Machine.CPUs, r.Machine.Go, r.Machine.OS, r.Runs, r.Workers)
	c.printf("one season: %d tasks, %d raw rows, %d output rows; content of %d partitions checked in every run\n\n",
		r.Tasks, r.RawRows, r.OutputRows, r.Partitions)
	w := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	names := make([]string, len(r.Databases))
	for i, d := range r.Databases {
		names[i] = d.Name
	}
	fmt.Fprintf(w, "\t%s\t\n", strings.Join(names, "\t"))
	row := func(label string, f func(bench.Database) string) {
		cells := make([]string, len(r.Databases))
		for i, d := range r.Databases {
			cells[i] = f(d)
		}
		fmt.Fprintf(w, "%s\t%s\t\n", label, strings.Join(cells, "\t"))
	}
	ms := func(v float64) string { return fmt.Sprintf("%.0f ms", v) }
	x := func(v float64) string {
		if v == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f×", v)
	}
	row("load (raw)", func(d bench.Database) string { return ms(d.LoadMS) })
	row("backfill", func(d bench.Database) string { return ms(d.BackfillMS) })
	row("raw → published", func(d bench.Database) string { return ms(d.PipelineMS) })
	row("floor: raw rows", func(d bench.Database) string { return ms(d.FloorRawMS) })
	row("floor: output rows", func(d bench.Database) string { return ms(d.FloorOutputMS) })
	row("floor: both", func(d bench.Database) string { return ms(d.FloorMS) })
	row("ungated baseline", func(d bench.Database) string { return ms(d.UngatedMS) })
	row("raw → published / floor", func(d bench.Database) string { return x(d.Ratios.PipelineVsFloor) })
	row("backfill / output floor", func(d bench.Database) string { return x(d.Ratios.BackfillVsFloor) })
	row("load / raw floor", func(d bench.Database) string { return x(d.Ratios.LoadVsFloor) })
	row("backfill / ungated", func(d bench.Database) string { return x(d.Ratios.BackfillVsUngated) })
	row("vs sqlite", func(d bench.Database) string { return x(d.Ratios.VsSQLite) })
	row("cost per task, 1 season", func(d bench.Database) string { return fmt.Sprintf("%.2f ms", d.CostPerTaskMS) })
	if r.Seasons > 1 {
		row(fmt.Sprintf("cost per task, %d seasons", r.Seasons), func(d bench.Database) string { return fmt.Sprintf("%.2f ms", d.CostPerTaskNMS) })
		row("linearity (N / 1)", func(d bench.Database) string { return x(d.Ratios.Linearity) })
	}
	row(fmt.Sprintf("%d season(s) raw → published", r.Seasons), func(d bench.Database) string {
		return fmt.Sprintf("%.1f s", d.SeasonsNMS/1000)
	})
	row("peak memory (N seasons)", func(d bench.Database) string { return fmt.Sprintf("%.0f MB", d.PeakMemoryMB) })
	row("wake p50 / p99", func(d bench.Database) string { return fmt.Sprintf("%.1f / %.1f ms", d.Wake.P50MS, d.Wake.P99MS) })
	row("wake across processes", func(d bench.Database) string {
		if d.WakeCross == nil {
			return "–"
		}
		return fmt.Sprintf("%.1f / %.1f ms", d.WakeCross.P50MS, d.WakeCross.P99MS)
	})
	row("commits per task", func(d bench.Database) string {
		if d.CommitsPerTask == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f", d.CommitsPerTask)
	})
	row("WAL flushes per task", func(d bench.Database) string {
		if d.WALFlushesPerTask == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f", d.WALFlushesPerTask)
	})
	w.Flush()
	m := r.Makespan
	c.printf("\nmakespan, %d dates, skewed durations, %d workers: level by level %.0f ms, DAG %.0f ms (%.2f×)\n",
		m.Dates, m.Workers, m.LevelsMS, m.DAGMS, m.Ratio)
}
