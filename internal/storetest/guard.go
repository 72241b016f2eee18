package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/nba"
	p "github.com/statgate/statgate/internal/pipeline"
)

// guarded is a team offense publication for opening computed from inputs,
// planned against output version base. Its content varies with points for
// one fingerprint, as a forced recomputation's may, so it is forced: a
// computation is otherwise skipped when its fingerprint is already
// published, before any guard is looked at.
func guarded(base int, inputs []p.InputVersion, points int64) p.Publication {
	return p.Publication{Table: nba.TeamOffenseTable, Date: opening, Rows: []p.Row{teamOffenseRow(opening, points, 98.2)},
		Source: p.SourceCompute, ProcessorVersion: "1", Inputs: inputs, Fingerprint: p.Fingerprint("1", inputs, nil, nil),
		Force: true, Guard: p.NewGuard(base, nba.TeamOffenseProcessor{}.Inputs(), opening)}
}

// testGuard: a computed publication commits only while its output is at
// the planned version and every declared input window holds exactly what
// it read; an input that appeared since, or an output that moved, is a
// conflict that writes nothing. Equal content re-stamps the current
// version instead of making a new one.
func testGuard(t *testing.T, s p.Store) {
	ctx := context.Background()
	publish(t, s, load(nba.ScheduleTable, opening, scheduleRows()))
	scheduleOnly := []p.InputVersion{{Table: nba.Schedule, Date: opening, Version: 1}}
	first := publish(t, s, guarded(0, scheduleOnly, 100))
	if !first[0].Created || first[0].Version != 1 {
		t.Fatalf("first guarded publication = %+v, want version 1", first[0])
	}
	// Planned against version 0, the output is at 1 now.
	if _, err := s.Publish(ctx, []p.Publication{guarded(0, scheduleOnly, 101)}); !errors.Is(err, p.ErrConflict) {
		t.Errorf("Publish planned against version 0 of an output at 1: %v, want ErrConflict", err)
	}
	// The gamebook, a declared input absent when the task read its inputs,
	// is published: the schedule-only computation may not commit.
	publish(t, s, load(nba.GamebookTable, opening, gamebookRows()))
	if _, err := s.Publish(ctx, []p.Publication{guarded(1, scheduleOnly, 102)}); !errors.Is(err, p.ErrConflict) {
		t.Errorf("Publish without an input that appeared since: %v, want ErrConflict", err)
	}
	both := []p.InputVersion{{Table: nba.Gamebook, Date: opening, Version: 1}, {Table: nba.Schedule, Date: opening, Version: 1}}
	// Inputs outside every declared window are no concern: a schedule on
	// the next day changes nothing for this task.
	publish(t, s, load(nba.ScheduleTable, opening.AddDays(1), nil))
	// Same content from the new inputs: version 1 is re-stamped.
	res := publish(t, s, guarded(1, both, 100))
	if res[0].Created || !res[0].Restamped || res[0].Version != 1 {
		t.Errorf("guarded publication of equal content = %+v, want version 1 re-stamped", res[0])
	}
	v, err := s.CurrentVersion(ctx, nba.TeamOffense, opening)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(both, v.Inputs); diff != "" || v.Fingerprint != p.Fingerprint("1", both, nil, nil) {
		t.Errorf("re-stamped version: fingerprint %s, lineage (-want +got):\n%s", v.Fingerprint, diff)
	}
	if hist, _ := s.History(ctx, nba.TeamOffense, opening); len(hist) != 1 {
		t.Errorf("History after a re-stamp = %d versions, want 1", len(hist))
	}
	// New content publishes version 2.
	if res := publish(t, s, guarded(1, both, 103)); !res[0].Created || res[0].Version != 2 {
		t.Errorf("guarded publication of new content = %+v, want version 2", res[0])
	}
	// Every partition remembers when its first version was recorded.
	parts, err := s.Partitions(ctx, p.PartitionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, pv := range parts {
		if pv.FirstRecorded.IsZero() || pv.FirstRecorded.After(pv.CreatedAt) {
			t.Errorf("%s %s version %d: first recorded %v, created %v; want a first-recorded time no later than the version", pv.Table, pv.Date, pv.Version, pv.FirstRecorded, pv.CreatedAt)
		}
	}
}

// testStaleInput: a guarded computation that read an analytics partition
// whose own input has been replaced since (a stale input) is a conflict;
// once that partition is recomputed, the computation commits. A rolled
// back version is read as it is: its lineage is history.
func testStaleInput(t *testing.T, s p.Store) {
	ctx := context.Background()
	publish(t, s, load(nba.ScheduleTable, opening, scheduleRows()), load(nba.GamebookTable, opening, gamebookRows()))
	team := func(base int, gamebook int, points int64) p.Publication {
		in := []p.InputVersion{{Table: nba.Gamebook, Date: opening, Version: gamebook}, {Table: nba.Schedule, Date: opening, Version: 1}}
		return p.Publication{Table: nba.TeamOffenseTable, Date: opening, Rows: []p.Row{teamOffenseRow(opening, points, 98.2)},
			Source: p.SourceCompute, ProcessorVersion: "1", Inputs: in, Fingerprint: p.Fingerprint("1", in, nil, nil),
			Guard: p.NewGuard(base, nba.TeamOffenseProcessor{}.Inputs(), opening)}
	}
	player := func(teamVersion int) p.Publication {
		in := []p.InputVersion{{Table: nba.Gamebook, Date: opening, Version: 2}, {Table: nba.Schedule, Date: opening, Version: 1},
			{Table: nba.TeamOffense, Date: opening, Version: teamVersion}}
		return p.Publication{Table: nba.PlayerGameTable, Date: opening, Source: p.SourceCompute, ProcessorVersion: "1",
			Inputs: in, Fingerprint: p.Fingerprint("1", in, nil, nil), Guard: p.NewGuard(0, nba.PlayerGameProcessor{}.Inputs(), opening)}
	}
	publish(t, s, team(0, 1, 100))
	publish(t, s, load(nba.GamebookTable, opening, gamebookRows()[:1])) // gamebook version 2
	if _, err := s.Publish(ctx, []p.Publication{player(1)}); !errors.Is(err, p.ErrConflict) {
		t.Errorf("Publish reading team offense computed from a replaced gamebook: %v, want ErrConflict", err)
	}
	publish(t, s, team(1, 2, 101))
	if res := publish(t, s, player(2)); !res[0].Created {
		t.Errorf("Publish reading the recomputed team offense = %+v, want a version", res[0])
	}
	// Team offense rolled back to version 1's content (computed from
	// gamebook version 1): a new version whose lineage says so.
	back := team(0, 1, 100)
	back.Source, back.RestoredFrom, back.Guard = p.SourceRollback, 1, nil
	publish(t, s, back)
	next := player(3)
	next.Guard.Base = 1
	if res, err := s.Publish(ctx, []p.Publication{next}); err != nil || !res[0].Created && !res[0].Restamped {
		t.Errorf("Publish reading the rolled-back team offense = %+v, %v; want it committed", res, err)
	}
}
