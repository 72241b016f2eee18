package httpapi_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/release"
	"github.com/statgate/statgate/internal/testdb"
)

// changedBuild is nba.Processors with the player summary changed.
func changedBuild() []pipeline.Processor {
	var out []pipeline.Processor
	for _, p := range nba.Processors() {
		if p.Name() == nba.PlayerGame {
			p = testdb.HigherUsage{}
		}
		out = append(out, p)
	}
	return out
}

type planReply struct {
	Status     string              `json:"status"`
	Processors []release.Processor `json:"processors"`
}

func (r planReply) of(name string) release.Processor {
	for _, p := range r.Processors {
		if p.Processor == name {
			return p
		}
	}
	return release.Processor{}
}

var planFrom, planTo = pipeline.MustDate("2023-01-20"), pipeline.MustDate("2023-02-10")

// TestAPIPlanCanaryPromote: three weeks of the real season published by
// the released build; a service running a build whose player summary
// changed holds it. GET /api/plan says what a promotion recomputes, its
// canary (chosen dates or a seeded sample) shows usage_rate changing and
// nothing else, the held partitions keep their versions, and POST
// /api/plan/apply with the token promotes it: the engine recomputes them
// with the new version.
func TestAPIPlanCanaryPromote(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s pipeline.Store) {
		ctx := context.Background()
		testdb.LoadRaw(t, s, apiSeason(t), planFrom, planTo)
		released := startService(t, s, options{noEngine: true})
		if _, err := released.Engine.Run(ctx, engine.Scope{From: planFrom, To: planTo, RefreshAll: true, Explicit: true}); err != nil {
			t.Fatal(err)
		}
		released.stop()
		before, err := s.Partitions(ctx, pipeline.PartitionFilter{Table: nba.PlayerGame})
		if err != nil || len(before) == 0 {
			t.Fatalf("published player summaries: %d, %v", len(before), err)
		}

		sv := startService(t, s, options{token: apiToken, processors: changedBuild(), mods: func(c *engine.Config) { c.Hold = true }})
		plan := apiDecode[planReply](t, sv.do(t, http.MethodGet, "/api/plan", nil, false))
		p := plan.of(nba.PlayerGame)
		if plan.Status != "ok" || p.State != pipeline.ReleaseHeld || p.Version != "2-test" || len(p.Affected) != len(before) || p.Published["1"] != len(before) {
			t.Errorf("plan of the player summary: %q %s v%s, %d affected, published by %v; want held 2-test, all %d affected", plan.Status, p.State, p.Version, len(p.Affected), p.Published, len(before))
		}
		if p.Dependents[nba.UpcomingPlayer] == 0 || p.Tasks != len(p.Affected)+sum(p.Dependents) || p.Canary != nil {
			t.Errorf("plan of the player summary: dependents %v, %d tasks, canary %v; want the upcoming player contexts following, no canary unasked", p.Dependents, p.Tasks, p.Canary)
		}
		if o := plan.of(nba.TeamOffense); o.State != release.Current || len(o.Affected) != 0 {
			t.Errorf("plan of team offense: %s, %d affected; want current, none", o.State, len(o.Affected))
		}
		if len(plan.Processors) != 5 {
			t.Errorf("plan lists %d processors, want 5", len(plan.Processors))
		}

		// A canary on chosen dates: usage rates change, nothing else.
		c := apiDecode[planReply](t, sv.do(t, http.MethodGet, "/api/plan?canary=player_game_summary&dates=2023-02-03,2023-02-01", nil, false)).of(nba.PlayerGame).Canary
		if c == nil {
			t.Fatal("GET /api/plan?canary=player_game_summary answered no canary")
		}
		var dates []string
		for _, d := range c.Dates {
			dates = append(dates, d.Date.String())
			if d.Changed == 0 || d.Added+d.Removed != 0 || d.RowsBefore != d.RowsAfter {
				t.Errorf("canary %s: %d changed, %d added, %d removed; want usage rates changed, no row added or removed", d.Date, d.Changed, d.Added, d.Removed)
			}
		}
		if !slices.Equal(dates, []string{"2023-02-01", "2023-02-03"}) {
			t.Errorf("canary dates = %v, want 2023-02-01 and 2023-02-03 in order", dates)
		}
		if len(c.Columns) != 1 || c.Columns[0].Column != "usage_rate" || c.Columns[0].Largest <= 0 || c.Promotable || !strings.HasPrefix(c.Reason, "held: usage_rate changed") {
			t.Errorf("canary: columns %+v, promotable %t (%s); want usage_rate alone, held for it", c.Columns, c.Promotable, c.Reason)
		}

		// By default, the newest 7 dates with rows and 3 drawn with the seed.
		sample := func(q string) []pipeline.Date {
			c := apiDecode[planReply](t, sv.do(t, http.MethodGet, "/api/plan?canary=player_game_summary"+q, nil, false)).of(nba.PlayerGame).Canary
			var ds []pipeline.Date
			for _, d := range c.Dates {
				ds = append(ds, d.Date)
			}
			return ds
		}
		def, seeded := sample(""), sample("&seed=1")
		if len(def) != 10 || !slices.Equal(def, seeded) || def[9] != planTo {
			t.Errorf("default canary dates = %v, with seed=1 %v; want 10 the same, ending on %s", def, seeded, planTo)
		}

		// Held: the service recomputes nothing the new code alone changed.
		dec := apiDecode[struct {
			Verdict engine.Verdict `json:"verdict"`
		}](t, sv.do(t, http.MethodGet, "/api/tasks/player_game_summary/2023-02-03", nil, false))
		if dec.Verdict.State != pipeline.Published || dec.Verdict.Code != "held" {
			t.Errorf("held partition's verdict = %s (%s), want published, held", dec.Verdict.State, dec.Verdict.Code)
		}

		// Promoted with the token: the engine recomputes with version 2-test.
		if a := sv.do(t, http.MethodPost, "/api/plan/apply", apiJSON(t, map[string]string{"processor": nba.PlayerGame}), false); a.Code != http.StatusUnauthorized {
			t.Errorf("POST /api/plan/apply without the token = %d %s, want 401", a.Code, a.Raw)
		}
		a := sv.do(t, http.MethodPost, "/api/plan/apply", apiJSON(t, map[string]string{"processor": nba.PlayerGame, "reason": "canary reviewed"}), true)
		rel := apiDecode[struct {
			Release pipeline.Release `json:"release"`
		}](t, a).Release
		if a.Code != http.StatusOK || rel.State != pipeline.ReleasePromoted || rel.Version != "2-test" || rel.Reason != "canary reviewed" {
			t.Fatalf("POST /api/plan/apply = %d %s, want 200 with the promoted release", a.Code, a.Raw)
		}
		eventually(t, "every player summary recomputed by version 2-test", func() bool {
			vs, err := s.Partitions(ctx, pipeline.PartitionFilter{Table: nba.PlayerGame})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				if v.ProcessorVersion != "2-test" {
					return false
				}
			}
			return len(vs) == len(before)
		})
		p = apiDecode[planReply](t, sv.do(t, http.MethodGet, "/api/plan", nil, false)).of(nba.PlayerGame)
		if p.State != pipeline.ReleasePromoted || len(p.Affected) != 0 || p.Tasks != 0 {
			t.Errorf("plan after the promotion: %s, %d affected, %d tasks; want promoted, none", p.State, len(p.Affected), p.Tasks)
		}
	})
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestAPIPlanErrors: faults of the request are answered by kind, naming
// the field.
func TestAPIPlanErrors(t *testing.T) {
	t.Parallel()
	sv := startService(t, testdb.SQLite(t), options{token: apiToken, noEngine: true})
	tests := []struct {
		method, path string
		body         any
		code         int
		field        string
	}{
		{"GET", "/api/plan?canary=no_such_processor", nil, http.StatusNotFound, ""},
		{"GET", "/api/plan?canary=player_game_summary&dates=2023-02-30", nil, http.StatusBadRequest, "dates"},
		{"GET", "/api/plan?canary=player_game_summary&dates=2023-02-01,today", nil, http.StatusBadRequest, "dates"},
		{"GET", "/api/plan?canary=player_game_summary&seed=-1", nil, http.StatusBadRequest, "seed"},
		{"GET", "/api/plan?dates=2023-02-01", nil, http.StatusBadRequest, "canary"},
		{"POST", "/api/plan/apply", map[string]string{}, http.StatusBadRequest, "processor"},
		{"POST", "/api/plan/apply", map[string]string{"processor": "no_such_processor"}, http.StatusBadRequest, "processor"},
		{"GET", "/api/plan/apply", nil, http.StatusMethodNotAllowed, ""},
		{"POST", "/api/plan", nil, http.StatusMethodNotAllowed, ""},
	}
	for _, tt := range tests {
		var body []byte
		if tt.body != nil {
			body = apiJSON(t, tt.body)
		}
		a := sv.do(t, tt.method, tt.path, body, true)
		e := apiDecode[errorReply](t, a)
		if a.Code != tt.code || e.Status != "error" || e.Error == "" || e.Field != tt.field {
			t.Errorf("%s %s %s = %d %s, want %d naming field %q", tt.method, tt.path, body, a.Code, a.Raw, tt.code, tt.field)
		}
	}
	// Nothing was promoted by the refused requests.
	rels, err := sv.Store.Releases(context.Background())
	if err != nil || len(rels) != 0 {
		t.Errorf("releases after refused requests = %v, %v; want none", rels, err)
	}
}
