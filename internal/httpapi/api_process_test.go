package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/httpapi"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

// apiNothingRecorded fails unless no trigger, no backfill and no partition
// version were recorded.
func apiNothingRecorded(t *testing.T, s pipeline.Store) {
	t.Helper()
	ctx := context.Background()
	if trs := apiTriggers(t, s); len(trs) != 0 {
		t.Errorf("Triggers(0, 100) = %+v, want none", trs)
	}
	if bfs, err := s.Backfills(ctx, false); err != nil || len(bfs) != 0 {
		t.Errorf("Backfills(false) = %+v, %v; want none", bfs, err)
	}
	if parts, err := s.Partitions(ctx, pipeline.PartitionFilter{}); err != nil || len(parts) != 0 {
		t.Errorf("Partitions(all) = %+v, %v; want none", parts, err)
	}
}

func TestAPIProcessAcceptsAndDeduplicates(t *testing.T) {
	t.Parallel()
	sv := startService(t, testdb.SQLite(t), options{token: apiToken, noEngine: true})
	rows := apiRows(t, nba.TeamBoxTable, apiFeb1)
	testdb.WriteDirect(t, sv.Store, nba.TeamBoxTable, apiFeb1, rows)
	msg := message(nba.TeamBox, apiFeb1, pipeline.StatusSuccess, len(rows))

	a := sv.do(t, "POST", "/process", push(msg, "m-1"), true)
	got := apiDecode[processReply](t, a)
	if a.Code != http.StatusAccepted || got.Status != "accepted" || got.Version != 1 || got.TriggerID <= 0 ||
		got.Table != nba.TeamBox || got.GameDate != "2023-02-01" {
		t.Fatalf("POST /process (new rows) = %d %s, want 202 accepted with version 1 and a trigger id", a.Code, a.Raw)
	}
	wantTasks := []pipeline.TaskKey{{Processor: nba.TeamDefense, Date: apiFeb1}, {Processor: nba.TeamOffense, Date: apiFeb1}}
	if diff := cmp.Diff(wantTasks, got.Tasks); diff != "" {
		t.Errorf("POST /process (new rows) woke the wrong tasks (-want +got):\n%s", diff)
	}
	firstTrigger := got.TriggerID

	a = sv.do(t, "POST", "/process", push(msg, "m-1"), true)
	got = apiDecode[processReply](t, a)
	if a.Code != http.StatusOK || got.Status != "duplicate" || got.Version != 1 || got.TriggerID != firstTrigger || got.Tasks != nil {
		t.Errorf("POST /process (same messageId) = %d %s, want 200 duplicate of version 1, trigger %d, no tasks", a.Code, a.Raw, firstTrigger)
	}
	if !strings.Contains(got.Reason, "message_id") {
		t.Errorf("POST /process (same messageId) reason = %q, want it to name message_id", got.Reason)
	}

	a = sv.do(t, "POST", "/process", push(msg, "m-2"), true)
	got = apiDecode[processReply](t, a)
	if a.Code != http.StatusOK || got.Status != "duplicate" || got.Version != 1 || got.Reason != "same content as version 1" {
		t.Errorf("POST /process (same content, new id) = %d %s, want 200 duplicate: same content as version 1", a.Code, a.Raw)
	}
	if trs := apiTriggers(t, sv.Store); len(trs) != 1 || trs[0].MessageID != "m-1" || trs[0].ID != firstTrigger {
		t.Errorf("Triggers(0, 100) = %+v, want only m-1 (trigger %d)", trs, firstTrigger)
	}

	// The upstream rewrites the partition with one game fewer: a new version.
	testdb.WriteDirect(t, sv.Store, nba.TeamBoxTable, apiFeb1, rows[2:])
	a = sv.do(t, "POST", "/process", push(message(nba.TeamBox, apiFeb1, pipeline.StatusSuccess, len(rows)-2), "m-3"), true)
	got = apiDecode[processReply](t, a)
	if a.Code != http.StatusAccepted || got.Status != "accepted" || got.Version != 2 || got.TriggerID <= firstTrigger {
		t.Errorf("POST /process (changed rows) = %d %s, want 202 accepted with version 2 and a new trigger", a.Code, a.Raw)
	}
	v, err := sv.Store.CurrentVersion(context.Background(), nba.TeamBox, apiFeb1)
	if err != nil || v.Version != 2 || v.RowCount != len(rows)-2 || v.Source != pipeline.SourceAnnounce {
		t.Errorf("CurrentVersion(%s, %s) = %+v, %v; want version 2 of %d announced rows", nba.TeamBox, apiFeb1, v, err, len(rows)-2)
	}
}

