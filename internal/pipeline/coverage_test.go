package pipeline_test

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
)

func TestCoverageEncode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c    *pipeline.Coverage
		want string
	}{
		{nil, ""},
		{&pipeline.Coverage{Games: []string{}}, `{"games":[]}`},
		{&pipeline.Coverage{Games: []string{"20221018_LAL_GSW", "20221018_PHI_BOS"}}, `{"games":["20221018_LAL_GSW","20221018_PHI_BOS"]}`},
		{&pipeline.Coverage{Games: []string{"20221018_LAL_GSW", "20221018_PHI_BOS"}, NotFinal: []string{"20221018_PHI_BOS"}},
			`{"games":["20221018_LAL_GSW","20221018_PHI_BOS"],"not_final":["20221018_PHI_BOS"]}`},
	}
	for _, tt := range tests {
		got := tt.c.Encode()
		if got != tt.want {
			t.Errorf("%+v.Encode() = %q, want %q", tt.c, got, tt.want)
		}
		back, err := pipeline.DecodeCoverage(got)
		if err != nil {
			t.Errorf("DecodeCoverage(%q) error = %v", got, err)
			continue
		}
		if diff := cmp.Diff(tt.c, back); diff != "" {
			t.Errorf("DecodeCoverage(%q) mismatch (-want +got):\n%s", got, diff)
		}
	}
	for _, bad := range []string{"{", "[]", `{"games":"20221018_LAL_GSW"}`} {
		if c, err := pipeline.DecodeCoverage(bad); err == nil {
			t.Errorf("DecodeCoverage(%q) = %+v, nil, want an error", bad, c)
		}
	}
}

func TestCoverageHas(t *testing.T) {
	t.Parallel()
	c := &pipeline.Coverage{Games: []string{"20221018_LAL_GSW", "20221018_PHI_BOS", "20221019_CHI_MIA"}}
	tests := []struct {
		c    *pipeline.Coverage
		game string
		want bool
	}{
		{c, "20221018_LAL_GSW", true},
		{c, "20221018_PHI_BOS", true},
		{c, "20221019_CHI_MIA", true},
		{c, "20221018_GSW_LAL", false},
		{c, "20221018", false},
		{c, "", false},
		{&pipeline.Coverage{}, "20221018_LAL_GSW", false},
		{nil, "20221018_LAL_GSW", false},
	}
	for _, tt := range tests {
		if got := tt.c.Has(tt.game); got != tt.want {
			t.Errorf("%+v.Has(%q) = %v, want %v", tt.c, tt.game, got, tt.want)
		}
	}
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	d := pipeline.MustDate("2023-01-15")
	inputs := []pipeline.InputVersion{
		{Table: "nbac_team_boxscore", Date: d, Version: 1},
		{Table: "nbac_schedule", Date: d, Version: 3},
	}
	base := pipeline.Fingerprint("1", inputs, nil, nil)
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(base) {
		t.Errorf("Fingerprint(...) = %q, want 32 hex digits", base)
	}
	if again := pipeline.Fingerprint("1", []pipeline.InputVersion{inputs[0], inputs[1]}, nil, nil); again != base {
		t.Errorf("Fingerprint of equal arguments = %s, then %s, want equal", base, again)
	}
	bump := func(i int, f func(*pipeline.InputVersion)) []pipeline.InputVersion {
		out := []pipeline.InputVersion{inputs[0], inputs[1]}
		f(&out[i])
		return out
	}
	variants := map[string]string{
		"base":                base,
		"processor version":   pipeline.Fingerprint("2", inputs, nil, nil),
		"input version":       pipeline.Fingerprint("1", bump(1, func(v *pipeline.InputVersion) { v.Version = 4 }), nil, nil),
		"input date":          pipeline.Fingerprint("1", bump(0, func(v *pipeline.InputVersion) { v.Date = d.AddDays(-1) }), nil, nil),
		"input table":         pipeline.Fingerprint("1", bump(0, func(v *pipeline.InputVersion) { v.Table = "nbac_gamebook_player_stats" }), nil, nil),
		"one input fewer":     pipeline.Fingerprint("1", inputs[:1], nil, nil),
		"a game missing":      pipeline.Fingerprint("1", inputs, []string{"20230115_LAL_PHI"}, nil),
		"a game on fallback":  pipeline.Fingerprint("1", inputs, nil, []string{"20230115_LAL_PHI"}),
		"two games missing":   pipeline.Fingerprint("1", inputs, []string{"20230115_LAL_PHI", "20230115_MIA_BOS"}, nil),
		"missing and fallbck": pipeline.Fingerprint("1", inputs, []string{"20230115_LAL_PHI"}, []string{"20230115_MIA_BOS"}),
	}
	seen := map[string]string{}
	for name, fp := range variants {
		if other, dup := seen[fp]; dup {
			t.Errorf("Fingerprint [%s] = Fingerprint [%s] = %s, want different fingerprints", name, other, fp)
		}
		seen[fp] = name
	}
}

