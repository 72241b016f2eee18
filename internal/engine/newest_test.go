package engine

import (
	"testing"

	"github.com/statgate/statgate/internal/pipeline"
)

// TestNewestPlayed: auto-refresh counts back from the newest date with a
// final game, not from the end of a schedule announced in advance.
func TestNewestPlayed(t *testing.T) {
	d := pipeline.MustDate
	var vs []pipeline.PartitionVersion
	for _, p := range []struct {
		date            string
		games, notFinal []string
	}{
		{"2023-02-03", []string{"a", "b"}, nil},           // played
		{"2023-02-04", []string{"c", "d"}, []string{"d"}}, // one game final
		{"2023-02-05", []string{"e"}, []string{"e"}},      // not yet
		{"2023-06-12", []string{"f"}, []string{"f"}},      // the season's last date, ahead
		{"2023-02-06", nil, nil},                          // no games
	} {
		vs = append(vs, pipeline.PartitionVersion{Table: "nbac_schedule", Date: d(p.date),
			Coverage: &pipeline.Coverage{Games: p.games, NotFinal: p.notFinal}})
	}
	if got := newestPlayed(vs); got != d("2023-02-04") {
		t.Errorf("newestPlayed = %s, want 2023-02-04", got)
	}
	if got := newestPlayed(nil); got != 0 {
		t.Errorf("newestPlayed(nothing played) = %s, want none", got)
	}
}