// TestAPIProcessWakesReaders checks the tasks an announcement lists: every
// task whose input window covers the announced partition (SPEC §4).
func TestAPIProcessWakesReaders(t *testing.T) {
	t.Parallel()
	sv := startService(t, testdb.SQLite(t), options{token: apiToken, noEngine: true})
	upcomingTeam := []pipeline.TaskKey{}
	for i := 1; i <= 30; i++ {
		upcomingTeam = append(upcomingTeam, pipeline.TaskKey{Processor: nba.UpcomingTeam, Date: apiFeb1.AddDays(i)})
	}
	tests := []struct {
		table *pipeline.Table
		want  []pipeline.TaskKey
	}{
		{nba.TeamBoxTable, []pipeline.TaskKey{{Processor: nba.TeamDefense, Date: apiFeb1}, {Processor: nba.TeamOffense, Date: apiFeb1}}},
		{nba.GamebookTable, []pipeline.TaskKey{
			{Processor: nba.PlayerGame, Date: apiFeb1}, {Processor: nba.TeamDefense, Date: apiFeb1}, {Processor: nba.TeamOffense, Date: apiFeb1}}},
		{nba.ScheduleTable, append([]pipeline.TaskKey{
			{Processor: nba.PlayerGame, Date: apiFeb1}, {Processor: nba.TeamDefense, Date: apiFeb1}, {Processor: nba.TeamOffense, Date: apiFeb1},
			{Processor: nba.UpcomingPlayer, Date: apiFeb1}, {Processor: nba.UpcomingTeam, Date: apiFeb1}}, upcomingTeam...)},
	}
	for _, tt := range tests {
		rows := apiRows(t, tt.table, apiFeb1)
		testdb.WriteDirect(t, sv.Store, tt.table, apiFeb1, rows)
		a := sv.do(t, "POST", "/process", push(message(tt.table.Name, apiFeb1, pipeline.StatusSuccess, len(rows)), "wake-"+tt.table.Name), true)
		got := apiDecode[processReply](t, a)
		if a.Code != http.StatusAccepted {
			t.Fatalf("POST /process (%s) = %d %s, want 202", tt.table.Name, a.Code, a.Raw)
		}
		if diff := cmp.Diff(tt.want, got.Tasks); diff != "" {
			t.Errorf("POST /process (%s %s) tasks mismatch (-want +got):\n%s", tt.table.Name, apiFeb1, diff)
		}
	}
}

func TestAPIProcessIgnored(t *testing.T) {
	t.Parallel()
	sv := startService(t, testdb.SQLite(t), options{token: apiToken, noEngine: true})
	rows := apiRows(t, nba.TeamBoxTable, apiFeb1)
	testdb.WriteDirect(t, sv.Store, nba.TeamBoxTable, apiFeb1, rows)
	tests := []struct {
		name   string
		body   []byte
		reason string // a part of the reason
	}{
		{"failed upstream run", push(message(nba.TeamBox, apiFeb1, pipeline.StatusFailed, len(rows)), "f-1"), "failed"},
		{"unknown table", push(message("nbac_injury_report", apiFeb1, pipeline.StatusSuccess, 3), "u-1"), "nbac_injury_report"},
		{"analytics table", push(message(nba.PlayerGame, apiFeb1, pipeline.StatusSuccess, 3), "a-1"), nba.PlayerGame},
		{"analytics table, bare", message(nba.TeamOffense, apiFeb1, pipeline.StatusSuccess, 0), nba.TeamOffense},
	}
	for _, tt := range tests {
		a := sv.do(t, "POST", "/process", tt.body, true)
		got := apiDecode[processReply](t, a)
		if a.Code != http.StatusOK || got.Status != "ignored" || !strings.Contains(got.Reason, tt.reason) || got.Tasks != nil || got.Version != 0 {
			t.Errorf("POST /process (%s) = %d %s, want 200 ignored with a reason naming %q", tt.name, a.Code, a.Raw, tt.reason)
		}
	}
	apiNothingRecorded(t, sv.Store)
}

