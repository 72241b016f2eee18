package bench

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

// TestRun runs every measure on the season's first 20 days, two seasons,
// on SQLite and, when configured, PostgreSQL: each run's content must
// match the reference (Run fails otherwise) and every figure be measured.
func TestRun(t *testing.T) {
	cfg := Config{Seasons: 2, Runs: 1, Days: 20, Dir: t.TempDir()}
	if testing.Short() {
		t.Skip("runs the pipeline a dozen times")
	}
	// PostgreSQL too when the suite has one (CI always does).
	cfg.Postgres = os.Getenv(testdb.PostgresEnv)
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tasks == 0 || rep.Partitions != rep.Tasks || rep.RawRows == 0 || rep.OutputRows == 0 {
		t.Fatalf("report counts: %+v", rep)
	}
	want := 1
	if cfg.Postgres != "" {
		want = 2
	}
	if len(rep.Databases) != want {
		t.Fatalf("%d databases measured, want %d", len(rep.Databases), want)
	}
	for _, d := range rep.Databases {
		for name, v := range map[string]float64{"load": d.LoadMS, "backfill": d.BackfillMS, "floor": d.FloorMS,
			"floor raw": d.FloorRawMS, "floor output": d.FloorOutputMS, "ungated": d.UngatedMS,
			"linearity": d.Ratios.Linearity, "pipeline/floor": d.Ratios.PipelineVsFloor, "wake p50": d.Wake.P50MS} {
			if v <= 0 {
				t.Errorf("%s: %s not measured (%v)", d.Name, name, v)
			}
		}
		if d.TasksN != 2*rep.Tasks { // 20 days of October and November: no leap day
			t.Errorf("%s: %d tasks over two seasons, want %d", d.Name, d.TasksN, 2*rep.Tasks)
		}
		if d.Name == "postgres" && (d.WakeCross == nil || d.WakeCross.Samples == 0 || d.CommitsPerTask <= 0 || d.Ratios.VsSQLite <= 0) {
			t.Errorf("postgres: cross-process wake, commits or ratio to sqlite not measured: %+v", d)
		}
	}
	if m := rep.Makespan; m.Dates == 0 || m.DAGMS <= 0 || m.LevelsMS <= 0 {
		t.Errorf("makespan not measured: %+v", m)
	}
}

// TestVerify: a partition whose hash differs, one missing and (when
// exact) one too many each fail the check.
func TestVerify(t *testing.T) {
	k := func(d string) pipeline.PartKey { return pipeline.PartKey{Table: "t", Date: pipeline.MustDate(d)} }
	ref := hashes{k("2023-01-01"): "a", k("2023-01-02"): "b"}
	for name, tc := range map[string]struct {
		got   hashes
		exact bool
		ok    bool
	}{
		"same":          {hashes{k("2023-01-01"): "a", k("2023-01-02"): "b"}, true, true},
		"changed":       {hashes{k("2023-01-01"): "a", k("2023-01-02"): "c"}, true, false},
		"missing":       {hashes{k("2023-01-01"): "a"}, false, false},
		"extra, exact":  {hashes{k("2023-01-01"): "a", k("2023-01-02"): "b", k("2023-01-03"): "d"}, true, false},
		"extra, subset": {hashes{k("2023-01-01"): "a", k("2023-01-02"): "b", k("2023-01-03"): "d"}, false, true},
	} {
		err := verify(tc.got, ref, tc.exact)
		if ok := err == nil; ok != tc.ok {
			t.Errorf("%s: verify = %v, want ok %v", name, err, tc.ok)
		}
		if err != nil && !errors.Is(err, errContent) {
			t.Errorf("%s: %v is not errContent", name, err)
		}
	}
}