func TestTaskRecordLeased(t *testing.T) {
	t.Parallel()
	now := time.Date(2023, 1, 16, 6, 0, 0, 0, time.UTC)
	tests := []struct {
		owner   string
		expires time.Time
		want    bool
	}{
		{"worker-1", now.Add(time.Minute), true},
		{"worker-1", now.Add(time.Nanosecond), true},
		{"worker-1", now, false}, // expires at now: free
		{"worker-1", now.Add(-time.Minute), false},
		{"", now.Add(time.Minute), false}, // no owner
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		r := pipeline.TaskRecord{LeaseOwner: tt.owner, LeaseExpiresAt: tt.expires}
		if got := r.Leased(now); got != tt.want {
			t.Errorf("TaskRecord{owner %q, expires %v}.Leased(%v) = %v, want %v", tt.owner, tt.expires, now, got, tt.want)
		}
	}
}

// Task states are shown in the API and the dashboard with SPEC §2's names.
func TestTaskStates(t *testing.T) {
	t.Parallel()
	got := []string{pipeline.Pending, pipeline.Waiting, pipeline.Ready, pipeline.Running, pipeline.Published,
		pipeline.UpToDate, pipeline.Rejected, pipeline.Failed, pipeline.Blocked, pipeline.Stale}
	want := []string{"pending", "waiting", "ready", "running", "published", "up_to_date", "rejected", "failed", "blocked", "stale"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("task states mismatch (-want +got):\n%s", diff)
	}
	b, err := json.Marshal(pipeline.TaskKey{Processor: nba.PlayerGame, Date: opening})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"processor":"player_game_summary","game_date":"2022-10-18"}`; string(b) != want {
		t.Errorf("json.Marshal(TaskKey) = %s, want %s", b, want)
	}
}

func TestCatalogCalendar(t *testing.T) {
	t.Parallel()
	if got := nba.Catalog.Calendar(); got != nba.ScheduleTable {
		t.Errorf("nba.Catalog.Calendar() = %v, want the schedule", got)
	}
	a := pipeline.NewTable("a", pipeline.Raw, nil, gameDate)
	if got := pipeline.NewCatalog(a).Calendar(); got != nil {
		t.Errorf("Calendar() of a catalog without one = %v, want nil", got.Name)
	}
}

// Prepare records what games a raw partition covers, from the table's Cover.
func TestPrepareCoverage(t *testing.T) {
	t.Parallel()
	d := opening
	schedule := []pipeline.Row{
		{"20221018_PHI_BOS", "0022200001", d, int64(2022), "regular", "BOS", "PHI", int64(3), "Final", int64(126), int64(117)},
		{"20221018_LAL_GSW", "0022200002", d, int64(2022), "regular", "GSW", "LAL", int64(2), "Q3", int64(80), int64(77)},
	}
	got, err := pipeline.Prepare(pipeline.Publication{Table: nba.ScheduleTable, Date: d, Rows: schedule, Source: pipeline.SourceLoad})
	if err != nil {
		t.Fatalf("Prepare(schedule) error = %v", err)
	}
	c, err := pipeline.DecodeCoverage(got.Coverage)
	if err != nil {
		t.Fatalf("DecodeCoverage(%q) error = %v", got.Coverage, err)
	}
	want := &pipeline.Coverage{Games: []string{"20221018_LAL_GSW", "20221018_PHI_BOS"}, NotFinal: []string{"20221018_LAL_GSW"}}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("Prepare(schedule).Coverage mismatch (-want +got):\n%s", diff)
	}
	// A table without Cover records none.
	if got, err := pipeline.Prepare(publication(wiggins())); err != nil || got.Coverage != "" {
		t.Errorf("Prepare(player_line).Coverage = %q, %v, want none", got.Coverage, err)
	}
}
