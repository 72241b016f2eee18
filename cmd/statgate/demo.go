package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/statgate/statgate/internal/dataset"
	"github.com/statgate/statgate/internal/ingest"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/rawload"
)

type demoSummary struct {
	Database  string          `json:"database"`
	Season    string          `json:"season"`
	Tables    []ingest.Result `json:"tables"`
	Pipeline  seasonRun       `json:"pipeline"`
	ElapsedMS int64           `json:"elapsed_ms"`
}

func newDemoCmd(c *cli) *cobra.Command {
	var (
		noServe bool
		addr    string
		ef      engineFlags
	)
	cmd := &cobra.Command{
		Use:   "demo [--no-serve]",
		Short: "Load the bundled real 2022-23 season, run it, summarise it and serve the dashboard",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			start := time.Now()
			s, err := c.openStore(cmd.Context())
			if err != nil {
				return err
			}
			closeStore := true
			defer func() {
				if closeStore {
					s.Close()
				}
			}()
			sum := demoSummary{Database: c.describeDB(), Season: dataset.Season}
			for _, f := range dataset.Raw {
				res, err := loadEmbedded(cmd.Context(), s, f.Table, f.File)
				if err != nil {
					return err
				}
				sum.Tables = append(sum.Tables, res)
				if !c.jsonOut {
					c.printf("%-28s %7d rows  %4d partitions  (%s)\n",
						res.Table, res.Rows, res.Partitions, plural(res.NewVersions, "new version"))
				}
			}
			run, err := c.runSeason(cmd.Context(), s, ef)
			if err != nil {
				return err
			}
			sum.Pipeline = run
			if !c.jsonOut {
				c.printSeason(run)
			}
			sum.ElapsedMS = time.Since(start).Milliseconds()
			if c.jsonOut {
				if err := c.printJSON(sum); err != nil {
					return err
				}
			} else {
				c.printf("ran the %s season into %s in %s\n", sum.Season, sum.Database, time.Since(start).Round(time.Millisecond))
			}
			if noServe {
				return nil
			}
			err = c.serve(cmd.Context(), s, serveFlags{addr: addr, token: c.getenv("STATGATE_AUTH_TOKEN"),
				grace: 25 * time.Second, maxBackfillDays: 400, engine: ef}, nil)
			closeStore = !errors.Is(err, errAbandoned)
			return ignoreAbandoned(err)
		},
	}
	cmd.Flags().BoolVar(&noServe, "no-serve", false, "exit after the summary instead of serving the dashboard")
	cmd.Flags().StringVar(&addr, "addr", "localhost:8080", "address to serve the dashboard on (this machine only by default)")
	ef.register(cmd.Flags())
	return cmd
}

// loadEmbedded loads one embedded raw file like `statgate load` would.
func loadEmbedded(ctx context.Context, s pipeline.Store, table, file string) (ingest.Result, error) {
	t := nba.Catalog.Table(table)
	rows, err := rawload.DecodeFiles(t, dataset.FS(), []string{file})
	if err != nil {
		return ingest.Result{}, fmt.Errorf("bundled season: %w", err)
	}
	return ingest.Load(ctx, s, t, rows, ingest.Options{FillEmptyDates: table == nba.Schedule})
}