func TestAPIProcessCountMismatch(t *testing.T) {
	t.Parallel()
	sv := startService(t, testdb.SQLite(t), options{token: apiToken, noEngine: true})
	rows := apiRows(t, nba.TeamBoxTable, apiFeb1)
	// The upstream has written only some of the rows it counts.
	testdb.WriteDirect(t, sv.Store, nba.TeamBoxTable, apiFeb1, rows[:len(rows)-2])
	msg := message(nba.TeamBox, apiFeb1, pipeline.StatusSuccess, len(rows))
	a := sv.do(t, "POST", "/process", push(msg, "c-1"), true)
	got := apiDecode[errorReply](t, a)
	if a.Code != http.StatusServiceUnavailable || got.Status != "error" || !strings.Contains(got.Error, fmt.Sprint(len(rows))) {
		t.Errorf("POST /process (count %d, table holds %d) = %d %s, want 503 naming the count", len(rows), len(rows)-2, a.Code, a.Raw)
	}
	apiNothingRecorded(t, sv.Store)

	// Pub/Sub delivers the same message again once all rows are there.
	testdb.WriteDirect(t, sv.Store, nba.TeamBoxTable, apiFeb1, rows)
	a = sv.do(t, "POST", "/process", push(msg, "c-1"), true)
	if a.Code != http.StatusAccepted || a.str("status") != "accepted" {
		t.Errorf("POST /process (redelivered, rows complete) = %d %s, want 202 accepted", a.Code, a.Raw)
	}
	// A later run counts only the rows it added: more rows in the table
	// than counted is fine.
	more := append(rows, apiRows(t, nba.TeamBoxTable, apiFeb1)[:0]...)
	testdb.WriteDirect(t, sv.Store, nba.TeamBoxTable, apiFeb1, more[:len(more)-2])
	testdb.WriteDirect(t, sv.Store, nba.TeamBoxTable, apiFeb1, more)
	a = sv.do(t, "POST", "/process", push(message(nba.TeamBox, apiFeb1, pipeline.StatusSuccess, 2), "c-2"), true)
	if a.Code != http.StatusOK || a.str("status") != "duplicate" {
		t.Errorf("POST /process (count 2, table holds %d, content unchanged) = %d %s, want 200 duplicate", len(more), a.Code, a.Raw)
	}
}

