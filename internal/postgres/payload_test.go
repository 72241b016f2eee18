package postgres

import (
	"fmt"
	"slices"
	"testing"

	"github.com/statgate/statgate/internal/pipeline"
)

// TestPayloadNamesWhatChanged: a notification names the partitions it
// changed and reads back as them; one that would not fit names none, which
// the listener reads as "re-read everything", never as a partial list.
func TestPayloadNamesWhatChanged(t *testing.T) {
	s := &Store{schema: "s1", id: "42-ab"}
	keys := []pipeline.PartKey{
		{Table: "nbac_team_boxscore", Date: pipeline.MustDate("2023-02-03")},
		{Table: "player_game_summary", Date: pipeline.MustDate("2023-02-04")},
	}
	p := s.payload(keys)
	if p != "s1|42-ab|nbac_team_boxscore@2023-02-03,player_game_summary@2023-02-04" {
		t.Fatalf("payload = %q", p)
	}
	if got := parseKeys(p[len("s1|42-ab|"):]); !slices.Equal(got, keys) {
		t.Errorf("parsed %v, want %v", got, keys)
	}
	var many []pipeline.PartKey
	for i := range 400 {
		many = append(many, pipeline.PartKey{Table: "nbac_schedule", Date: pipeline.MustDate("2022-10-18").AddDays(i)})
	}
	p = s.payload(many)
	if len(p) > maxPayload || p != "s1|42-ab|*" {
		t.Errorf("a payload too long for NOTIFY: %d bytes, %.40q…", len(p), p)
	}
	for _, bad := range []string{"", "*", "nodate", "t@2023-13-45", fmt.Sprintf("a@%s,b", "2023-01-01")} {
		if got := parseKeys(bad); got != nil {
			t.Errorf("parseKeys(%q) = %v, want nil (re-read everything)", bad, got)
		}
	}
}
