package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"

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