func TestAPIProcessRejectsInvalidRows(t *testing.T) {
	t.Parallel()
	sv := startService(t, testdb.SQLite(t), options{token: apiToken, noEngine: true})
	rows := slices.Clone(apiRows(t, nba.GamebookTable, apiFeb1))
	bad := slices.Clone(rows[3])
	bad[nba.GamebookTable.MustCol("player_lookup")] = "le bron"
	rows[3] = bad
	testdb.WriteDirect(t, sv.Store, nba.GamebookTable, apiFeb1, rows)

	a := sv.do(t, "POST", "/process", push(message(nba.Gamebook, apiFeb1, pipeline.StatusSuccess, len(rows)), "bad-1"), true)
	got := apiDecode[processReply](t, a)
	if a.Code != http.StatusOK || got.Status != "rejected" || !strings.Contains(got.Reason, "player_lookup") {
		t.Fatalf("POST /process (a player_lookup with a space) = %d %s, want 200 rejected naming player_lookup", a.Code, a.Raw)
	}
	if trs := apiTriggers(t, sv.Store); len(trs) != 0 {
		t.Errorf("Triggers(0, 100) = %+v after a rejected announcement, want none", trs)
	}

	a = sv.do(t, "GET", "/api/events?severity=critical", nil, false)
	evs := apiDecode[struct {
		Events []pipeline.QualityEvent `json:"events"`
	}](t, a).Events
	if a.Code != http.StatusOK || len(evs) != 1 {
		t.Fatalf("GET /api/events?severity=critical = %d %s, want 200 with one event", a.Code, a.Raw)
	}
	ev := evs[0]
	if ev.Table != nba.Gamebook || ev.Date != apiFeb1 || ev.Check != "raw_valid" || ev.Severity != pipeline.Critical ||
		ev.Subject != "bad-1" || !strings.Contains(ev.Observed, "player_lookup") {
		t.Errorf("GET /api/events?severity=critical = %+v, want a critical raw_valid event on %s %s for bad-1", ev, nba.Gamebook, apiFeb1)
	}
	a = sv.do(t, "GET", "/api/events?severity=warning", nil, false)
	if n := len(apiDecode[struct {
		Events []pipeline.QualityEvent `json:"events"`
	}](t, a).Events); a.Code != http.StatusOK || n != 0 {
		t.Errorf("GET /api/events?severity=warning = %d %s, want 200 with no events", a.Code, a.Raw)
	}
}

func TestAPIProcessPartial(t *testing.T) {
	t.Parallel()
	sv := startService(t, testdb.SQLite(t), options{token: apiToken, noEngine: true})
	rows := apiRows(t, nba.TeamBoxTable, apiFeb1)
	testdb.WriteDirect(t, sv.Store, nba.TeamBoxTable, apiFeb1, rows)
	partitions := func() []pipeline.PartitionVersion {
		a := sv.do(t, "GET", "/api/partitions?table=nbac_team_boxscore&from=2023-02-01&to=2023-02-01", nil, false)
		if a.Code != http.StatusOK {
			t.Fatalf("GET /api/partitions = %d %s, want 200", a.Code, a.Raw)
		}
		return apiDecode[struct {
			Partitions []pipeline.PartitionVersion `json:"partitions"`
		}](t, a).Partitions
	}

	a := sv.do(t, "POST", "/process", push(message(nba.TeamBox, apiFeb1, pipeline.StatusPartial, len(rows)), "p-1"), true)
	if got := apiDecode[processReply](t, a); a.Code != http.StatusAccepted || got.Status != "accepted" || got.Version != 1 {
		t.Fatalf("POST /process (partial) = %d %s, want 202 accepted version 1", a.Code, a.Raw)
	}
	if ps := partitions(); len(ps) != 1 || ps[0].Version != 1 || !ps[0].Partial || ps[0].RowCount != len(rows) {
		t.Errorf("GET /api/partitions after a partial announcement = %+v, want version 1, partial, %d rows", ps, len(rows))
	}
	if trs := apiTriggers(t, sv.Store); len(trs) != 1 || trs[0].Status != pipeline.StatusPartial {
		t.Errorf("Triggers(0, 100) = %+v, want one partial trigger", trs)
	}

	// The same rows announced as complete are a new, complete version.
	a = sv.do(t, "POST", "/process", push(message(nba.TeamBox, apiFeb1, pipeline.StatusSuccess, len(rows)), "p-2"), true)
	if got := apiDecode[processReply](t, a); a.Code != http.StatusAccepted || got.Version != 2 {
		t.Fatalf("POST /process (success after partial) = %d %s, want 202 accepted version 2", a.Code, a.Raw)
	}
	if ps := partitions(); len(ps) != 1 || ps[0].Version != 2 || ps[0].Partial {
		t.Errorf("GET /api/partitions after the complete announcement = %+v, want version 2, not partial", ps)
	}
}

