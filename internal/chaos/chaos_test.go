package chaos

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/ingest"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/sqlite"
	"github.com/statgate/statgate/internal/testdb"
)

// report logs a scenario and fails the test with its seed, violations and
// trace when it broke an invariant.
func report(t *testing.T, res Result) {
	t.Helper()
	t.Logf("seed %d %s %s..%s: %d deliveries, %d instances, %d kills, %d faults, %d runs, %s simulated in %s",
		res.Seed, res.Name, res.From, res.To, res.Deliveries, res.Instances, res.Kills, res.Faults, res.Runs,
		res.Simulated.Round(time.Second), res.Elapsed.Round(time.Millisecond))
	if len(res.Violations) == 0 {
		return
	}
	var b strings.Builder
	for _, v := range res.Violations {
		fmt.Fprintf(&b, "  %s\n", v)
	}
	for i, line := range res.Trace {
		if i == 80 {
			fmt.Fprintf(&b, "  … %d more trace lines\n", len(res.Trace)-80)
			break
		}
		fmt.Fprintf(&b, "    %s\n", line)
	}
	t.Errorf("seed %d (%s) broke invariants; replay with statgate chaos --seed %d --scenarios 1 --instances %d:\n%s",
		res.Seed, res.Name, res.Seed, res.Instances, b.String())
}

// TestScenarios runs a fixed set of seeds on SQLite, two engines each:
// every incident at least once (CI runs more with statgate chaos).
func TestScenarios(t *testing.T) {
	n := 16
	if raceEnabled || testing.Short() {
		n = 2
	}
	if _, err := Run(context.Background(), Options{Seed: 1, Scenarios: n, Instances: 2, Dir: t.TempDir()},
		func(r Result) { report(t, r) }); err != nil {
		t.Fatal(err)
	}
}

// TestScenariosPostgres runs a fixed set of seeds on PostgreSQL, three
// engines each, woken across processes by LISTEN/NOTIFY.
func TestScenariosPostgres(t *testing.T) {
	url := testdb.PostgresURL(t)
	n := 8
	if raceEnabled || testing.Short() {
		n = 1
	}
	if _, err := Run(context.Background(), Options{Seed: 101, Scenarios: n, Instances: 3, Postgres: url, Dir: t.TempDir()},
		func(r Result) { report(t, r) }); err != nil {
		t.Fatal(err)
	}
}

// TestScenarioIsSeeded: a seed always makes the same scenario; eight
// seeds in a row name every incident; what is final is what was
// delivered last; every delivery's rows belong to its date.
func TestScenarioIsSeeded(t *testing.T) {
	a, err := NewScenario(42, 3)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewScenario(42, 3)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("NewScenario(42) twice differs:\n%s", diff)
	}
	if c, _ := NewScenario(43, 3); cmp.Equal(a.Deliveries, c.Deliveries) {
		t.Error("seeds 42 and 43 deliver the same")
	}
	names := map[string]bool{}
	for seed := range uint64(len(Incidents)) {
		sc, err := NewScenario(seed, 2)
		if err != nil {
			t.Fatal(err)
		}
		incident, _, _ := strings.Cut(sc.Name, ", ")
		names[incident] = true
		last := map[pipeline.PartKey][]pipeline.Row{}
		for _, d := range sc.Deliveries {
			tb := nba.Catalog.Table(d.Table)
			for _, r := range d.Rows {
				if r[tb.DateIndex()] != d.Date {
					t.Fatalf("seed %d: delivery %s holds a row dated %v", seed, d, r[tb.DateIndex()])
				}
			}
			if d.Via == ViaLoad || d.Via == ViaAnnounce {
				last[pipeline.PartKey{Table: d.Table, Date: d.Date}] = d.Rows
			}
		}
		if !cmp.Equal(last, sc.Final) {
			t.Errorf("seed %d: Final is not what was delivered last", seed)
		}
		for d := sc.From; d <= sc.To; d++ {
			if _, ok := sc.Final[pipeline.PartKey{Table: nba.Schedule, Date: d}]; !ok {
				t.Errorf("seed %d: no schedule delivered for %s", seed, d)
			}
		}
	}
	for _, name := range Incidents {
		if !names[name] {
			t.Errorf("no scenario named %q among the first %d seeds", name, len(Incidents))
		}
	}
}

// TestCheckerFindsBrokenHistories: the invariants over history catch what
// the original service did: a version computed from fewer inputs than
// its predecessor, the same fingerprint published twice, and a player
// summary computed from a team offense whose box score had already been
// replaced.
func TestCheckerFindsBrokenHistories(t *testing.T) {
	ctx := context.Background()
	d := pipeline.MustDate("2023-02-03")
	clock := NewClock(time.Date(2023, 2, 4, 6, 0, 0, 0, time.UTC))
	s, err := sqlite.Open(ctx, sqlite.Config{Path: t.TempDir() + "/broken.db", Catalog: nba.Catalog, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	season := testdb.SeasonRows(t)
	for _, name := range []string{nba.Schedule, nba.TeamBox} {
		tb := nba.Catalog.Table(name)
		if _, err := ingest.LoadDates(ctx, s, tb, []pipeline.Date{d}, testdb.OnDates(tb, season[name], d, d)); err != nil {
			t.Fatal(err)
		}
	}
	sched := pipeline.InputVersion{Table: nba.Schedule, Date: d, Version: 1}
	box := pipeline.InputVersion{Table: nba.TeamBox, Date: d, Version: 1}
	// The checker reads lineage and fingerprints; the rows do not matter.
	publish := func(table string, inputs ...pipeline.InputVersion) {
		t.Helper()
		_, err := s.Publish(ctx, []pipeline.Publication{{Table: nba.Catalog.Table(table), Date: d, Source: pipeline.SourceCompute,
			ProcessorVersion: "1", Inputs: inputs, Fingerprint: pipeline.Fingerprint("1", inputs, nil, nil)}})
		if err != nil {
			t.Fatal(err)
		}
	}
	publish(nba.TeamOffense, sched, box)
	publish(nba.TeamOffense, sched)      // fewer inputs than version 1
	publish(nba.TeamOffense, sched, box) // version 1's fingerprint again
	// The box score is replaced; a player summary is then computed from
	// team offense version 3, which read the replaced box score.
	tb := nba.TeamBoxTable
	if _, err := ingest.LoadDates(ctx, s, tb, []pipeline.Date{d}, testdb.OnDates(tb, season[tb.Name], d, d)[:2]); err != nil {
		t.Fatal(err)
	}
	publish(nba.PlayerGame, pipeline.InputVersion{Table: nba.TeamOffense, Date: d, Version: 3})

	var v violations
	if err := checkHistory(ctx, s, d, d, &v); err != nil {
		t.Fatal(err)
	}
	got := map[int]int{}
	for _, x := range v.list {
		got[x.Invariant]++
		t.Log(x)
	}
	if diff := cmp.Diff(map[int]int{2: 1, 3: 1, 4: 1}, got); diff != "" {
		t.Errorf("violations by invariant (-want +got):\n%s", diff)
	}
}
