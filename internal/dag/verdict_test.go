package dag_test

import (
	"testing"
	"time"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

var feb3 = pipeline.MustDate("2023-02-03")

// rawVersions are the real raw partitions of d as version 1, recorded at
// recorded, minus the rows of the games in without (per table).
func rawVersions(t *testing.T, d pipeline.Date, recorded time.Time, without map[string]string) map[pipeline.PartKey]pipeline.PartitionVersion {
	t.Helper()
	season := testdb.SeasonRows(t)
	out := map[pipeline.PartKey]pipeline.PartitionVersion{}
	for _, name := range []string{nba.Schedule, nba.Gamebook, nba.TeamBox} {
		tb := nba.Catalog.Table(name)
		var rows []pipeline.Row
		for _, r := range testdb.OnDates(tb, season[name], d, d) {
			if r[tb.MustCol("game_id")] != without[name] {
				rows = append(rows, r)
			}
		}
		out[pipeline.PartKey{Table: name, Date: d}] = pipeline.PartitionVersion{Table: name, Date: d, Version: 1,
			Coverage: tb.Cover(rows), CreatedAt: recorded, FirstRecorded: recorded}
	}
	return out
}

func decisionOf(p dag.Plan, proc string, d pipeline.Date) dag.Decision {
	for _, dec := range p.Decisions {
		if dec.Task.Processor == proc && dec.Task.Date == d {
			return dec
		}
	}
	return dag.Decision{}
}

// TestDeadlineCountsFromTheScheduleRecord: a date long past whose
// schedule was recorded an hour ago waits for a missing game until 36
// hours after the record, not after the date; an explicit run starts past
// it; and once a partition of the date is published partial, that
// decision stands for everyone.
func TestDeadlineCountsFromTheScheduleRecord(t *testing.T) {
	g, err := dag.Build(nba.Catalog, nba.Processors())
	if err != nil {
		t.Fatal(err)
	}
	recorded := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	missing := "20230203_PHX_BOS"
	versions := rawVersions(t, feb3, recorded, map[string]string{nba.Gamebook: missing, nba.TeamBox: missing})
	snap := dag.Snapshot{Now: recorded.Add(time.Hour), From: feb3, To: feb3, Processors: []string{nba.TeamOffense},
		Versions: versions, Tasks: map[pipeline.TaskKey]pipeline.TaskRecord{}, Newest: feb3}
	pol := dag.DefaultPolicy()

	d := decisionOf(g.Decide(snap, pol), nba.TeamOffense, feb3)
	if d.State != pipeline.Waiting || d.Code != dag.CodeIncomplete || !d.WaitUntil.Equal(recorded.Add(36*time.Hour)) {
		t.Errorf("an hour after the schedule was recorded: %s (%s, %s) until %v; want waiting for the game until %v",
			d.State, d.Code, d.Reason, d.WaitUntil, recorded.Add(36*time.Hour))
	}
	explicit := snap
	explicit.Explicit = true
	if d := decisionOf(g.Decide(explicit, pol), nba.TeamOffense, feb3); d.State != pipeline.Ready || !d.Partial {
		t.Errorf("an explicit run: %s (partial %t), want ready, partial", d.State, d.Partial)
	}
	later := snap
	later.Now = recorded.Add(36 * time.Hour)
	if d := decisionOf(g.Decide(later, pol), nba.TeamOffense, feb3); d.State != pipeline.Ready || !d.Partial {
		t.Errorf("36 hours after the schedule was recorded: %s (partial %t), want ready, partial", d.State, d.Partial)
	}
	// Team defense published partial by an explicit run: team offense of
	// the date is past its deadline too.
	decided := snap
	decided.Versions = map[pipeline.PartKey]pipeline.PartitionVersion{}
	for k, v := range versions {
		decided.Versions[k] = v
	}
	decided.Versions[pipeline.PartKey{Table: nba.TeamDefense, Date: feb3}] = pipeline.PartitionVersion{Table: nba.TeamDefense, Date: feb3, Version: 1, Partial: true}
	if d := decisionOf(g.Decide(decided, pol), nba.TeamOffense, feb3); d.State != pipeline.Ready || !d.Partial {
		t.Errorf("with the date's team defense published partial: %s (partial %t), want ready, partial", d.State, d.Partial)
	}
}

// TestStalenessByCause: new input data recomputes a partition whatever its
// date's age; a processor version change alone recomputes it only within
// auto_refresh_days of the newest played date, and leaves older ones
// stale for a backfill. Every ready task is planned against its output's
// current version.
func TestStalenessByCause(t *testing.T) {
	g, err := dag.Build(nba.Catalog, nba.Processors())
	if err != nil {
		t.Fatal(err)
	}
	recorded := time.Date(2023, 2, 4, 6, 0, 0, 0, time.UTC)
	versions := rawVersions(t, feb3, recorded, nil)
	snap := dag.Snapshot{Now: recorded.Add(time.Hour), From: feb3, To: feb3, Processors: []string{nba.TeamOffense},
		Versions: versions, Tasks: map[pipeline.TaskKey]pipeline.TaskRecord{}}
	pol := dag.DefaultPolicy()
	fresh := decisionOf(g.Decide(snap, pol), nba.TeamOffense, feb3)
	if fresh.State != pipeline.Ready || fresh.Code != dag.CodeNew || fresh.Base != 0 {
		t.Fatalf("never published: %s (%s), base %d; want ready, new, base 0", fresh.State, fresh.Code, fresh.Base)
	}
	out := pipeline.PartKey{Table: nba.TeamOffense, Date: feb3}
	for _, tc := range []struct {
		name     string
		version  string // the processor version the output was computed by
		newer    bool   // the box score has a new version since
		newest   pipeline.Date
		want     string
		wantCode dag.Code
	}{
		{"new data, recent date", "1", true, feb3, pipeline.Ready, dag.CodeInputsChanged},
		{"new data, a date months old", "1", true, feb3.AddDays(120), pipeline.Ready, dag.CodeInputsChanged},
		{"new code, recent date", "0", false, feb3.AddDays(10), pipeline.Ready, dag.CodeProcessorChanged},
		{"new code, a date months old", "0", false, feb3.AddDays(120), pipeline.Stale, dag.CodeLeftForBackfill},
		{"new code and new data, a date months old", "0", true, feb3.AddDays(120), pipeline.Ready, dag.CodeInputsChanged},
		{"nothing changed", "1", false, feb3.AddDays(120), pipeline.Published, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := snap
			s.Newest = tc.newest
			s.Versions = map[pipeline.PartKey]pipeline.PartitionVersion{}
			for k, v := range versions {
				s.Versions[k] = v
			}
			// Published by processor version tc.version from version 1 of every input.
			s.Versions[out] = pipeline.PartitionVersion{Table: out.Table, Date: feb3, Version: 3, ProcessorVersion: tc.version,
				Fingerprint: pipeline.Fingerprint(tc.version, fresh.Inputs, nil, nil)}
			if tc.newer {
				box := pipeline.PartKey{Table: nba.TeamBox, Date: feb3}
				v := s.Versions[box]
				v.Version = 2
				s.Versions[box] = v
			}
			d := decisionOf(g.Decide(s, pol), nba.TeamOffense, feb3)
			if d.State != tc.want || d.Code != tc.wantCode {
				t.Errorf("%s: %s (%s: %s), want %s (%s)", tc.name, d.State, d.Code, d.Reason, tc.want, tc.wantCode)
			}
			if d.Base != 3 {
				t.Errorf("%s: planned against version %d, want the current 3", tc.name, d.Base)
			}
		})
	}
}