func TestAPIAuth(t *testing.T) {
	t.Parallel()
	sv := startService(t, testdb.SQLite(t), options{token: apiToken, noEngine: true})
	rows := apiRows(t, nba.TeamBoxTable, apiFeb1)
	testdb.WriteDirect(t, sv.Store, nba.TeamBoxTable, apiFeb1, rows)
	msg := push(message(nba.TeamBox, apiFeb1, pipeline.StatusSuccess, len(rows)), "auth-1")
	backfill := []byte(`{"start_date":"2023-02-01","end_date":"2023-02-01","mode":"all"}`)
	rollback := []byte(`{"table":"player_game_summary","game_date":"2023-02-01","to_version":0}`)

	refused := []struct {
		name, path    string
		body          []byte
		authorization string
	}{
		{"process without a token", "/process", msg, ""},
		{"process with a wrong bearer token", "/process", msg, "Bearer wrong"},
		{"process with an empty bearer token", "/process", msg, "Bearer "},
		{"process with basic auth", "/process", msg, "Basic czNjcmV0"},
		{"process with a wrong query token", "/process?token=wrong", msg, ""},
		{"process with the token as a different parameter", "/process?auth=s3cret", msg, ""},
		{"backfill with the query token", "/process-date-range?token=s3cret", backfill, ""},
		{"backfill without a token", "/process-date-range", backfill, ""},
		{"backfill with a wrong bearer token", "/process-date-range", backfill, "Bearer s3cret2"},
		{"rollback with the query token", "/api/rollback?token=s3cret", rollback, ""},
		{"rollback with a wrong bearer token", "/api/rollback", rollback, "Bearer S3CRET"},
	}
	for _, tt := range refused {
		a := apiSend(t, sv, "POST", tt.path, bytes.NewReader(tt.body), tt.authorization)
		if a.Code != http.StatusUnauthorized || a.str("status") != "error" {
			t.Errorf("POST %s (%s) = %d %s, want 401", tt.path, tt.name, a.Code, a.Raw)
		}
		if got, want := a.Header.Get("WWW-Authenticate"), `Bearer realm="statgate"`; got != want {
			t.Errorf("POST %s (%s) WWW-Authenticate = %q, want %q", tt.path, tt.name, got, want)
		}
	}
	apiNothingRecorded(t, sv.Store)

	// The schedule lists the date: a backfill of it has work to do.
	testdb.LoadRaw(t, sv.Store, apiSeason(t), apiFeb1, apiFeb1, nba.Schedule)
	loaded := apiTriggers(t, sv.Store)

	// Reading needs no token.
	for _, path := range []string{"/api/graph", "/api/partitions", "/api/events", "/api/backfills",
		"/api/tasks/team_offense_game_summary/2023-02-01", "/healthz", "/readyz", "/version"} {
		if a := apiSend(t, sv, "GET", path, nil, ""); a.Code != http.StatusOK || a.str("status") != "ok" {
			t.Errorf("GET %s without a token = %d %s, want 200 ok", path, a.Code, a.Raw)
		}
	}

	a := apiSend(t, sv, "POST", "/process?token=s3cret", bytes.NewReader(msg), "")
	if a.Code != http.StatusAccepted || a.str("status") != "accepted" {
		t.Errorf("POST /process?token=s3cret = %d %s, want 202 accepted", a.Code, a.Raw)
	}
	a = apiSend(t, sv, "POST", "/process-date-range", bytes.NewReader(backfill), "Bearer "+apiToken)
	if a.Code != http.StatusAccepted || a.str("status") != "accepted" {
		t.Errorf("POST /process-date-range with the bearer token = %d %s, want 202 accepted", a.Code, a.Raw)
	}
	if trs := apiTriggers(t, sv.Store); len(trs) != len(loaded)+1 || trs[len(trs)-1].MessageID != "auth-1" {
		t.Errorf("Triggers(0, 100) = %+v, want the schedule's load and the one accepted message", trs)
	}
	if bfs, err := sv.Store.Backfills(context.Background(), false); err != nil || len(bfs) != 1 {
		t.Errorf("Backfills(false) = %+v, %v; want the one accepted backfill", bfs, err)
	}
}

