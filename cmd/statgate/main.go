// Command statgate is the analytics stage of the NBA stats platform: it
// loads raw box scores, computes the analytics tables in dependency order
// behind completeness gates and quality checks, and serves them.
//
// main is a wiring diagram: flags and environment are read here and nowhere
// else; everything else lives under internal/.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/statgate/statgate/internal/alert"
)

// cli carries what every subcommand needs from the outside world, so tests
// can run the real commands in-process.
type cli struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	now            func() time.Time

	// Persistent flags.
	db             string
	jsonOut        bool
	logLevel       string
	keepVersions   int
	alertURL       string
	alertBackfills bool
	profileDir     string
	webhook        *alert.Webhook
	stopWebhook    func()
	stopProfile    func() error
	// progressEvery: how often progress is written off a terminal
	// (default progressEvery).
	progressEvery time.Duration
	// taskDone, when set, is called as each task of a backfill settles
	// (tests interrupt a backfill part way with it).
	taskDone func()
	// ran: the command's own work began (its arguments and flags were
	// accepted); an error before that is a usage error.
	ran bool
}

// usageError marks errors in how the command was called (exit status 2).
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// runError marks an error of the program's own set-up (a profile that
// cannot be written) found before the command ran: exit status 1.
type runError struct{ error }

func (e runError) Unwrap() error { return e.error }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &cli{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, now: time.Now})
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit status.
func run(ctx context.Context, args []string, c *cli) int {
	root := newRoot(c)
	root.SetArgs(args)
	root.SetOut(c.stdout)
	root.SetErr(c.stderr)
	err := root.ExecuteContext(ctx)
	c.stopAlerts()
	if c.stopProfile != nil {
		if perr := c.stopProfile(); err == nil {
			err = perr
		}
	}
	if err == nil {
		return 0
	}
	fmt.Fprintln(c.stderr, "statgate:", err)
	var (
		ue usageError
		re runError
	)
	if errors.As(err, &ue) || (!c.ran && !errors.As(err, &re)) {
		fmt.Fprintln(c.stderr, "(statgate help COMMAND shows how to call it)")
		return 2
	}
	return 1
}
