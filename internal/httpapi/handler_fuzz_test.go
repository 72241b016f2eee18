package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/httpapi"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
	"github.com/statgate/statgate/internal/testdb"
)

// apiOnly builds the API handler over s without starting the engine.
func apiOnly(tb testing.TB, s pipeline.Store) http.Handler {
	tb.Helper()
	g, err := dag.Build(nba.Catalog, nba.Processors())
	if err != nil {
		tb.Fatal(err)
	}
	e, err := engine.New(engine.Config{Store: s, Catalog: nba.Catalog, Graph: g,
		Executor: &publish.Executor{Store: s, Catalog: nba.Catalog}})
	if err != nil {
		tb.Fatal(err)
	}
	api, err := httpapi.New(httpapi.Config{Store: s, Catalog: nba.Catalog, Graph: g, Engine: e,
		Backfills: engine.NewBackfiller(e, 400)})
	if err != nil {
		tb.Fatal(err)
	}
	return api.Handler()
}

// FuzzMutatingHandlers sends arbitrary bodies to the three mutating
// endpoints. Whatever arrives, the answer is a JSON object with a status,
// with one of the codes SPEC §8 allows, and a 4xx or 5xx records nothing:
// no trigger, no backfill, no version. A message taken is dated on a real
// game date, and an accepted backfill covers a date the schedule lists.
func FuzzMutatingHandlers(f *testing.F) {
	seeds := [][]byte{
		message(nba.TeamBox, feb3, pipeline.StatusSuccess, 0),
		push(message(nba.Gamebook, feb3, pipeline.StatusPartial, 3), "m-1"),
		[]byte(`{"start_date":"2023-02-01","end_date":"2023-02-03","processors":["player_game_summary"],"mode":"all"}`),
		[]byte(`{"start_date":"2023-02-03","end_date":"2023-02-01"}`),
		[]byte(`{"table":"player_game_summary","game_date":"2023-02-03","to_version":1}`),
		[]byte(`{"message":{"data":"!!","messageId":"x"}}`),
		[]byte(`{"output_table":"a.b.","game_date":"2023-13-01","status":"success"}`),
		[]byte(`[1,2,3]`), []byte(`null`), []byte(``), []byte(`{"a":1} {"b":2}`),
	}
	for i, sd := range seeds {
		f.Add(uint8(i%3), sd)
	}
	// Dates no game has: far-off game dates on /process, ranges in which
	// the schedule (2023-02-01..03 here) lists no date on
	// /process-date-range.
	for _, sd := range []struct {
		which uint8
		body  string
	}{
		{0, `{"output_table":"nba_raw.nbac_schedule","game_date":"9999-12-31","status":"success"}`},
		{0, `{"output_table":"nbac_team_boxscore","game_date":"0000-01-01","status":"no_data"}`},
		{0, string(push([]byte(`{"output_table":"nba_raw.nbac_schedule","game_date":"2122-10-18","status":"no_data"}`), "far-1"))},
		{0, string(push([]byte(`{"output_table":"nbac_gamebook_player_stats","game_date":"1946-10-31","status":"failed"}`), "far-2"))},
		{1, `{"start_date":"2023-02-04","end_date":"2024-03-08"}`},
		{1, `{"start_date":"2023-07-01","end_date":"2023-07-31","processors":["player_game_summary"],"mode":"all"}`},
		{1, `{"start_date":"0000-01-01","end_date":"2023-02-01"}`},
		{1, `{"start_date":"2023-02-01","end_date":"9999-12-31"}`},
		{1, `{"start_date":"2023-01-31","end_date":"2023-02-01","mode":"missing"}`},
	} {
		f.Add(sd.which, []byte(sd.body))
	}
	s := testdb.SQLite(f)
	testdb.LoadRaw(f, s, testdb.SeasonRows(f), feb3.AddDays(-2), feb3, nba.Schedule)
	h := apiOnly(f, s)
	paths := []string{"/process", "/process-date-range", "/api/rollback"}
	allowed := map[int]bool{200: true, 202: true, 400: true, 404: true, 409: true, 413: true}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		before := recorded(t, s)
		rec := httptest.NewRecorder()
		path := paths[int(which)%len(paths)]
		req := httptest.NewRequest("POST", path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(rec, req)
		var ans map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil {
			t.Fatalf("answer %d is not a JSON object: %v\n%s", rec.Code, err, rec.Body)
		}
		// A message counting more rows than the table holds is not all
		// written yet: 503, so that Pub/Sub delivers it again (SPEC §8).
		retry := path == "/process" && rec.Code == http.StatusServiceUnavailable
		if _, ok := ans["status"].(string); !ok || !allowed[rec.Code] && !retry {
			t.Fatalf("answer %d %s: want a status field and one of %v (or 503 on /process)", rec.Code, rec.Body, allowed)
		}
		if rec.Code >= 400 && !slices.Equal(recorded(t, s), before) {
			t.Fatalf("a %d answer recorded something: %v → %v\n%s", rec.Code, before, recorded(t, s), rec.Body)
		}
		switch {
		case path == "/process" && rec.Code < 400:
			// Every message taken in any way is dated on a real game date.
			d, err := pipeline.ParseDate(fmt.Sprint(ans["game_date"]))
			if err != nil || pipeline.CheckGameDate(d, pipeline.Today()) != nil {
				t.Fatalf("answer %d %s: want a real game_date", rec.Code, rec.Body)
			}
		case path == "/process-date-range" && rec.Code == 202:
			// An accepted backfill covers at least one scheduled date.
			if n, _ := ans["scheduled_dates"].(float64); n < 1 {
				t.Fatalf("answer 202 %s: want scheduled_dates of at least 1", rec.Body)
			}
		}
	})
}

// recorded counts what requests can record: triggers, backfills, versions.
func recorded(t *testing.T, s pipeline.Store) []int {
	ctx := context.Background()
	trig, err := s.Triggers(ctx, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	bf, err := s.Backfills(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := s.Partitions(ctx, pipeline.PartitionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return []int{len(trig), len(bf), len(vs)}
}