// apiPadded returns a valid message for feb1's team box padded with an
// unknown field to exactly size bytes.
func apiPadded(t *testing.T, count, size int) []byte {
	t.Helper()
	base := message(nba.TeamBox, apiFeb1, pipeline.StatusSuccess, count)
	head := append(base[:len(base)-1:len(base)-1], []byte(`,"padding":"`)...)
	n := size - len(head) - len(`"}`)
	if n < 0 {
		t.Fatalf("size %d is too small for a message", size)
	}
	return append(append(head, bytes.Repeat([]byte("x"), n)...), `"}`...)
}

func TestAPIBodyLimit(t *testing.T) {
	t.Parallel()
	sv := startService(t, testdb.SQLite(t), options{token: apiToken, noEngine: true})
	rows := apiRows(t, nba.TeamBoxTable, apiFeb1)
	testdb.WriteDirect(t, sv.Store, nba.TeamBoxTable, apiFeb1, rows)
	auth := "Bearer " + apiToken

	tooLarge := apiPadded(t, len(rows), httpapi.MaxBody+1)
	for _, tt := range []struct {
		name string
		body io.Reader
	}{
		{"declared length", bytes.NewReader(tooLarge)},
		{"chunked", io.MultiReader(bytes.NewReader(tooLarge))},
	} {
		a := apiSend(t, sv, "POST", "/process", tt.body, auth)
		if a.Code != http.StatusRequestEntityTooLarge || a.str("status") != "error" {
			t.Errorf("POST /process (%d bytes, %s) = %d %s, want 413", len(tooLarge), tt.name, a.Code, a.Raw)
		}
	}
	for _, path := range []string{"/process-date-range", "/api/rollback"} {
		a := apiSend(t, sv, "POST", path, bytes.NewReader(tooLarge), auth)
		if a.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("POST %s (%d bytes) = %d %s, want 413", path, len(tooLarge), a.Code, a.Raw)
		}
	}
	apiNothingRecorded(t, sv.Store)

	// A body of exactly the limit is read in full.
	atLimit := apiPadded(t, len(rows), httpapi.MaxBody)
	a := apiSend(t, sv, "POST", "/process", io.MultiReader(bytes.NewReader(atLimit)), auth)
	if a.Code != http.StatusAccepted || a.str("status") != "accepted" {
		t.Errorf("POST /process (%d bytes, the limit) = %d %.300s, want 202 accepted", len(atLimit), a.Code, a.Raw)
	}
}

