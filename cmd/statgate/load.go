package main

import (
	"fmt"

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
(identical content creates none) and is announced to the engine.`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			t := nba.Catalog.Table(table)
			switch {
			case table == "":
				return usageError{fmt.Errorf("--table is required (one of %v)", rawTables())}
			case t == nil:
				return usageError{fmt.Errorf("unknown table %q (raw tables: %v)", table, rawTables())}
			case t.Kind != pipeline.Raw:
				return usageError{fmt.Errorf("%s is an analytics table: only its processor writes it (raw tables: %v)", table, rawTables())}
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
			c.printf("loaded %s: %d rows, %d partitions (%d new versions, %d unchanged) into %s\n",
				res.Table, res.Rows, res.Partitions, res.NewVersions, res.Unchanged, c.describeDB())
			return nil
		},
	}
	cmd.Flags().StringVar(&table, "table", "", "raw table to load into")
	return cmd
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
