package main

import (
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/statgate/statgate/internal/dataset"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/rawload"
)

func newGenCmd(c *cli) *cobra.Command {
	var (
		seasons int
		seed    uint64
		out     string
	)
	cmd := &cobra.Command{
		Use:   "gen --seasons N [--seed S] --out DIR",
		Short: "Write N seasons of raw files derived from the bundled one, for scale tests",
		Long: `gen writes the bundled 2022-23 season and the N-1 seasons before it, derived
from it: every date k years earlier, season years and game ids to match, and
the thirty teams relabelled by a permutation drawn from the seed, so every box
score stays as consistent as the real one. Each season goes to
DIR/YYYY-YY/TABLE.csv.gz; load them with
  statgate load --table TABLE DIR/*/TABLE.csv.gz`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case out == "":
				return usageError{fmt.Errorf("--out is required")}
			case seasons < 1 || seasons > 60:
				return usageError{fmt.Errorf("--seasons %d: want 1 to 60", seasons)}
			}
			rows, err := dataset.Rows(nba.Catalog)
			if err != nil {
				return err
			}
			tables := map[string]*pipeline.Table{}
			for name := range rows {
				tables[name] = nba.Catalog.Table(name)
			}
			total := 0
			for k := range seasons {
				derived, err := dataset.Derive(k, seed, tables, rows)
				if err != nil {
					return err
				}
				dir := filepath.Join(out, fmt.Sprintf("%d-%02d", 2022-k, (2023-k)%100))
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return err
				}
				for _, f := range dataset.Raw {
					if err := writeGzipCSV(filepath.Join(dir, f.Table+".csv.gz"), tables[f.Table], derived[f.Table]); err != nil {
						return err
					}
					total += len(derived[f.Table])
				}
			}
			if c.jsonOut {
				return c.printJSON(struct {
					Seasons int    `json:"seasons"`
					Rows    int    `json:"rows"`
					Out     string `json:"out"`
				}{seasons, total, out})
			}
			c.printf("wrote %s (%s) into %s\n", plural(seasons, "season"), plural(total, "row"), out)
			return nil
		},
	}
	cmd.Flags().IntVar(&seasons, "seasons", 1, "how many seasons: the bundled one and those before it")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "seed of the teams' relabelling")
	cmd.Flags().StringVar(&out, "out", "", "directory to write into")
	return cmd
}

func writeGzipCSV(path string, t *pipeline.Table, rows []pipeline.Row) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := gzip.NewWriter(f)
	if err := rawload.EncodeCSV(zw, t, rows); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
