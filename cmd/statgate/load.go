package main

import (
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
			rows, err := rawload.DecodeFiles(t, nil, files)
			if err != nil {
				return err
			}
			s, err := c.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			res, err := ingest.Load(cmd.Context(), s, t, rows, ingest.Options{FillEmptyDates: t.Name == nba.Schedule})
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
