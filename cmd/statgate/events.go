package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/statgate/statgate/internal/pipeline"
)

func newEventsCmd(c *cli) *cobra.Command {
	var (
		severity, table string
		since           time.Duration
		limit           int
	)
	cmd := &cobra.Command{
		Use:   "events [--severity critical|warning] [--table T] [--since DURATION]",
		Short: "List quality events, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if severity != "" && severity != string(pipeline.Critical) && severity != string(pipeline.Warning) {
				return usageError{fmt.Errorf("--severity %q: want critical or warning", severity)}
			}
			if table != "" && nbaTable(table) == nil {
				return usageError{fmt.Errorf("--table %q: unknown table", table)}
			}
			s, err := c.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			from := time.Time{}
			if since > 0 {
				from = c.now().Add(-since)
			}
			all, err := s.Events(cmd.Context(), from, 100_000)
			if err != nil {
				return err
			}
			var out []pipeline.QualityEvent
			for _, e := range all {
				if (severity == "" || string(e.Severity) == severity) && (table == "" || e.Table == table) {
					out = append(out, e)
				}
				if len(out) == limit {
					break
				}
			}
			if c.jsonOut {
				return c.printJSON(out)
			}
			for _, e := range out {
				version := "not published"
				if e.Version > 0 {
					version = fmt.Sprintf("version %d", e.Version)
				}
				c.printf("%s %-8s %s %s %s %s: observed %s, expected %s (%s)\n", e.CreatedAt.UTC().Format(time.RFC3339),
					e.Severity, e.Table, e.Date, e.Check, e.Subject, e.Observed, e.Expected, version)
			}
			if len(out) == 0 {
				c.printf("no quality events\n")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&severity, "severity", "", "critical or warning")
	f.StringVar(&table, "table", "", "only this table")
	f.DurationVar(&since, "since", 0, "only events this recent (e.g. 24h)")
	f.IntVar(&limit, "limit", 200, "at most this many")
	return cmd
}
