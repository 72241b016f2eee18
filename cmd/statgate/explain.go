package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/pipeline"
)

func newExplainCmd(c *cli) *cobra.Command {
	var ef engineFlags
	cmd := &cobra.Command{
		Use:   "explain PROCESSOR DATE",
		Short: "Say why a task is in its state: inputs, missing games, errors, lineage",
		Long: `explain says why a task (processor, date) is in its state: the inputs it
reads or waits for, missing games, its publish deadline, the last error and
next retry, and the current version with its lineage.

With --json: {"verdict" (as status --json gives it), "decision" (the
planner's), "attempts", "last_error", "next_retry", "current_version",
"history"}.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := parseDateFlag("date", args[1])
			if err != nil {
				return err
			}
			s, e, g, err := c.openEngine(cmd.Context(), ef, nil)
			if err != nil {
				return err
			}
			defer s.Close()
			if _, err := processorNames(g, args[:1]); err != nil {
				return err
			}
			ex, err := e.Describe(cmd.Context(), pipeline.TaskKey{Processor: args[0], Date: d})
			if err != nil {
				return err
			}
			if c.jsonOut {
				return c.printJSON(ex)
			}
			c.printExplanation(ex)
			return nil
		},
	}
	ef.register(cmd.Flags())
	return cmd
}

func (c *cli) printExplanation(ex engine.Explanation) {
	d := ex.Decision
	c.printf("%s %s: %s\n", d.Task.Processor, d.Task.Date, ex.Verdict.State)
	if d.Reason != "" {
		c.printf("  why: %s\n", d.Reason)
	}
	if v := ex.Verdict; !v.Deadline.IsZero() {
		switch {
		case v.Late:
			c.printf("  late: due %s, never published\n", formatDue(v.Deadline))
		default:
			c.printf("  due: %s\n", formatDue(v.Deadline))
		}
	}
	if len(d.Missing) > 0 {
		verb := "waiting for"
		if d.Partial {
			verb = "published without"
		}
		c.printf("  %s %s: %s\n", verb, plural(len(d.Missing), "game"), strings.Join(d.Missing, ", "))
	}
	if len(d.Fallback) > 0 {
		c.printf("  team totals summed from the gamebook for: %s\n", strings.Join(d.Fallback, ", "))
	}
	if !d.WaitUntil.IsZero() {
		c.printf("  re-decided by time at: %s\n", d.WaitUntil.UTC().Format(time.RFC3339))
	}
	if ex.LastError != "" {
		c.printf("  last error (attempt %d): %s\n", ex.Attempts, ex.LastError)
	}
	if ex.NextRetry != nil {
		c.printf("  next retry: %s\n", ex.NextRetry.UTC().Format(time.RFC3339))
	}
	if len(d.Inputs) > 0 {
		c.printf("  inputs it reads now (%s):\n", plural(len(d.Inputs), "partition"))
		for i, in := range d.Inputs {
			if i == 12 {
				c.printf("    … and %d more\n", len(d.Inputs)-12)
				break
			}
			c.printf("    %s %s version %d\n", in.Table, in.Date, in.Version)
		}
	}
	if v := ex.Current; v != nil {
		c.printf("  current version %d: %s, hash %s, %s, processor %s, build %s, partial %t\n",
			v.Version, plural(v.RowCount, "row"), v.ContentHash[:12], v.CreatedAt.UTC().Format(time.RFC3339), v.ProcessorVersion, v.BuildRevision, v.Partial)
		c.printf("  computed from %s; up to date: %t\n", plural(len(v.Inputs), "input partition"), v.Fingerprint == d.Fingerprint)
	} else {
		c.printf("  never published\n")
	}
}

// plural says "1 game" or "3 games".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
