package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/bench"
	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/sqlite"
	"github.com/statgate/statgate/internal/testdb"
)

// decodeStrict parses out as exactly one JSON value into v, refusing
// fields v does not declare: the output is the documented schema.
func decodeStrict(out string, v any) error {
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); err == nil {
		return &json.SyntaxError{Offset: dec.InputOffset()}
	}
	return nil
}

// TestEveryCommandJSON runs every command that prints results with --json,
// on the real season and on an empty database, and parses what it prints.
func TestEveryCommandJSON(t *testing.T) {
	t.Parallel()
	db := sharedDemo(t)
	empty := filepath.Join(t.TempDir(), "empty.db")
	schedule := writeFile(t, t.TempDir(), "s.csv", scheduleHeader+
		"20221018_PHI_BOS,0022200001,2022-10-18,2022,regular,BOS,PHI,3,Final,126,117\n"+
		"20221018_LAL_GSW,0022200002,2022-10-18,2022,regular,GSW,LAL,3,Final,123,109\n")
	var (
		cells    []statusCell
		events   eventList
		graphOut graphJSON
		version  versionResult
		run      []dag.Decision
		backfill backfillSummary
		explain  engine.Explanation
		loaded   map[string]any
		demoSum  demoSummary
		planned  planOutput
		measured bench.Report
	)
	for _, tc := range []struct {
		db   string
		args []string
		into any
		// check looks at the parsed value; "" is fine.
		check func() string
	}{
		{db, []string{"version"}, &version, func() string {
			if version.Source == "" || version.Go == "" || len(version.Processors) != 5 {
				return "no revision source, Go version or the five processors"
			}
			return ""
		}},
		{db, []string{"graph", "--format", "dot"}, &graphOut, func() string {
			if graphOut.Format != "dot" || !strings.HasPrefix(graphOut.Rendered, "digraph") || len(graphOut.Processors) != 5 {
				return "want the five processors and the dot rendering"
			}
			return ""
		}},
		{db, []string{"status", "--from", "2023-02-01", "--to", "2023-02-05"}, &cells, func() string {
			if len(cells) != 25 {
				return "want 25 cells"
			}
			return ""
		}},
		{db, []string{"status", "--problems"}, &cells, func() string {
			for _, c := range cells {
				if c.State != engine.Partial || !slicesEqual(c.Problems, []string{"partial"}) {
					return "the season's only problems are its 48 partial partitions; got " + c.State
				}
			}
			if len(cells) != 48 {
				return "want the 48 partial partitions"
			}
			return ""
		}},
		{db, []string{"explain", "player_game_summary", "2023-02-03"}, &explain, func() string {
			if explain.Verdict.State != pipeline.Published || explain.Verdict.Deadline.IsZero() || explain.Verdict.Late {
				return "want published, with a deadline, not late"
			}
			return ""
		}},
		{db, []string{"events", "--since", "3650d", "--limit", "5"}, &events, func() string {
			if len(events.Events) != 5 || !events.More || events.Limit != 5 {
				return "want 5 events and more"
			}
			return ""
		}},
		{db, []string{"run", "--date", "2023-02-03"}, &run, func() string {
			if len(run) != 5 {
				return "want five tasks"
			}
			return ""
		}},
		{db, []string{"backfill", "--from", "2023-02-01", "--to", "2023-02-05", "--mode", "all", "--dry-run"}, &backfill, func() string {
			if backfill.WouldRun != 25 || backfill.Problems == nil || len(backfill.Problems) != 0 || backfill.Runs == nil {
				return "want 25 to run, [] problems and {} runs"
			}
			return ""
		}},
		{db, []string{"load", "--table", "nbac_schedule", schedule}, &loaded, nil},
		{db, []string{"plan", "--canary"}, &planned, func() string {
			if len(planned.Processors) != 5 || planned.Promoted == nil {
				return "want the five processors and [] promoted"
			}
			return ""
		}},
		{empty, []string{"bench", "--days", "3", "--runs", "1", "--seasons", "1"}, &measured, func() string {
			if measured.Tasks == 0 || len(measured.Databases) != 1 || measured.Databases[0].BackfillMS <= 0 {
				return "want one database measured"
			}
			return ""
		}},
		{empty, []string{"status"}, &cells, func() string {
			if cells == nil || len(cells) != 0 {
				return "want []"
			}
			return ""
		}},
		{empty, []string{"status", "--problems"}, &cells, nil},
		{empty, []string{"events"}, &events, func() string {
			if events.Events == nil || len(events.Events) != 0 {
				return `want "events": []`
			}
			return ""
		}},
	} {
		code, out, errs := runCLI(t, tc.db, append([]string{"--json"}, tc.args...)...)
		if code != 0 {
			t.Errorf("statgate --json %v: exit %d (%s)", tc.args, code, errs)
			continue
		}
		if err := decodeStrict(out, tc.into); err != nil {
			t.Errorf("statgate --json %v: %v in %q", tc.args, err, out)
			continue
		}
		if tc.check != nil {
			if why := tc.check(); why != "" {
				t.Errorf("statgate --json %v: %s:\n%s", tc.args, why, out)
			}
		}
	}
	if err := decodeStrict(demo.out, &demoSum); err != nil || demoSum.Pipeline.Recorded["warning"] != 48 {
		t.Errorf("demo --json: %v, %d warning events recorded; want 48", err, demoSum.Pipeline.Recorded["warning"])
	}
}

