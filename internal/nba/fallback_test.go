package nba

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	p "github.com/statgate/statgate/internal/pipeline"
)

// floatsNear compares floats within 1e-9: summing the gamebook gives the same
// integers as the box score, and the formulas then differ at most in the
// last bits.
var floatsNear = cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) <= 1e-9 })

// withoutSource blanks data_source, the one column that must differ.
func withoutSource(t *p.Table, rows []p.Row) []p.Row {
	out := make([]p.Row, len(rows))
	for i, r := range rows {
		c := append(p.Row(nil), r...)
		c[t.MustCol("data_source")] = nil
		out[i] = c
	}
	return out
}

// TestGamebookFallbackMatchesBoxScore: for every real game, removing the box
// score and letting the gate fall back on the gamebook gives the same team
// summaries (points, possessions, pace, ratings, every total, overtimes),
// marked 'gamebook_sum'.
func TestGamebookFallbackMatchesBoxScore(t *testing.T) {
	t.Parallel()
	s := season(t)
	want := seasonOutputs(t)
	parts := s.raw.clone()
	games := 0
	for _, d := range s.dates {
		parts.put(TeamBox, d, nil)
		fallback := map[string]bool{}
		for _, g := range scheduleGames(s.raw[Schedule][d]) {
			fallback[g.id] = true
		}
		for _, proc := range []p.Processor{TeamOffenseProcessor{}, TeamDefenseProcessor{}} {
			c := task(proc, d, parts)
			c.FallbackGames = fallback
			got, err := proc.Compute(c)
			if err != nil {
				t.Fatalf("%s %s: %v", proc.Name(), d, err)
			}
			for _, r := range got {
				if src := get(proc.Output(), r, "data_source"); src != sourceGamebook {
					t.Errorf("%s %s data_source = %v, want %s", proc.Name(), subject(proc.Output(), r), src, sourceGamebook)
				}
			}
			if diff := cmp.Diff(withoutSource(proc.Output(), want[proc.Name()][d]), withoutSource(proc.Output(), got), floatsNear); diff != "" {
				t.Errorf("%s %s from the gamebook differs from the box score (-box +gamebook):\n%s", proc.Name(), d, diff)
			}
			if proc.Name() == TeamOffense {
				games += len(got) / 2
			}
		}
	}
	t.Logf("%d games summed from the gamebook", games)
	if games != 1302 {
		t.Errorf("fallback computed %d games, want 1302 (every game with a gamebook)", games)
	}
}

// TestFallbackOnlyForGrantedGames: without the gate's permission a game with
// no box score is left out, and a game with a box score keeps using it even
// when it is in FallbackGames.
func TestFallbackOnlyForGrantedGames(t *testing.T) {
	t.Parallel()
	s := season(t)
	d := p.MustDate("2023-02-03")
	const missing, present = "20230203_PHX_BOS", "20230203_ATL_UTA"
	parts := s.raw.clone()
	var box []p.Row
	for _, r := range s.raw[TeamBox][d] {
		if get(TeamBoxTable, r, "game_id") != missing {
			box = append(box, r)
		}
	}
	parts.put(TeamBox, d, box)
	proc := TeamOffenseProcessor{}
	for _, tc := range []struct {
		name     string
		fallback map[string]bool
		want     map[string]any // game → data_source, nil when left out
	}{
		{"not granted", map[string]bool{}, map[string]any{missing: nil, present: sourceBox}},
		{"granted", map[string]bool{missing: true, present: true}, map[string]any{missing: sourceGamebook, present: sourceBox}},
	} {
		c := task(proc, d, parts)
		c.FallbackGames = tc.fallback
		rows, err := proc.Compute(c)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]any{missing: nil, present: nil}
		for _, r := range rows {
			got[get(TeamOffenseTable, r, "game_id").(string)] = get(TeamOffenseTable, r, "data_source")
		}
		for g, w := range tc.want {
			if got[g] != w {
				t.Errorf("%s: data_source(%s) = %v, want %v", tc.name, g, got[g], w)
			}
		}
		if len(rows) != 2*len(s.raw[Schedule][d])-2*boolInt(tc.want[missing] == nil) {
			t.Errorf("%s: %d rows for %d games", tc.name, len(rows), len(s.raw[Schedule][d]))
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
