package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
)

func newRoot(c *cli) *cobra.Command {
	root := &cobra.Command{
		Use:   "statgate",
		Short: "Dependency-safe analytics for NBA box scores",
		Long: `statgate turns raw NBA box scores into analytics tables per game date, in
dependency order, behind completeness gates and quality checks.

The database is chosen with --db or STATGATE_DB: a file path or sqlite:PATH for
the embedded default (statgate.db), or a postgres:// URL.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		stop, err := c.startProfile()
		c.stopProfile = stop
		if err != nil {
			return runError{err}
		}
		return nil
	}
	pf := root.PersistentFlags()
	pf.StringVar(&c.db, "db", "", "database: PATH, sqlite:PATH or postgres://… (env STATGATE_DB; default statgate.db)")
	pf.BoolVar(&c.jsonOut, "json", false, "print machine-readable JSON")
	pf.StringVar(&c.logLevel, "log-level", "warn", "log level: debug, info, warn or error")
	pf.IntVar(&c.keepVersions, "history-retention", 20, "earlier versions of each analytics partition kept for rollback (0: all)")
	pf.StringVar(&c.alertURL, "alert-webhook", "", "Slack-compatible webhook URL for alerts (env STATGATE_ALERT_WEBHOOK)")
	pf.BoolVar(&c.alertBackfills, "alert-backfills", false, "also alert on what backfills find (muted by default)")
	pf.StringVar(&c.profileDir, "profile", "", "write a CPU profile, a heap profile and peak memory of the command into this directory (go tool pprof)")
	root.AddCommand(newLoadCmd(c), newRunCmd(c), newBackfillCmd(c), newStatusCmd(c), newPlanCmd(c), newExplainCmd(c), newEventsCmd(c), newRollbackCmd(c), newGraphCmd(c), newVersionCmd(c), newDemoCmd(c), newServeCmd(c), newChaosCmd(c), newGenCmd(c), newBenchCmd(c))
	markRuns(c, root)
	return root
}

// markRuns wraps every command's RunE so that run can tell an error of the
// command's work from one cobra found in how it was called (unknown
// command, wrong arguments, a required flag missing): those exit 2.
func markRuns(c *cli, cmd *cobra.Command) {
	if body := cmd.RunE; body != nil {
		cmd.RunE = func(cmd *cobra.Command, args []string) error {
			c.ran = true
			return body(cmd, args)
		}
	}
	for _, sub := range cmd.Commands() {
		markRuns(c, sub)
	}
}

// printJSON writes v as indented JSON on stdout.
func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (c *cli) printf(format string, args ...any) { fmt.Fprintf(c.stdout, format, args...) }

// exactArgs is cobra.ExactArgs reported as a usage error.
func minArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.MinimumNArgs(n)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}
