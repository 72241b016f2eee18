package dag_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/nba"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got; run go test -update and review the diff):\n%s", path, diff)
	}
}

func TestRenderGolden(t *testing.T) {
	g := nbaGraph(t)
	golden(t, "nba.txt", g.Text())
	golden(t, "nba.dot", g.Dot())
	golden(t, "nba.mmd", g.Mermaid())
}

// Rendering is a pure function of the graph: the same declarations always
// draw the same picture.
func TestRenderStable(t *testing.T) {
	t.Parallel()
	a, b := nbaGraph(t), nbaGraph(t)
	if a.Dot() != b.Dot() || a.Mermaid() != b.Mermaid() || a.Text() != b.Text() {
		t.Errorf("two graphs built from the same declarations render differently")
	}
}

var nbaTables = []string{
	nba.Schedule, nba.Gamebook, nba.TeamBox, nba.PointsProps,
	nba.TeamOffense, nba.TeamDefense, nba.PlayerGame, nba.UpcomingTeam, nba.UpcomingPlayer,
}

// declaredInputs counts the inputs the nba processors declare, and how many
// of them are optional.
func declaredInputs() (inputs, optional int) {
	for _, p := range nba.Processors() {
		for _, in := range p.Inputs() {
			inputs++
			if !in.Required {
				optional++
			}
		}
	}
	return inputs, optional
}

func TestDot(t *testing.T) {
	t.Parallel()
	dot := nbaGraph(t).Dot()
	if !strings.HasPrefix(dot, "digraph statgate {\n") || !strings.HasSuffix(dot, "}\n") {
		t.Errorf("Dot() = %q…, want a digraph statgate { … } block", dot[:min(40, len(dot))])
	}
	for _, tb := range nbaTables {
		if !strings.Contains(dot, "\n  \""+tb+"\"") {
			t.Errorf("Dot() has no node for %s", tb)
		}
	}
	for _, raw := range nbaTables[:4] {
		if want := `"` + raw + `" [shape=cylinder];`; !strings.Contains(dot, want) {
			t.Errorf("Dot() lacks %s, want raw tables drawn as cylinders", want)
		}
	}
	// The props are optional, so their edges are dashed.
	for _, want := range []string{
		`"odds_api_player_points_props" -> "player_game_summary" [label="same, optional", style=dashed];`,
		`"odds_api_player_points_props" -> "upcoming_player_game_context" [label="same, optional", style=dashed];`,
		`"team_offense_game_summary" -> "player_game_summary" [label="same"];`,
		`"team_offense_game_summary" -> "upcoming_team_game_context" [label="[D-30, D-1]"];`,
	} {
		if !strings.Contains(dot, want) {
			t.Errorf("Dot() lacks the edge %s", want)
		}
	}
	// Every declared input is one edge, dashed exactly when optional.
	inputs, optional := declaredInputs()
	if got := strings.Count(dot, "style=dashed"); got != optional {
		t.Errorf("Dot() has %d dashed edges, want %d (one per optional input)", got, optional)
	}
	if got := strings.Count(dot, " -> "); got != inputs {
		t.Errorf("Dot() has %d edges, want %d (one per declared input)", got, inputs)
	}
}

func TestMermaid(t *testing.T) {
	t.Parallel()
	mmd := nbaGraph(t).Mermaid()
	if !strings.HasPrefix(mmd, "flowchart LR\n") {
		t.Errorf("Mermaid() = %q…, want a flowchart LR", mmd[:min(40, len(mmd))])
	}
	for _, tb := range nbaTables[:4] {
		if want := "  " + tb + "[(" + tb + ")]\n"; !strings.Contains(mmd, want) {
			t.Errorf("Mermaid() lacks %q, want raw tables drawn as cylinders", want)
		}
	}
	for _, tb := range nbaTables[4:] {
		if want := "  " + tb + "[" + tb + "]\n"; !strings.Contains(mmd, want) {
			t.Errorf("Mermaid() lacks %q, want processors drawn as boxes", want)
		}
	}
	for _, want := range []string{
		`odds_api_player_points_props -.->|"same, optional"| player_game_summary`,
		`odds_api_player_points_props -.->|"same, optional"| upcoming_player_game_context`,
		`team_offense_game_summary -->|"same"| player_game_summary`,
		`player_game_summary -->|"[D-30, D-1]"| upcoming_player_game_context`,
	} {
		if !strings.Contains(mmd, want) {
			t.Errorf("Mermaid() lacks the edge %s", want)
		}
	}
	inputs, optional := declaredInputs()
	if got := strings.Count(mmd, "-.->"); got != optional {
		t.Errorf("Mermaid() has %d dotted edges, want %d (one per optional input)", got, optional)
	}
	if got := strings.Count(mmd, "-->") + strings.Count(mmd, "-.->"); got != inputs {
		t.Errorf("Mermaid() has %d edges, want %d (one per declared input)", got, inputs)
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	text := nbaGraph(t).Text()
	for _, tb := range nbaTables {
		if !strings.Contains(text, tb) {
			t.Errorf("Text() does not mention %s", tb)
		}
	}
	for _, want := range []string{
		"player_game_summary (version 1)\n",
		"  <- team_offense_game_summary same date (processor)\n",
		"  <- odds_api_player_points_props same date, optional (raw)\n",
		"upcoming_team_game_context (version 1)\n  <- nbac_schedule same date (raw)\n  <- nbac_schedule [D-30, D-1] (raw)\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("Text() lacks %q", want)
		}
	}
	// Processors are listed in topological order.
	if i, j := strings.Index(text, "team_offense_game_summary (version"), strings.Index(text, "player_game_summary (version"); i < 0 || j < i {
		t.Errorf("Text() lists player_game_summary at %d before team_offense_game_summary at %d", j, i)
	}
}
