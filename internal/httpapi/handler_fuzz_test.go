package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
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
// with one of the codes SPEC §8 allows, and a 4xx records nothing: no
// trigger, no backfill, no version.
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
	s := testdb.SQLite(f)
	h := apiOnly(f, s)
	paths := []string{"/process", "/process-date-range", "/api/rollback"}
	allowed := map[int]bool{200: true, 202: true, 400: true, 404: true, 409: true, 413: true}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		before := recorded(t, s)
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", paths[int(which)%len(paths)], bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(rec, req)
		var ans map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil {
			t.Fatalf("answer %d is not a JSON object: %v\n%s", rec.Code, err, rec.Body)
		}
		if _, ok := ans["status"].(string); !ok || !allowed[rec.Code] {
			t.Fatalf("answer %d %s: want a status field and one of %v", rec.Code, rec.Body, allowed)
		}
		if rec.Code >= 400 && !slices.Equal(recorded(t, s), before) {
			t.Fatalf("a %d answer recorded something: %v → %v\n%s", rec.Code, before, recorded(t, s), rec.Body)
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