func TestAPIBadRequests(t *testing.T) {
	t.Parallel()
	sv := startService(t, testdb.SQLite(t), options{token: apiToken, noEngine: true})
	var names []string
	for _, p := range nba.Processors() {
		names = append(names, p.Name())
	}
	over := apiFeb1.AddDays(400) // 401 days
	tests := []struct {
		method, path string
		body         string
		field        string
		mention      []string // parts of the error message
	}{
		{"POST", "/process", `{"message":`, "body", nil},
		{"POST", "/process", ``, "body", nil},
		{"POST", "/process", `{"output_table":"nbac_schedule","game_date":"2023-13-01","status":"success"}`, "game_date", []string{"2023-13-01"}},
		{"POST", "/process", string(push([]byte(`{"output_table":"nbac_schedule","game_date":"Feb 1","status":"success"}`), "x")),
			"message.data.game_date", []string{"Feb 1"}},
		{"POST", "/process", `{"output_table":"nbac_schedule","game_date":"2023-02-01","status":"done"}`, "status", []string{"done"}},
		{"POST", "/process", `{"message":{"data":"e30="}}`, "message.messageId", nil},
		{"POST", "/process-date-range", `{"start_date":"2023-02-01",`, "body", nil},
		{"POST", "/process-date-range", `{"start_date":"2023-02-01","end_date":"2023-02-01"}{}`, "body", nil},
		{"POST", "/process-date-range", `{"start_date":"02/01/2023","end_date":"2023-02-01"}`, "start_date", nil},
		{"POST", "/process-date-range", `{"start_date":"2023-02-01"}`, "end_date", nil},
		{"POST", "/process-date-range", `{"start_date":"2023-02-01","end_date":"2023-02-03","processors":["player_summary","team_offense_game_summary","box"]}`,
			"processors", append([]string{`"player_summary"`, `"box"`}, names...)},
		{"POST", "/process-date-range", `{"start_date":"2023-02-03","end_date":"2023-02-01"}`, "end_date", []string{"2023-02-01", "2023-02-03"}},
		{"POST", "/process-date-range", `{"start_date":"2023-02-01","end_date":"2023-02-03","mode":"everything"}`, "mode",
			[]string{"everything", "stale", "missing", "failed", "all"}},
		{"POST", "/process-date-range", `{"start_date":"2023-02-01","end_date":"2023-02-03","processors":"all"}`, "processors", nil},
		{"POST", "/api/rollback", `{"game_date":"2023-02-01"}`, "table", nil},
		{"POST", "/api/rollback", `{"table":"player_game_summary","game_date":"yesterday"}`, "game_date", nil},
		{"POST", "/api/rollback", `{"table":"player_game_summary","game_date":"2023-02-01","to_version":-1}`, "to_version", nil},
		{"POST", "/api/rollback", `{"table":"player_game_summary","game_date":"2023-02-01","to_version":"1"}`, "to_version", nil},
		{"GET", "/api/partitions?from=2023-02-xx&to=2023-02-03", ``, "from", nil},
		{"GET", "/api/partitions?from=2023-02-01", ``, "to", []string{"both from and to"}},
		{"GET", "/api/partitions?from=2023-02-03&to=2023-02-01", ``, "to", nil},
		{"GET", "/api/partitions?table=nba_raw.nbac_schedule", ``, "table", nil},
		{"GET", "/api/tasks/player_game_summary/2023-02-30", ``, "date", nil},
		{"GET", "/api/backfills/abc", ``, "id", nil},
		{"GET", "/api/events?severity=info", ``, "severity", nil},
		{"GET", "/api/events?since=last-week", ``, "since", nil},
		{"GET", "/api/events?limit=0", ``, "limit", nil},
		{"GET", "/api/events?limit=5001", ``, "limit", nil},
	}
	for _, tt := range tests {
		a := sv.do(t, tt.method, tt.path, []byte(tt.body), true)
		got := apiDecode[errorReply](t, a)
		if a.Code != http.StatusBadRequest || got.Status != "error" || got.Field != tt.field {
			t.Errorf("%s %s %s = %d %s, want 400 naming field %q", tt.method, tt.path, tt.body, a.Code, a.Raw, tt.field)
			continue
		}
		for _, m := range tt.mention {
			if !strings.Contains(got.Error, m) {
				t.Errorf("%s %s %s error = %q, want it to mention %q", tt.method, tt.path, tt.body, got.Error, m)
			}
		}
	}
	// Errors that belong to no single field still answer 400.
	for _, body := range []string{
		`{"table":"nbac_team_boxscore","game_date":"2023-02-01"}`,
		`{"table":"no_such_table","game_date":"2023-02-01"}`,
	} {
		if a := sv.do(t, "POST", "/api/rollback", []byte(body), true); a.Code != http.StatusBadRequest || a.str("status") != "error" {
			t.Errorf("POST /api/rollback %s = %d %s, want 400", body, a.Code, a.Raw)
		}
	}
	apiNothingRecorded(t, sv.Store)

	// A backfill covers the dates the schedule lists; with some listed,
	// an over-long range is still refused, and the longest range allowed
	// is accepted and recorded as asked.
	testdb.LoadRaw(t, sv.Store, apiSeason(t), apiFeb1, apiFeb3, nba.Schedule)
	a := sv.do(t, "POST", "/process-date-range", []byte(`{"start_date":"2023-02-01","end_date":"`+over.String()+`"}`), true)
	if got := apiDecode[errorReply](t, a); a.Code != http.StatusBadRequest || got.Field != "end_date" ||
		!strings.Contains(got.Error, "401 days") || !strings.Contains(got.Error, "400") {
		t.Errorf("POST /process-date-range 2023-02-01..%s = %d %s, want 400 naming end_date: 401 days, at most 400", over, a.Code, a.Raw)
	}
	if bfs, err := sv.Store.Backfills(context.Background(), false); err != nil || len(bfs) != 0 {
		t.Errorf("Backfills(false) = %+v, %v; want none after an over-long range", bfs, err)
	}
	last := apiFeb1.AddDays(399)
	a = sv.do(t, "POST", "/process-date-range", apiJSON(t, map[string]any{"start_date": "2023-02-01", "end_date": last.String(),
		"processors": []string{nba.PlayerGame}}), true)
	if a.Code != http.StatusAccepted {
		t.Fatalf("POST /process-date-range (400 days) = %d %s, want 202", a.Code, a.Raw)
	}
	got := apiDecode[struct {
		Status         string            `json:"status"`
		BackfillID     int64             `json:"backfill_id"`
		ScheduledDates int               `json:"scheduled_dates"`
		Backfill       pipeline.Backfill `json:"backfill"`
	}](t, a)
	want := pipeline.Backfill{ID: got.BackfillID, From: apiFeb1, To: last, Processors: []string{nba.PlayerGame}, Mode: "stale", State: pipeline.BackfillQueued}
	if diff := cmp.Diff(want, got.Backfill, cmpIgnoreTimes); got.Status != "accepted" || got.BackfillID <= 0 || got.ScheduledDates != 3 || diff != "" {
		t.Errorf("POST /process-date-range (400 days) = %s, want accepted with backfill id over 3 scheduled dates; backfill mismatch (-want +got):\n%s", a.Raw, diff)
	}
}

