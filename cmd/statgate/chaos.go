package main

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/statgate/statgate/internal/chaos"
)

// chaosSummary is what `statgate chaos --json` prints.
type chaosSummary struct {
	Seed        uint64         `json:"seed"`
	Scenarios   int            `json:"scenarios"`
	Instances   int            `json:"instances"`
	Database    string         `json:"database"`
	Violations  map[int]int    `json:"violations_by_invariant"`
	Results     []chaos.Result `json:"results"`
	PerMinute   float64        `json:"scenarios_per_minute"`
	ElapsedSecs float64        `json:"elapsed_seconds"`
}

// errViolations makes the command exit 1 once the report is printed.
var errViolations = errors.New("invariants broken")

func newChaosCmd(c *cli) *cobra.Command {
	var (
		seed      uint64
		scenarios int
		instances int
		pgURL     string
	)
	cmd := &cobra.Command{
		Use:   "chaos [--seed N] [--scenarios K] [--instances M] [--postgres URL]",
		Short: "Run the fault-injection suite: seeded scenarios, then the invariants",
		Long: `chaos runs seeded scenarios on scratch databases. Each delivers a few weeks of
the bundled season as Phase 2 and operators do — out of order, twice, late,
half-written, corrected, a game that never arrives, games still live, a game
moved — to several engines sharing the database, while store and processor
faults are injected and engines are killed and restarted, on a clock the
scenario moves. It then checks that content equals a fault-free run's,
versions never regress, no input fingerprint is published twice, no stale
input was read, every task settles, runs stay bounded, status, explain and the
API agree, and valid data is never rejected or blocked. A broken invariant
prints the seed and the scenario's trace; the exit status is then 1.

Scenario i uses seed N+i, so --seed N --scenarios 1 replays one.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("seed") {
				seed = rand.Uint64() % 1_000_000
			}
			if scenarios < 1 || instances < 1 {
				return usageError{fmt.Errorf("--scenarios and --instances must be at least 1")}
			}
			db := "sqlite"
			if pgURL != "" {
				db = "postgres"
			}
			if !c.jsonOut {
				c.printf("chaos: seeds %d..%d, %s, %s\n", seed, seed+uint64(scenarios)-1, plural(instances, "instance"), db)
			}
			start := time.Now()
			sum := chaosSummary{Seed: seed, Scenarios: scenarios, Instances: instances, Database: db, Violations: map[int]int{}}
			_, err := chaos.Run(cmd.Context(), chaos.Options{Seed: seed, Scenarios: scenarios, Instances: instances, Postgres: pgURL},
				func(res chaos.Result) {
					for _, v := range res.Violations {
						sum.Violations[v.Invariant]++
					}
					sum.Results = append(sum.Results, res)
					if !c.jsonOut {
						c.printChaosResult(res)
					}
				})
			elapsed := time.Since(start)
			sum.ElapsedSecs = elapsed.Seconds()
			if elapsed > 0 {
				sum.PerMinute = float64(scenarios) / elapsed.Minutes()
			}
			if err != nil {
				return err
			}
			if c.jsonOut {
				if err := c.printJSON(sum); err != nil {
					return err
				}
			} else {
				c.printChaosSummary(sum)
			}
			if len(sum.Violations) > 0 {
				return errViolations
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.Uint64Var(&seed, "seed", 0, "first scenario's seed (default: random, printed)")
	fs.IntVar(&scenarios, "scenarios", 20, "how many scenarios to run")
	fs.IntVar(&instances, "instances", 2, "engines sharing each scenario's database")
	fs.StringVar(&pgURL, "postgres", "", "run on PostgreSQL at this URL (a scratch schema per scenario) instead of SQLite")
	return cmd
}

func (c *cli) printChaosResult(res chaos.Result) {
	verdict := "ok"
	if n := len(res.Violations); n > 0 {
		verdict = fmt.Sprintf("%d VIOLATIONS", n)
	}
	c.printf("seed %d  %-52s %s..%s  %2d deliveries  %d kills  %3d faults  %4d runs  %6s  %s\n",
		res.Seed, res.Name, res.From, res.To, res.Deliveries, res.Kills, res.Faults, res.Runs, res.Elapsed.Round(10*time.Millisecond), verdict)
	if len(res.Violations) == 0 {
		return
	}
	for _, v := range res.Violations {
		c.printf("    %s\n", v)
	}
	c.printf("  trace (replay: statgate chaos --seed %d --scenarios 1 --instances %d):\n", res.Seed, res.Instances)
	for i, line := range res.Trace {
		if i == 60 {
			c.printf("    … %d more lines (--json prints them all)\n", len(res.Trace)-60)
			break
		}
		c.printf("    %s\n", line)
	}
}

func (c *cli) printChaosSummary(sum chaosSummary) {
	c.printf("%s in %.1f s (%.1f a minute): ", plural(sum.Scenarios, "scenario"), sum.ElapsedSecs, sum.PerMinute)
	if len(sum.Violations) == 0 {
		c.printf("0 violations\n")
		return
	}
	var kinds []string
	for _, inv := range slices.Sorted(maps.Keys(sum.Violations)) {
		kinds = append(kinds, fmt.Sprintf("invariant %d: %d", inv, sum.Violations[inv]))
	}
	var seeds []string
	for _, r := range sum.Results {
		if len(r.Violations) > 0 {
			seeds = append(seeds, fmt.Sprint(r.Seed))
		}
	}
	c.printf("%s broke invariants (%s); seeds %s\n", plural(len(seeds), "scenario"), strings.Join(kinds, ", "), strings.Join(seeds, " "))
}