func slicesEqual(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

// TestUsageErrorsExit2: every mistake in how a command is called exits 2,
// naming the mistake; errors of the work itself exit 1.
func TestUsageErrorsExit2(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "statgate.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"explain", "player_game_summary"}, "accepts 2 arg(s)"},
		{[]string{"version", "extra"}, "unknown command"},
		{[]string{"backfill"}, `required flag(s) "from", "to" not set`},
		{[]string{"backfill", "--from", "2023-02-05", "--to", "2023-02-01"}, "before --from"},
		{[]string{"run", "--date", "2023-02-30"}, "--date"},
		{[]string{"status", "--from", "yesterday"}, "--from"},
		{[]string{"events", "--since", "3x"}, "want a duration such as 90m, 24h, 3d or 2w"},
		{[]string{"events", "--limit", "0"}, "--limit 0"},
		{[]string{"graph", "--format", "png"}, `--format "png"`},
		{[]string{"status", "--publish-deadline", "player_game_summary=D+1 25:00"}, "the time must be HH:MM"},
		{[]string{"status", "--publish-deadline", "nbac_schedule=D+1 12:00"}, "not an analytics table"},
		{[]string{"rollback", "--table", "nbac_schedule", "--date", "2023-02-03"}, "not an analytics table"},
		{[]string{"--nope"}, "unknown flag"},
	} {
		code, _, errs := runCLI(t, db, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("statgate %v: exit %d, stderr %q; want exit 2 mentioning %q", tc.args, code, errs, tc.want)
		}
	}
	if code, _, errs := runCLI(t, db, "events", "--since", "1d12h"); code != 0 {
		t.Errorf("events --since 1d12h: exit %d (%s), want 0", code, errs)
	}
}

// seasonDB loads the real season's raw rows for from..to into a new
// database file, skipping the gamebook and team box score of the dates in
// without, and returns its path.
func seasonDB(t *testing.T, from, to pipeline.Date, without ...pipeline.Date) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "statgate.db")
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: db, Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	season := testdb.SeasonRows(t)
	testdb.LoadRaw(t, s, season, from, to, nba.Schedule)
	for _, name := range []string{nba.Gamebook, nba.TeamBox} {
		tb := nba.Catalog.Table(name)
		var rows []pipeline.Row
		for _, r := range testdb.OnDates(tb, season[name], from, to) {
			d := r[tb.DateIndex()].(pipeline.Date)
			if !containsDate(without, d) {
				rows = append(rows, r)
			}
		}
		testdb.LoadRaw(t, s, map[string][]pipeline.Row{name: rows}, from, to, name)
	}
	return db
}

func containsDate(ds []pipeline.Date, d pipeline.Date) bool {
	for _, x := range ds {
		if x == d {
			return true
		}
	}
	return false
}

// TestDryRunCountsWhatRuns: the dry run's count is what the backfill then
// runs, for the default mode over fresh dates and for mode all.
func TestDryRunCountsWhatRuns(t *testing.T) {
	t.Parallel()
	from, to := pipeline.MustDate("2023-01-02"), pipeline.MustDate("2023-01-08")
	db := seasonDB(t, from, to)
	for _, mode := range []string{"stale", "all"} {
		args := []string{"--json", "backfill", "--from", from.String(), "--to", to.String(), "--mode", mode}
		var dry, ran backfillSummary
		if code, out, errs := runCLI(t, db, append(args, "--dry-run")...); code != 0 || decodeStrict(out, &dry) != nil {
			t.Fatalf("%v --dry-run: exit %d (%s) %s", args, code, errs, out)
		}
		if code, out, errs := runCLI(t, db, args...); code != 0 || decodeStrict(out, &ran) != nil {
			t.Fatalf("%v: exit %d (%s) %s", args, code, errs, out)
		}
		if runs := sumCounts(ran.Runs); dry.WouldRun != 35 || runs != dry.WouldRun || len(dry.Problems) != 0 {
			t.Errorf("mode %s: the dry run said %d would run with %d problems, the backfill ran %d; want 35, none, 35",
				mode, dry.WouldRun, len(dry.Problems), runs)
		}
	}
}

// runCLIWith runs one command line in-process with ctx, a clock and a hook.
func runCLIWith(ctx context.Context, db string, now func() time.Time, taskDone func(), args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	c := &cli{stdout: &out, stderr: &errb, now: now, taskDone: taskDone, getenv: func(k string) string {
		if k == "STATGATE_DB" {
			return db
		}
		return ""
	}}
	return run(ctx, args, c), out.String(), errb.String()
}

