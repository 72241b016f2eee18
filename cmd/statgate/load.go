package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/statgate/statgate/internal/ingest"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/rawload"
)

func newLoadCmd(c *cli) *cobra.Command {
	var table string
	cmd := &cobra.Command{
		Use:   "load --table TABLE FILE...",
		Short: "Load raw CSV or NDJSON files (optionally gzipped) into a raw table",
		Long: `Load validates every row of every file against the table first; one bad row
rejects the whole load with file:line: column: reason, and nothing becomes
visible. Each game_date in the files becomes a new raw partition version
(identical content creates none) and is announced to the engine. A schedule
load versions exactly the dates its files list; a day without games between
two of them becomes an empty day only where the schedule has no such date yet.

A load of more than 250,000 rows is checked whole first, as any load is, and
then written a group of files at a time (files that share a date, or for the
schedule a season, go together), so that memory holds one group: an
interruption then leaves whole partitions of the groups written, and running
the same load again completes it (identical content makes no new version).

A file is CSV with a header row, or NDJSON (one object per line), either
optionally gzip-compressed. Every column of the table must be in the header
(or be a key of every object); an empty value (or null) is allowed only where
the column is nullable. Types are exact: whole numbers without a sign or a
decimal point (plus_minus may be negative), dates YYYY-MM-DD, booleans true or
false; in NDJSON numbers are JSON numbers, not strings. A file with no rows,
a NUL byte, invalid UTF-8 or a line over 1 MiB is rejected.

With --json: {"table", "rows", "partitions", "new_versions", "unchanged"}.

` + rawColumnsHelp(),
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			t := nba.Catalog.Table(table)
			switch {
			case table == "":
				return usageError{fmt.Errorf("--table is required (one of %s)", strings.Join(rawTables(), ", "))}
			case t == nil:
				return usageError{fmt.Errorf("unknown table %q (raw tables: %s)", table, strings.Join(rawTables(), ", "))}
			case t.Kind != pipeline.Raw:
				return usageError{fmt.Errorf("%s is an analytics table: only its processor writes it (raw tables: %s)", table, strings.Join(rawTables(), ", "))}
			}
			s, err := c.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			res, err := loadFiles(cmd.Context(), s, t, files, maxLoadRows)
			if err != nil {
				return err
			}
			if c.jsonOut {
				return c.printJSON(res)
			}
			c.printf("loaded %s: %s, %s (%s, %d unchanged) into %s\n", res.Table, plural(res.Rows, "row"),
				plural(res.Partitions, "partition"), plural(res.NewVersions, "new version"), res.Unchanged, c.describeDB())
			return nil
		},
	}
	cmd.Flags().StringVar(&table, "table", "", "raw table to load into")
	return cmd
}

// rawColumnsHelp lists each raw table's columns as the schema declares them,
// so that a person can write a valid file without reading the source.
func rawColumnsHelp() string {
	var b strings.Builder
	for _, t := range nba.Catalog.Tables() {
		if t.Kind != pipeline.Raw {
			continue
		}
		fmt.Fprintf(&b, "%s (key: %s)\n", t.Name, strings.Join(t.Key, ", "))
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, c := range t.Columns {
			need := "required"
			if !c.Required {
				need = "nullable"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", c.Name, c.Type, need, c.Doc)
		}
		tw.Flush()
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func rawTables() []string {
	var names []string
	for _, t := range nba.Catalog.Tables() {
		if t.Kind == pipeline.Raw {
			names = append(names, t.Name)
		}
	}
	return names
}

// maxLoadRows is how many rows a load holds in memory at once: the bundled
// season's gamebook has 26,000; thirty seasons' have 800,000 (about 1.4 GB
// as decoded rows).
const maxLoadRows = 250_000

// loadFiles loads files into raw table t. Every row of every file is
// checked before anything is written. Files whose rows together fit in
// limit are written in one transaction; more are written a group at a
// time, each in its own transaction, decoded again when their turn comes:
// files sharing a date go together (a date's partition is all its rows),
// and for a table whose loads fill empty days, files sharing a season (the
// days filled lie between a season's first and last date).
func loadFiles(ctx context.Context, s pipeline.Store, t *pipeline.Table, files []string, limit int) (ingest.Result, error) {
	opt := ingest.Options{FillEmptyDates: t.Calendar}
	chk := rawload.NewChecker(t, nil)
	var kept []pipeline.Row
	keep := true
	groups := newFileGroups(len(files))
	owner := map[any]int{} // a date or season → the first file that has it
	si := t.Col(pipeline.SeasonColumn)
	for i, name := range files {
		rows, err := chk.File(name)
		if err != nil {
			return ingest.Result{}, err
		}
		for _, r := range rows {
			keys := []any{r[t.DateIndex()]}
			if opt.FillEmptyDates && si >= 0 {
				keys = append(keys, r[si])
			}
			for _, k := range keys {
				if j, ok := owner[k]; ok {
					groups.join(i, j)
				} else {
					owner[k] = i
				}
			}
		}
		if keep && len(kept)+len(rows) <= limit {
			kept = append(kept, rows...)
		} else {
			keep, kept = false, nil
		}
	}
	if keep {
		return ingest.Load(ctx, s, t, kept, opt)
	}
	sum := ingest.Result{Table: t.Name}
	for _, g := range groups.list() {
		names := make([]string, len(g))
		for k, i := range g {
			names[k] = files[i]
		}
		rows, err := rawload.DecodeFiles(t, nil, names)
		if err != nil {
			return sum, err
		}
		res, err := ingest.Load(ctx, s, t, rows, opt)
		if err != nil {
			return sum, fmt.Errorf("%w (loaded before it: %s in %s; the same load run again completes it)",
				err, plural(sum.Rows, "row"), plural(sum.Partitions, "partition"))
		}
		sum.Rows += res.Rows
		sum.Partitions += res.Partitions
		sum.NewVersions += res.NewVersions
		sum.Unchanged += res.Unchanged
		sum.Versions = append(sum.Versions, res.Versions...)
	}
	return sum, nil
}

// fileGroups joins files into groups (union-find over their indexes).
type fileGroups []int

func newFileGroups(n int) fileGroups {
	g := make(fileGroups, n)
	for i := range g {
		g[i] = i
	}
	return g
}

func (g fileGroups) root(i int) int {
	for g[i] != i {
		g[i] = g[g[i]]
		i = g[i]
	}
	return i
}

func (g fileGroups) join(i, j int) { g[g.root(i)] = g.root(j) }

// list returns the groups, each in file order, ordered by their first file.
func (g fileGroups) list() [][]int {
	at := map[int]int{}
	var out [][]int
	for i := range g {
		r := g.root(i)
		k, ok := at[r]
		if !ok {
			k = len(out)
			at[r] = k
			out = append(out, nil)
		}
		out[k] = append(out[k], i)
	}
	return out
}
