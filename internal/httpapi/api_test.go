package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/httpapi"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

// apiToken is the token every service in this file is configured with.
const apiToken = "s3cret"

var (
	apiFeb1 = pipeline.MustDate("2023-02-01")
	apiFeb2 = pipeline.MustDate("2023-02-02")
	apiFeb3 = pipeline.MustDate("2023-02-03")
)

var (
	apiSeasonOnce sync.Once
	apiSeasonData map[string][]pipeline.Row
)

// apiSeason decodes the real season once for all tests of this file; the
// rows are shared, so callers clone a row before changing it.
func apiSeason(t *testing.T) map[string][]pipeline.Row {
	t.Helper()
	apiSeasonOnce.Do(func() { apiSeasonData = testdb.SeasonRows(t) })
	if apiSeasonData == nil {
		t.Fatal("the real season could not be decoded (see the first test that asked for it)")
	}
	return apiSeasonData
}

// apiRows returns the real rows of raw table t on d.
func apiRows(t *testing.T, table *pipeline.Table, d pipeline.Date) []pipeline.Row {
	t.Helper()
	rows := testdb.OnDates(table, apiSeason(t)[table.Name], d, d)
	if len(rows) == 0 {
		t.Fatalf("the real season has no %s rows on %s", table.Name, d)
	}
	return rows
}

// apiReply is an answer with its headers.
type apiReply struct {
	answer
	Header http.Header
}

// apiSend sends a request with the given Authorization header ("" for
// none) and decodes the JSON answer. body may hide its length (chunked).
func apiSend(t *testing.T, sv *service, method, path string, body io.Reader, authorization string) apiReply {
	t.Helper()
	req, err := http.NewRequest(method, sv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := apiReply{answer: answer{Code: res.StatusCode, Raw: raw}, Header: res.Header}
	if err := json.Unmarshal(raw, &a.Body); err != nil {
		t.Fatalf("%s %s answered %d with a body that is not a JSON object: %v\n%s", method, path, res.StatusCode, err, raw)
	}
	if _, ok := a.Body["status"].(string); !ok {
		t.Errorf("%s %s answered without a status field: %s", method, path, raw)
	}
	return a
}

// apiDecode decodes an answer into a typed value.
func apiDecode[T any](t *testing.T, a answer) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(a.Raw, &v); err != nil {
		t.Fatalf("decode %s: %v", a.Raw, err)
	}
	return v
}

func apiJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// processReply is the answer to /process.
type processReply struct {
	Status    string             `json:"status"`
	Reason    string             `json:"reason"`
	Table     string             `json:"table"`
	GameDate  string             `json:"game_date"`
	Version   int                `json:"version"`
	TriggerID int64              `json:"trigger_id"`
	Tasks     []pipeline.TaskKey `json:"tasks"`
}

// errorReply is every error answer.
type errorReply struct {
	Status string `json:"status"`
	Error  string `json:"error"`
	Field  string `json:"field"`
}