// TestInputBeingRecomputedIsNotReady: a player summary whose team offense
// is about to be recomputed waits for it, naming it.
func TestInputBeingRecomputedIsNotReady(t *testing.T) {
	g, err := dag.Build(nba.Catalog, nba.Processors())
	if err != nil {
		t.Fatal(err)
	}
	recorded := time.Date(2023, 2, 4, 6, 0, 0, 0, time.UTC)
	versions := rawVersions(t, feb3, recorded, nil)
	// Team offense was published before the box score's second version.
	versions[pipeline.PartKey{Table: nba.TeamOffense, Date: feb3}] = pipeline.PartitionVersion{Table: nba.TeamOffense, Date: feb3, Version: 1, ProcessorVersion: "1", Fingerprint: "old"}
	snap := dag.Snapshot{Now: recorded.Add(time.Hour), From: feb3, To: feb3, Processors: []string{nba.TeamOffense, nba.PlayerGame},
		Versions: versions, Tasks: map[pipeline.TaskKey]pipeline.TaskRecord{}, Newest: feb3}
	p := g.Decide(snap, dag.DefaultPolicy())
	if d := decisionOf(p, nba.TeamOffense, feb3); d.State != pipeline.Ready {
		t.Fatalf("team offense with new inputs: %s, want ready", d.State)
	}
	d := decisionOf(p, nba.PlayerGame, feb3)
	if d.State != pipeline.Waiting || d.Code != dag.CodeInputPending || d.Reason != "team_offense_game_summary 2023-02-03 being recomputed" {
		t.Errorf("player summary: %s (%s: %s), want waiting for team offense being recomputed", d.State, d.Code, d.Reason)
	}
}

// TestReach: the nba graph's verdicts reach thirty days back.
func TestReach(t *testing.T) {
	g, err := dag.Build(nba.Catalog, nba.Processors())
	if err != nil {
		t.Fatal(err)
	}
	if got := g.Reach(); got != 30 {
		t.Errorf("Reach() = %d, want 30", got)
	}
}

// TestDeadLeaseIsDecidedAgainWhenItExpires: a record a process that died
// left running, under a lease not yet expired, is decided again when the
// lease expires, whatever the verdict — here the output is already current
// (another process published the same computation) — so that the engine
// writes over the dead process's record then. Before, a current output had
// no time to be decided again at, and the record said running for good.
func TestDeadLeaseIsDecidedAgainWhenItExpires(t *testing.T) {
	g, err := dag.Build(nba.Catalog, nba.Processors())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	snap := dag.Snapshot{Now: now, From: feb3, To: feb3, Processors: []string{nba.TeamOffense},
		Versions: rawVersions(t, feb3, now.Add(-72*time.Hour), nil), Tasks: map[pipeline.TaskKey]pipeline.TaskRecord{}, Newest: feb3}
	first := decisionOf(g.Decide(snap, dag.DefaultPolicy()), nba.TeamOffense, feb3)
	if !first.Start {
		t.Fatalf("team offense %s = %s (%s), want ready", feb3, first.State, first.Reason)
	}
	snap.Versions[pipeline.PartKey{Table: nba.TeamOffense, Date: feb3}] = pipeline.PartitionVersion{
		Table: nba.TeamOffense, Date: feb3, Version: 1, Fingerprint: first.Fingerprint}
	expires := now.Add(20 * time.Second)
	snap.Tasks[first.Task] = pipeline.TaskRecord{Key: first.Task, State: pipeline.Running, LeaseOwner: "dead", LeaseExpiresAt: expires}
	dec := decisionOf(g.Decide(snap, dag.DefaultPolicy()), nba.TeamOffense, feb3)
	if dec.State != pipeline.Published || !dec.WaitUntil.Equal(expires) {
		t.Errorf("current output, record running under a live lease: %s, wait until %v; want published, decided again at %v", dec.State, dec.WaitUntil, expires)
	}
}
