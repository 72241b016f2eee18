package engine

import (
	"testing"

	"github.com/statgate/statgate/internal/pipeline"
)

// TestNewestPlayed: auto-refresh counts back from the newest date with a
// final game, not from the end of a schedule announced in advance.
func TestNewestPlayed(t *testing.T) {
	d := pipeline.MustDate
	part := func(date string, games, notFinal []string) (pipeline.PartKey, pipeline.PartitionVersion) {
		k := pipeline.PartKey{Table: "nbac_schedule", Date: d(date)}
		return k, pipeline.PartitionVersion{Table: k.Table, Date: k.Date, Coverage: &pipeline.Coverage{Games: games, NotFinal: notFinal}}
	}
	vs := map[pipeline.PartKey]pipeline.PartitionVersion{}
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
		k, v := part(p.date, p.games, p.notFinal)
		vs[k] = v
	}
	vs[pipeline.PartKey{Table: "other", Date: d("2023-03-01")}] = pipeline.PartitionVersion{}
	if got := newestPlayed("nbac_schedule", vs, d("2023-06-12")); got != d("2023-02-04") {
		t.Errorf("newestPlayed = %s, want 2023-02-04", got)
	}
	if got := newestPlayed("nbac_schedule", nil, d("2023-06-12")); got != d("2023-06-12") {
		t.Errorf("newestPlayed(nothing played) = %s, want the fallback", got)
	}
}
