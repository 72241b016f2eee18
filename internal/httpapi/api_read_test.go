package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

var cmpIgnoreTimes = cmp.FilterPath(func(p cmp.Path) bool {
	s := p.Last().String()
	return s == ".CreatedAt" || s == ".UpdatedAt"
}, cmp.Ignore())

func TestAPIRoutes(t *testing.T) {
	t.Parallel()
	sv := startService(t, testdb.SQLite(t), options{token: apiToken, noEngine: true})
	tests := []struct {
		method, path string
		code         int
		allow        string
	}{
		{"POST", "/api/graph", http.StatusMethodNotAllowed, "GET"},
		{"DELETE", "/api/backfills/1", http.StatusMethodNotAllowed, "GET"},
		{"GET", "/process", http.StatusMethodNotAllowed, "POST"},
		{"PUT", "/api/rollback", http.StatusMethodNotAllowed, "POST"},
		{"GET", "/process-date-range", http.StatusMethodNotAllowed, "POST"},
		{"GET", "/no/such/path", http.StatusNotFound, ""},
		{"POST", "/api/graphs", http.StatusNotFound, ""},
		{"GET", "/api/tasks/player_game_summary", http.StatusNotFound, ""},
		{"GET", "/api/tasks/no_such_processor/2023-02-01", http.StatusNotFound, ""},
		{"GET", "/api/backfills/999", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		a := apiSend(t, sv, tt.method, tt.path, nil, "Bearer "+apiToken)
		if a.Code != tt.code || a.str("status") != "error" || a.str("error") == "" {
			t.Errorf("%s %s = %d %s, want %d with a JSON error", tt.method, tt.path, a.Code, a.Raw, tt.code)
		}
		if got := a.Header.Get("Allow"); got != tt.allow {
			t.Errorf("%s %s Allow = %q, want %q", tt.method, tt.path, got, tt.allow)
		}
		if got := a.Header.Get("Content-Type"); got != "application/json" {
			t.Errorf("%s %s Content-Type = %q, want application/json", tt.method, tt.path, got)
		}
	}
}

func TestAPIGraph(t *testing.T) {
	t.Parallel()
	sv := startService(t, testdb.SQLite(t), options{token: apiToken, noEngine: true})
	a := sv.do(t, "GET", "/api/graph", nil, false)
	type edge struct{ From, To string }
	got := apiDecode[struct {
		Status     string `json:"status"`
		Processors []struct {
			Name   string `json:"name"`
			Output string `json:"output"`
			Inputs []struct {
				Table    string `json:"table"`
				Window   string `json:"window"`
				Required bool   `json:"required"`
			} `json:"inputs"`
		} `json:"processors"`
		RawTables []string `json:"raw_tables"`
		Edges     []edge   `json:"edges"`
		Mermaid   string   `json:"mermaid"`
	}](t, a)
	if a.Code != http.StatusOK || got.Status != "ok" {
		t.Fatalf("GET /api/graph = %d %s, want 200 ok", a.Code, a.Raw)
	}
	var names []string
	for _, p := range got.Processors {
		names = append(names, p.Name)
		if p.Output != p.Name || len(p.Inputs) == 0 {
			t.Errorf("GET /api/graph processor %+v, want an output named like it and some inputs", p)
		}
	}
	slices.Sort(names)
	if diff := cmp.Diff([]string{nba.PlayerGame, nba.TeamDefense, nba.TeamOffense, nba.UpcomingPlayer, nba.UpcomingTeam}, names); diff != "" {
		t.Errorf("GET /api/graph processors mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{nba.Gamebook, nba.Schedule, nba.TeamBox, nba.PointsProps}, got.RawTables); diff != "" {
		t.Errorf("GET /api/graph raw_tables mismatch (-want +got):\n%s", diff)
	}
	for _, e := range []edge{
		{nba.TeamBox, nba.TeamOffense}, {nba.TeamBox, nba.TeamDefense}, {nba.Gamebook, nba.PlayerGame},
		{nba.TeamOffense, nba.PlayerGame}, {nba.TeamOffense, nba.UpcomingTeam}, {nba.TeamDefense, nba.UpcomingTeam},
		{nba.PlayerGame, nba.UpcomingPlayer}, {nba.UpcomingTeam, nba.UpcomingPlayer},
	} {
		if !slices.Contains(got.Edges, e) {
			t.Errorf("GET /api/graph edges = %v, want them to include %v", got.Edges, e)
		}
	}
	// SPEC §4: team defense does not depend on team offense.
	if e := (edge{nba.TeamOffense, nba.TeamDefense}); slices.Contains(got.Edges, e) {
		t.Errorf("GET /api/graph edges include %v, want none", e)
	}
	if !strings.Contains(got.Mermaid, nba.TeamOffense) {
		t.Errorf("GET /api/graph mermaid = %q, want it to name %s", got.Mermaid, nba.TeamOffense)
	}
}

func TestAPIReadEndpoints(t *testing.T) {
	t.Parallel()
	sv := startService(t, testdb.SQLite(t), options{token: apiToken, noEngine: true})
	season := apiSeason(t)
	testdb.LoadRaw(t, sv.Store, season, apiFeb1, apiFeb3)

	t.Run("partitions", func(t *testing.T) {
		a := sv.do(t, "GET", "/api/partitions?from=2023-02-01&to=2023-02-02", nil, false)
		got := apiDecode[struct {
			Partitions []pipeline.PartitionVersion `json:"partitions"`
		}](t, a).Partitions
		if a.Code != http.StatusOK || a.str("status") != "ok" {
			t.Fatalf("GET /api/partitions = %d %s, want 200 ok", a.Code, a.Raw)
		}
		type part struct {
			Table         string
			Date          pipeline.Date
			Version, Rows int
			Source        string
		}
		var want, have []part
		for _, table := range []*pipeline.Table{nba.GamebookTable, nba.ScheduleTable, nba.TeamBoxTable} {
			for _, d := range []pipeline.Date{apiFeb1, apiFeb2} {
				want = append(want, part{table.Name, d, 1, len(testdb.OnDates(table, season[table.Name], d, d)), pipeline.SourceLoad})
			}
		}
		for _, v := range got {
			have = append(have, part{v.Table, v.Date, v.Version, v.RowCount, v.Source})
		}
		if diff := cmp.Diff(want, have); diff != "" {
			t.Errorf("GET /api/partitions?from=2023-02-01&to=2023-02-02 mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("tasks", func(t *testing.T) {
		a := sv.do(t, "GET", "/api/tasks/team_offense_game_summary/2023-02-02", nil, false)
		got := apiDecode[struct {
			Status   string                          `json:"status"`
			Decision struct{ Task pipeline.TaskKey } `json:"decision"`
			Current  *pipeline.PartitionVersion      `json:"current_version"`
		}](t, a)
		want := pipeline.TaskKey{Processor: nba.TeamOffense, Date: apiFeb2}
		if a.Code != http.StatusOK || got.Status != "ok" || got.Decision.Task != want || got.Current != nil {
			t.Errorf("GET /api/tasks/team_offense_game_summary/2023-02-02 = %d %s, want 200 explaining %v, never published", a.Code, a.Raw, want)
		}
		if state, _ := a.Body["decision"].(map[string]any)["state"].(string); state != pipeline.Ready {
			t.Errorf("GET /api/tasks/team_offense_game_summary/2023-02-02 decision state = %q, want %q (inputs loaded, nothing computes)", state, pipeline.Ready)
		}
	})

	t.Run("backfills", func(t *testing.T) {
		a := sv.do(t, "POST", "/process-date-range", []byte(`{"start_date":"2023-02-01","end_date":"2023-02-03","mode":"missing","processors":["team_defense_game_summary"]}`), true)
		if a.Code != http.StatusAccepted {
			t.Fatalf("POST /process-date-range = %d %s, want 202", a.Code, a.Raw)
		}
		id := int64(a.Body["backfill_id"].(float64))
		a = sv.do(t, "GET", fmt.Sprintf("/api/backfills/%d", id), nil, false)
		got := apiDecode[pipeline.Backfill](t, a)
		want := pipeline.Backfill{ID: id, From: apiFeb1, To: apiFeb3, Processors: []string{nba.TeamDefense}, Mode: "missing", State: pipeline.BackfillQueued}
		if diff := cmp.Diff(want, got, cmpIgnoreTimes); a.Code != http.StatusOK || a.str("status") != "ok" || diff != "" {
			t.Errorf("GET /api/backfills/%d = %d %s; backfill mismatch (-want +got):\n%s", id, a.Code, a.Raw, diff)
		}
		a = sv.do(t, "GET", "/api/backfills", nil, false)
		list := apiDecode[struct {
			Backfills []pipeline.Backfill `json:"backfills"`
		}](t, a).Backfills
		if a.Code != http.StatusOK || len(list) != 1 || list[0].ID != id {
			t.Errorf("GET /api/backfills = %d %s, want backfill %d only", a.Code, a.Raw, id)
		}
	})

	t.Run("health", func(t *testing.T) {
		for _, path := range []string{"/healthz", "/readyz"} {
			if a := sv.do(t, "GET", path, nil, false); a.Code != http.StatusOK || a.str("status") != "ok" {
				t.Errorf("GET %s = %d %s, want 200 ok", path, a.Code, a.Raw)
			}
		}
		a := sv.do(t, "GET", "/version", nil, false)
		if a.Code != http.StatusOK || a.str("status") != "ok" || a.str("revision") != "test" {
			t.Errorf("GET /version = %d %s, want 200 ok with revision test", a.Code, a.Raw)
		}
		// Each processor's running version and its state on the database.
		procs, _ := a.Body["processors"].([]any)
		states := map[string]any{}
		for _, p := range procs {
			if m, ok := p.(map[string]any); ok && m["version"] != "" {
				states[fmt.Sprint(m["processor"])] = m["state"]
			}
		}
		if len(states) != 5 || states["player_game_summary"] != "current" {
			t.Errorf("GET /version processors = %s, want the five with their versions and states", a.Raw)
		}
	})
}

// TestAPIDatabaseGone checks the answers when the database cannot be
// reached: not ready, and /process answers 5xx so that Pub/Sub delivers
// the message again.
func TestAPIDatabaseGone(t *testing.T) {
	t.Parallel()
	store := testdb.SQLite(t)
	sv := startService(t, store, options{token: apiToken, noEngine: true})
	if a := sv.do(t, "GET", "/readyz", nil, false); a.Code != http.StatusOK {
		t.Fatalf("GET /readyz = %d %s, want 200 before the database closes", a.Code, a.Raw)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	if a := sv.do(t, "GET", "/readyz", nil, false); a.Code != http.StatusServiceUnavailable || a.str("status") != "error" {
		t.Errorf("GET /readyz with the database closed = %d %s, want 503", a.Code, a.Raw)
	}
	if a := sv.do(t, "GET", "/healthz", nil, false); a.Code != http.StatusOK {
		t.Errorf("GET /healthz with the database closed = %d %s, want 200 (the process is alive)", a.Code, a.Raw)
	}
	a := sv.do(t, "POST", "/process", push(message(nba.TeamBox, apiFeb1, pipeline.StatusSuccess, 0), "gone-1"), true)
	if a.Code < 500 || a.str("status") != "error" {
		t.Errorf("POST /process with the database closed = %d %s, want 5xx so that Pub/Sub redelivers", a.Code, a.Raw)
	}
}

// apiMetricsText polls /metrics until it holds every wanted line (the
// engine reports task counts after its first planning round); the deadline
// only keeps a broken build from hanging.
func apiMetricsText(t *testing.T, sv *service, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(sv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("GET /metrics = %d (Content-Type %q), want 200 Prometheus text", res.StatusCode, res.Header.Get("Content-Type"))
		}
		text := string(body)
		missing := ""
		for _, w := range want {
			if !strings.Contains(text, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return text
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /metrics never contained %q:\n%s", missing, text)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestAPIMetrics(t *testing.T) {
	t.Parallel()
	sv := startService(t, testdb.SQLite(t), options{token: apiToken})
	rows := apiRows(t, nba.TeamBoxTable, apiFeb1)
	testdb.WriteDirect(t, sv.Store, nba.TeamBoxTable, apiFeb1, rows)
	msg := message(nba.TeamBox, apiFeb1, pipeline.StatusSuccess, len(rows))
	for _, tt := range []struct {
		body []byte
		code int
	}{
		{push(msg, "x-1"), http.StatusAccepted},
		{push(msg, "x-1"), http.StatusOK},
		{push(msg, "x-2"), http.StatusOK},
		{push(message(nba.TeamBox, apiFeb1, pipeline.StatusFailed, 0), "x-3"), http.StatusOK},
		{[]byte(`{"nope":`), http.StatusBadRequest},
	} {
		if a := sv.do(t, "POST", "/process", tt.body, true); a.Code != tt.code {
			t.Fatalf("POST /process %s = %d %s, want %d", tt.body, a.Code, a.Raw, tt.code)
		}
	}
	text := apiMetricsText(t, sv, `statgate_tasks{state="published"}`)
	for _, line := range []string{
		`statgate_triggers_total{result="accepted"} 1`,
		`statgate_triggers_total{result="duplicate"} 2`,
		`statgate_triggers_total{result="ignored"} 1`,
		`statgate_http_request_duration_seconds_count{code="202",route="POST /process"} 1`,
		`statgate_http_request_duration_seconds_count{code="400",route="POST /process"} 1`,
	} {
		if !strings.Contains(text, line+"\n") {
			t.Errorf("GET /metrics lacks %q:\n%s", line, text)
		}
	}
	if strings.Contains(text, `result="rejected"`) {
		t.Errorf("GET /metrics counts a rejected trigger, want none:\n%s", text)
	}
}

// apiWaitBackfill polls a backfill until it has finished. The deadline
// only keeps a broken build from hanging; it is not a timing goal.
func apiWaitBackfill(t *testing.T, sv *service, id int64) pipeline.Backfill {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		a := sv.do(t, "GET", fmt.Sprintf("/api/backfills/%d", id), nil, false)
		if a.Code != http.StatusOK {
			t.Fatalf("GET /api/backfills/%d = %d %s, want 200", id, a.Code, a.Raw)
		}
		b := apiDecode[pipeline.Backfill](t, a)
		if b.Finished() {
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("backfill %d did not finish: %s", id, a.Raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// apiBackfill requests a backfill of from..to in mode and waits for it.
func apiBackfill(t *testing.T, sv *service, from, to pipeline.Date, mode string) pipeline.Backfill {
	t.Helper()
	a := sv.do(t, "POST", "/process-date-range", apiJSON(t, map[string]any{"start_date": from.String(), "end_date": to.String(), "mode": mode}), true)
	id, _ := a.Body["backfill_id"].(float64)
	if a.Code != http.StatusAccepted || a.str("status") != "accepted" || id <= 0 {
		t.Fatalf("POST /process-date-range %s..%s %s = %d %s, want 202 accepted with a backfill id", from, to, mode, a.Code, a.Raw)
	}
	return apiWaitBackfill(t, sv, int64(id))
}

// apiWaitPublished polls /api/partitions until n tasks dated from..to are
// stored as published: the service's own engine has caught up with what
// was loaded. The deadline only keeps a broken build from hanging.
func apiWaitPublished(t *testing.T, sv *service, from, to pipeline.Date, n int) {
	t.Helper()
	path := "/api/partitions?from=" + from.String() + "&to=" + to.String()
	deadline := time.Now().Add(60 * time.Second)
	for {
		a := sv.do(t, "GET", path, nil, false)
		if a.Code != http.StatusOK {
			t.Fatalf("GET %s = %d %s, want 200", path, a.Code, a.Raw)
		}
		tasks := apiDecode[struct {
			Tasks []struct {
				State string `json:"state"`
			} `json:"tasks"`
		}](t, a).Tasks
		published := 0
		for _, task := range tasks {
			if task.State == pipeline.Published {
				published++
			}
		}
		if published == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s never showed %d published tasks: %s", path, n, a.Raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestAPIBackfillAndRollback(t *testing.T) {
	t.Parallel()
	store := testdb.SQLite(t)
	testdb.LoadRaw(t, store, apiSeason(t), apiFeb1, apiFeb3)
	sv := startService(t, store, options{token: apiToken})
	// The service computes what was loaded on its own.
	apiWaitPublished(t, sv, apiFeb1, apiFeb3, 3*5)
	ctx := context.Background()

	// Mode all recomputes every task once; the content is the same, so
	// nothing new is published and nothing downstream is disturbed.
	b := apiBackfill(t, sv, apiFeb1, apiFeb3, "all")
	if b.State != pipeline.BackfillDone || b.Error != "" || b.Mode != "all" || b.From != apiFeb1 || b.To != apiFeb3 {
		t.Fatalf("backfill = %+v, want done without error", b)
	}
	total := 0
	for state, n := range b.Tasks {
		if state != pipeline.Published && state != pipeline.UpToDate {
			t.Errorf("backfill tasks_by_state = %v, want only published or up_to_date", b.Tasks)
		}
		total += n
	}
	if total != 3*5 || b.Runs[pipeline.UpToDate] != 3*5 || len(b.Runs) != 1 {
		t.Errorf("backfill: tasks_by_state = %v, runs_by_outcome = %v; want all %d tasks recomputed up to date", b.Tasks, b.Runs, 3*5)
	}
	for _, table := range []string{nba.TeamOffense, nba.TeamDefense, nba.PlayerGame, nba.UpcomingTeam, nba.UpcomingPlayer} {
		parts, err := sv.Store.Partitions(ctx, pipeline.PartitionFilter{Table: table, From: apiFeb1, To: apiFeb3, HasRange: true})
		if err != nil || len(parts) != 3 {
			t.Errorf("Partitions(%s, %s..%s) = %d partitions, %v; want 3", table, apiFeb1, apiFeb3, len(parts), err)
		}
		for _, v := range parts {
			if v.Version != 1 {
				t.Errorf("%s %s: version %d after a backfill of equal content, want 1", table, v.Date, v.Version)
			}
		}
	}
	// A scorer's correction to one team's turnovers arrives: the service
	// recomputes the player summary (usage reads team turnovers).
	correctedTurnovers(t, sv.Store, apiFeb2)
	waitVersion(t, sv.Store, nba.PlayerGame, apiFeb2, 2)

	a := sv.do(t, "POST", "/api/rollback", apiJSON(t, map[string]any{"table": nba.PlayerGame, "game_date": "2023-02-02", "to_version": 0}), true)
	got := apiDecode[struct {
		Status  string                    `json:"status"`
		Version pipeline.PartitionVersion `json:"version"`
	}](t, a)
	if a.Code != http.StatusOK || got.Status != "ok" {
		t.Fatalf("POST /api/rollback = %d %s, want 200 ok", a.Code, a.Raw)
	}
	v := got.Version
	// to_version 0 restores the version before the one current then.
	if v.Table != nba.PlayerGame || v.Date != apiFeb2 || v.RestoredFrom == 0 || v.RestoredFrom != v.Version-2 || v.Source != pipeline.SourceRollback {
		t.Errorf("POST /api/rollback version = %+v, want a rollback of %s %s restored from the version before the previous current", v, nba.PlayerGame, apiFeb2)
	}
	after, err := sv.Store.History(ctx, nba.PlayerGame, apiFeb2)
	if err != nil || len(after) < v.Version || v.RestoredFrom < 1 {
		t.Fatalf("History(%s, %s) = %d versions, %v; want the restored version %d in it", nba.PlayerGame, apiFeb2, len(after), err, v.Version)
	}
	if restored, old := after[v.Version-1], after[v.RestoredFrom-1]; restored.ContentHash != old.ContentHash || restored.RestoredFrom != v.RestoredFrom {
		t.Errorf("History(%s, %s): version %d = %+v, want the content of version %d (%s)", nba.PlayerGame, apiFeb2, v.Version, restored, v.RestoredFrom, old.ContentHash)
	}
	a = sv.do(t, "GET", "/api/tasks/player_game_summary/2023-02-02", nil, false)
	ex := apiDecode[struct {
		Current *pipeline.PartitionVersion `json:"current_version"`
	}](t, a)
	if a.Code != http.StatusOK || ex.Current == nil || ex.Current.Version != v.Version || ex.Current.RestoredFrom != v.RestoredFrom {
		t.Errorf("GET /api/tasks/player_game_summary/2023-02-02 = %d %s, want the restored version %d current", a.Code, a.Raw, v.Version)
	}

	for _, tt := range []struct {
		body string
		code int
	}{
		{`{"table":"no_such_table","game_date":"2023-02-02"}`, http.StatusBadRequest},
		{`{"table":"nbac_gamebook_player_stats","game_date":"2023-02-02"}`, http.StatusBadRequest},
		{fmt.Sprintf(`{"table":"player_game_summary","game_date":"2023-02-02","to_version":%d}`, v.Version), http.StatusBadRequest},
		{`{"table":"player_game_summary","game_date":"2023-03-02"}`, http.StatusNotFound},
	} {
		if a := sv.do(t, "POST", "/api/rollback", []byte(tt.body), true); a.Code != tt.code || a.str("status") != "error" {
			t.Errorf("POST /api/rollback %s = %d %s, want %d", tt.body, a.Code, a.Raw, tt.code)
		}
	}
	if h, err := sv.Store.History(ctx, nba.PlayerGame, apiFeb2); err != nil || len(h) != len(after) {
		t.Errorf("History(%s, %s) = %d versions, %v; want %d (refused rollbacks record nothing)", nba.PlayerGame, apiFeb2, len(h), err, len(after))
	}
}

// correctedTurnovers loads d's team box scores again with the first
// team's turnovers one higher, as Phase 2 would after a scorer's correction.
func correctedTurnovers(t *testing.T, s pipeline.Store, d pipeline.Date) {
	t.Helper()
	tb := nba.TeamBoxTable
	rows := testdb.OnDates(tb, apiSeason(t)[tb.Name], d, d)
	ti := tb.MustCol("turnovers")
	rows[0] = append(pipeline.Row(nil), rows[0]...)
	rows[0][ti] = rows[0][ti].(int64) + 1
	testdb.LoadRaw(t, s, map[string][]pipeline.Row{tb.Name: rows}, d, d, tb.Name)
}

// waitVersion waits until (table, d) reaches version.
func waitVersion(t *testing.T, s pipeline.Store, table string, d pipeline.Date, version int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		v, err := s.CurrentVersion(context.Background(), table, d)
		if err == nil && v.Version >= version {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %s never reached version %d (now %d, %v)", table, d, version, v.Version, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