// TestModeAllResumes: a backfill --mode all interrupted part way says at
// once how to resume, and run again recomputes only what it had not.
func TestModeAllResumes(t *testing.T) {
	t.Parallel()
	from, to := pipeline.MustDate("2023-01-02"), pipeline.MustDate("2023-01-08")
	db := seasonDB(t, from, to)
	if code, _, errs := runCLI(t, db, "backfill", "--from", from.String(), "--to", to.String()); code != 0 {
		t.Fatalf("first backfill: %s", errs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	code, out, errs := runCLIWith(ctx, db, time.Now, func() {
		if n++; n == 8 {
			cancel()
		}
	}, "backfill", "--from", from.String(), "--to", to.String(), "--mode", "all")
	if code != 1 || !strings.HasPrefix(out, "backfill 2023-01-02 to 2023-01-08 (mode all) interrupted after") ||
		!strings.Contains(out, "run the same command again to resume") || strings.Count(out, "\n") != 1 {
		t.Fatalf("interrupted backfill: exit %d, stdout %q (stderr %s); want exit 1 and one line saying how to resume", code, out, errs)
	}
	var again backfillSummary
	code, out, errs = runCLI(t, db, "--json", "backfill", "--from", from.String(), "--to", to.String(), "--mode", "all")
	if code != 0 || decodeStrict(out, &again) != nil {
		t.Fatalf("resumed backfill: exit %d (%s) %s", code, errs, out)
	}
	if runs := sumCounts(again.Runs); again.Resumed < 8 || runs != 35-again.Resumed || again.WouldRun != runs {
		t.Errorf("resumed backfill: %d already recomputed, would run %d, ran %d; want at least 8, and the other %d run once",
			again.Resumed, again.WouldRun, runs, 35-again.Resumed)
	}
	// Finished, the same backfill starts afresh.
	code, out, _ = runCLI(t, db, "--json", "backfill", "--from", from.String(), "--to", to.String(), "--mode", "all", "--dry-run")
	if code != 0 || decodeStrict(out, &again) != nil || again.WouldRun != 35 {
		t.Errorf("after the resumed backfill finished, a dry run of it again: exit %d, would run %d; want 35", code, again.WouldRun)
	}
}

// TestStatusProblemsLate: at 13:00 UTC on 2023-01-04, a date whose box
// scores have not arrived is listed by status --problems as missing and
// late (its player summary was due at 12:00 UTC the next day); the dates
// before and after it are not, and turning the deadline off leaves it
// missing only.
func TestStatusProblemsLate(t *testing.T) {
	t.Parallel()
	from, to, gap := pipeline.MustDate("2023-01-02"), pipeline.MustDate("2023-01-04"), pipeline.MustDate("2023-01-03")
	db := seasonDB(t, from, to, gap)
	now := func() time.Time { return time.Date(2023, 1, 4, 13, 0, 0, 0, time.UTC) }
	cmd := func(args ...string) (int, string, string) {
		return runCLIWith(context.Background(), db, now, nil, args...)
	}
	cmd("backfill", "--from", from.String(), "--to", to.String())
	var cells []statusCell
	code, out, errs := cmd("--json", "status", "--problems")
	if code != 0 || decodeStrict(out, &cells) != nil {
		t.Fatalf("status --problems --json: exit %d (%s) %s", code, errs, out)
	}
	var player *statusCell
	for i, c := range cells {
		if c.Date != gap && c.Processor != nba.UpcomingTeam && c.Processor != nba.UpcomingPlayer {
			t.Errorf("%s %s listed with %v: only %s lacks box scores", c.Processor, c.Date, c.Problems, gap)
		}
		if c.Date == gap && c.Processor == nba.PlayerGame {
			player = &cells[i]
		}
	}
	due := time.Date(2023, 1, 4, 12, 0, 0, 0, time.UTC)
	if player == nil || !slicesEqual(player.Problems, []string{"missing", "late"}) || !player.Late || !player.Deadline.Equal(due) {
		t.Fatalf("player summary of %s: %+v; want missing and late, due %s", gap, player, due)
	}
	_, out, _ = cmd("status", "--problems")
	if !strings.Contains(out, "player_game_summary: missing, late (due 2023-01-04 12:00 UTC)") {
		t.Errorf("status --problems does not say the player summary is late:\n%s", out)
	}
	_, out, _ = cmd("status")
	if !strings.Contains(out, "2023-01-03 w w L") {
		t.Errorf("status matrix does not mark the late cell L:\n%s", out)
	}
	_, out, _ = cmd("--json", "status", "--problems", "--publish-deadline", "player_game_summary=none")
	if err := decodeStrict(out, &cells); err != nil || strings.Contains(out, `"late"`) || len(cells) == 0 {
		t.Errorf("with the deadline turned off: %v; want problems, none of them late, in %s", err, out)
	}
}
