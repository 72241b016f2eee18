package main

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/statgate/statgate/internal/pipeline"
)

// eventList is events --json: the events shown, newest first, and whether
// older ones matched beyond --limit.
type eventList struct {
	Events []pipeline.QualityEvent `json:"events"`
	Limit  int                     `json:"limit"`
	More   bool                    `json:"more"`
}

func newEventsCmd(c *cli) *cobra.Command {
	var (
		severity, table, since string
		limit                  int
	)
	cmd := &cobra.Command{
		Use:   "events [--severity critical|warning] [--table T] [--since DURATION] [--limit N]",
		Short: "List quality events, newest first",
		Long: `events lists quality check failures recorded when partitions were checked,
newest first: at most --limit of them, saying so when more match.

--since takes a duration back from now: 90m, 24h, 3d, 2w, or combinations
such as 1d12h.

With --json: {"events": [...], "limit": N, "more": true|false}, each event
as GET /api/events gives it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if severity != "" && severity != string(pipeline.Critical) && severity != string(pipeline.Warning) {
				return usageError{fmt.Errorf("--severity %q: want critical or warning", severity)}
			}
			if table != "" && nbaTable(table) == nil {
				return usageError{fmt.Errorf("--table %q: unknown table", table)}
			}
			if limit < 1 {
				return usageError{fmt.Errorf("--limit %d: want 1 or more", limit)}
			}
			from := time.Time{}
			if since != "" {
				age, err := parseAge(since)
				if err != nil {
					return usageError{fmt.Errorf("--since: %w", err)}
				}
				from = c.now().Add(-age)
			}
			s, err := c.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			all, err := s.Events(cmd.Context(), from, max(limit+1, 100_000))
			if err != nil {
				return err
			}
			list := eventList{Events: []pipeline.QualityEvent{}, Limit: limit}
			for _, e := range all {
				if (severity == "" || string(e.Severity) == severity) && (table == "" || e.Table == table) {
					if len(list.Events) == limit {
						list.More = true
						break
					}
					list.Events = append(list.Events, e)
				}
			}
			if c.jsonOut {
				return c.printJSON(list)
			}
			for _, e := range list.Events {
				version := "not published"
				if e.Version > 0 {
					version = fmt.Sprintf("version %d", e.Version)
				}
				c.printf("%s %-8s %s %s %s %s: observed %s, expected %s (%s)\n", e.CreatedAt.UTC().Format(time.RFC3339),
					e.Severity, e.Table, e.Date, e.Check, e.Subject, e.Observed, e.Expected, version)
			}
			switch {
			case len(list.Events) == 0:
				c.printf("no quality events\n")
			case list.More:
				c.printf("the newest %s shown; older ones match too (--limit N shows more)\n", plural(limit, "event"))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&severity, "severity", "", "critical or warning")
	f.StringVar(&table, "table", "", "only this table")
	f.StringVar(&since, "since", "", "only events this recent: 90m, 24h, 3d, 2w")
	f.IntVar(&limit, "limit", 200, "at most this many")
	return cmd
}

// dayUnits are the units a Go duration lacks.
var dayUnits = regexp.MustCompile(`(\d+)([dw])`)

// parseAge reads a duration as time.ParseDuration does, also taking days
// (d) and weeks (w).
func parseAge(s string) (time.Duration, error) {
	var extra time.Duration
	rest := dayUnits.ReplaceAllStringFunc(s, func(m string) string {
		n, _ := strconv.Atoi(m[:len(m)-1])
		unit := 24 * time.Hour
		if m[len(m)-1] == 'w' {
			unit *= 7
		}
		extra += time.Duration(n) * unit
		return ""
	})
	var d time.Duration
	if rest != "" {
		var err error
		if d, err = time.ParseDuration(rest); err != nil {
			return 0, fmt.Errorf("%q: want a duration such as 90m, 24h, 3d or 2w", s)
		}
	}
	if d+extra <= 0 {
		return 0, fmt.Errorf("%q: want a duration greater than zero, such as 24h or 3d", s)
	}
	return d + extra, nil
}