// apiTriggers returns every recorded trigger.
func apiTriggers(t *testing.T, s pipeline.Store) []pipeline.Trigger {
	t.Helper()
	trs, err := s.Triggers(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return trs
}

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
	if a.Code != http.StatusConflict || got.Status != "error" || !strings.Contains(got.Error, fmt.Sprint(len(rows))) {
		t.Errorf("POST /process (count %d, table holds %d) = %d %s, want 409 naming the count", len(rows), len(rows)-2, a.Code, a.Raw)
	}
	apiNothingRecorded(t, sv.Store)

	// Pub/Sub delivers the same message again once all rows are there.
	testdb.WriteDirect(t, sv.Store, nba.TeamBoxTable, apiFeb1, rows)
	a = sv.do(t, "POST", "/process", push(msg, "c-1"), true)
	if a.Code != http.StatusAccepted || a.str("status") != "accepted" {
		t.Errorf("POST /process (redelivered, rows complete) = %d %s, want 202 accepted", a.Code, a.Raw)
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
	if trs := apiTriggers(t, sv.Store); len(trs) != 1 || trs[0].MessageID != "auth-1" {
		t.Errorf("Triggers(0, 100) = %+v, want the one accepted message", trs)
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
		{"POST", "/process-date-range", `{"start_date":"2023-02-01","end_date":"` + over.String() + `"}`, "end_date", []string{"401 days", "400"}},
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

	// The longest range allowed is accepted and recorded as asked.
	last := apiFeb1.AddDays(399)
	a := sv.do(t, "POST", "/process-date-range", apiJSON(t, map[string]any{"start_date": "2023-02-01", "end_date": last.String(),
		"processors": []string{nba.PlayerGame}}), true)
	if a.Code != http.StatusAccepted {
		t.Fatalf("POST /process-date-range (400 days) = %d %s, want 202", a.Code, a.Raw)
	}
	got := apiDecode[struct {
		Status     string            `json:"status"`
		BackfillID int64             `json:"backfill_id"`
		Backfill   pipeline.Backfill `json:"backfill"`
	}](t, a)
	want := pipeline.Backfill{ID: got.BackfillID, From: apiFeb1, To: last, Processors: []string{nba.PlayerGame}, Mode: "stale", State: pipeline.BackfillQueued}
	if diff := cmp.Diff(want, got.Backfill, cmpIgnoreTimes); got.Status != "accepted" || got.BackfillID <= 0 || diff != "" {
		t.Errorf("POST /process-date-range (400 days) = %s, want accepted with backfill id; backfill mismatch (-want +got):\n%s", a.Raw, diff)
	}
}

// cmpIgnoreTimes compares backfills without their timestamps.
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

	for run := 1; run <= 2; run++ {
		b := apiBackfill(t, sv, apiFeb1, apiFeb3, "all")
		if b.State != pipeline.BackfillDone || b.Error != "" || b.Mode != "all" || b.From != apiFeb1 || b.To != apiFeb3 {
			t.Fatalf("backfill run %d = %+v, want done without error", run, b)
		}
		// Every task ends published. The service's own engine runs beside
		// the backfill and may publish a task first, which the backfill
		// then finds up to date; both mean the partition is current.
		total := 0
		for state, n := range b.Tasks {
			if state != pipeline.Published && state != pipeline.UpToDate {
				t.Errorf("backfill run %d tasks_by_state = %v, want only published (or up_to_date)", run, b.Tasks)
			}
			total += n
		}
		if total != 3*5 || b.Tasks[pipeline.Published] == 0 {
			t.Errorf("backfill run %d tasks_by_state = %v, want all %d tasks, most published", run, b.Tasks, 3*5)
		}
		// Mode all recomputes every task once, whatever the service's own
		// engine did meanwhile.
		if b.Runs[pipeline.Published] != 3*5 || b.Runs[pipeline.Failed]+b.Runs[pipeline.Rejected] != 0 {
			t.Errorf("backfill run %d runs_by_outcome = %v, want %d published runs, none failed or rejected", run, b.Runs, 3*5)
		}
	}
	for _, table := range []string{nba.TeamOffense, nba.TeamDefense, nba.PlayerGame, nba.UpcomingTeam, nba.UpcomingPlayer} {
		parts, err := sv.Store.Partitions(ctx, pipeline.PartitionFilter{Table: table, From: apiFeb1, To: apiFeb3, HasRange: true})
		if err != nil || len(parts) != 3 {
			t.Errorf("Partitions(%s, %s..%s) = %d partitions, %v; want 3", table, apiFeb1, apiFeb3, len(parts), err)
		}
	}
	hist, err := sv.Store.History(ctx, nba.PlayerGame, apiFeb2)
	if err != nil || len(hist) < 2 {
		t.Fatalf("History(%s, %s) = %d versions, %v; want at least 2 after two forced backfills", nba.PlayerGame, apiFeb2, len(hist), err)
	}

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
