package httpapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

// TestLateOverTheAPI: at 13:00 UTC on 2023-01-04 the service holds the
// schedule of 2023-01-03 and nothing else; the player summary, due at
// 12:00, is late in the task's explanation, in the partitions listing and
// in /metrics.
func TestLateOverTheAPI(t *testing.T) {
	t.Parallel()
	jan3 := pipeline.MustDate("2023-01-03")
	s := testdb.SQLite(t)
	testdb.LoadRaw(t, s, apiSeason(t), jan3, jan3, nba.Schedule)
	now := func() time.Time { return time.Date(2023, 1, 4, 13, 0, 0, 0, time.UTC) }
	sv := startService(t, s, options{now: now, mods: func(c *engine.Config) { c.Now = now }})
	due := time.Date(2023, 1, 4, 12, 0, 0, 0, time.UTC)

	one := apiDecode[struct {
		Verdict engine.Verdict `json:"verdict"`
	}](t, sv.do(t, http.MethodGet, "/api/tasks/player_game_summary/2023-01-03", nil, false))
	if !one.Verdict.Late || !one.Verdict.Deadline.Equal(due) {
		t.Errorf("/api/tasks/player_game_summary/2023-01-03: late %t, deadline %s; want late, due %s", one.Verdict.Late, one.Verdict.Deadline, due)
	}
	list := apiDecode[struct {
		Tasks []engine.Verdict `json:"tasks"`
	}](t, sv.do(t, http.MethodGet, "/api/partitions?from=2023-01-03&to=2023-01-03", nil, false))
	late := map[string]bool{}
	for _, v := range list.Tasks {
		late[v.Processor] = v.Late
	}
	if !late[nba.PlayerGame] || late[nba.TeamOffense] {
		t.Errorf("/api/partitions late by processor = %v; want the player summary only (team offense declares no deadline)", late)
	}

	// The engine counts it after its planning round.
	want := `statgate_late_partitions{processor="player_game_summary"} 1`
	var body string
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(sv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if body = string(data); strings.Contains(body, want) {
			return
		}
	}
	t.Errorf("/metrics never showed %q", want)
}