// cmpIgnoreTimes compares backfills without their timestamps.

// TestAPICrossSite: without a token (the demo), a web page on another
// site still cannot make the browser start work: a "simple" form-encoded
// POST gets 415, a browser-marked cross-site request 403, and neither
// records anything.
func TestAPICrossSite(t *testing.T) {
	t.Parallel()
	sv := startService(t, testdb.SQLite(t), options{noEngine: true})
	testdb.LoadRaw(t, sv.Store, apiSeason(t), apiFeb1, apiFeb2, nba.Schedule)
	body := `{"start_date":"2023-02-01","end_date":"2023-02-02"}`
	for _, tt := range []struct {
		name, contentType, site string
		code                    int
	}{
		{"form-encoded", "application/x-www-form-urlencoded", "", http.StatusUnsupportedMediaType},
		{"text/plain", "text/plain", "", http.StatusUnsupportedMediaType},
		{"no content type", "", "", http.StatusUnsupportedMediaType},
		{"cross-site JSON", "application/json", "cross-site", http.StatusForbidden},
	} {
		req, _ := http.NewRequest("POST", sv.URL+"/process-date-range", strings.NewReader(body))
		if tt.contentType != "" {
			req.Header.Set("Content-Type", tt.contentType)
		}
		if tt.site != "" {
			req.Header.Set("Sec-Fetch-Site", tt.site)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.code {
			t.Errorf("POST /process-date-range (%s) = %d, want %d", tt.name, res.StatusCode, tt.code)
		}
	}
	if bf, _ := sv.Store.Backfills(context.Background(), false); len(bf) != 0 {
		t.Errorf("backfills recorded = %d, want none", len(bf))
	}
	if a := sv.do(t, "POST", "/process-date-range", []byte(body), false); a.Code != http.StatusAccepted {
		t.Errorf("same-site JSON POST = %d %s, want 202", a.Code, a.Raw)
	}
}
