package httpapi_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

var feb3 = pipeline.MustDate("2023-02-03")

// fixedClock is the engine's clock, safe for concurrent reads.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// eventually polls cond every 20 ms until it holds or the generous
// deadline passes (which fails the test: something never happened; it is
// not a timing goal).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// taskState asks the API why a task is in its state.
func taskState(t *testing.T, sv *service, proc string, d pipeline.Date) (state, reason string) {
	t.Helper()
	a := sv.do(t, "GET", fmt.Sprintf("/api/tasks/%s/%s", proc, d), nil, false)
	dec, _ := a.Body["decision"].(map[string]any)
	state, _ = dec["state"].(string)
	reason, _ = dec["reason"].(string)
	return state, reason
}

// TestFeb3ReplayOverHTTP replays the incident through the service, as
// Phase 2 talks to it: the test writes 2023-02-03's raw rows straight into
// the tables and announces them over HTTP, in the wrong order, twice, and
// with the team box scores first half-written. The player summary waits
// for team offense, is published only after it, reads its final version,
// and reproduces Basketball-Reference's usage rates.
func TestFeb3ReplayOverHTTP(t *testing.T) {
	season := testdb.SeasonRows(t)
	testdb.Each(t, func(t *testing.T, s pipeline.Store) {
		ctx := context.Background()
		clk := &fixedClock{t: time.Date(2023, 2, 4, 5, 0, 0, 0, time.UTC)} // before the deadline
		sv := startService(t, s, options{token: "phase2", mods: func(c *engine.Config) {
			c.Now, c.Recheck = clk.Now, time.Hour // wake-ups only: no safety net to lean on
		}})
		rows := func(table string) []pipeline.Row {
			tb := nba.Catalog.Table(table)
			return testdb.OnDates(tb, season[table], feb3, feb3)
		}
		send := func(body []byte) answer { return sv.do(t, "POST", "/process?token=phase2", body, false) }
		expect := func(a answer, code int, status string) {
			t.Helper()
			if a.Code != code || a.str("status") != status {
				t.Fatalf("answer %d %s, want %d %s: %s", a.Code, a.str("status"), code, status, a.Raw)
			}
		}

		// The gamebook arrives before the schedule that says which games
		// the day has, and its message is delivered twice.
		gamebook := rows(nba.Gamebook)
		testdb.WriteDirect(t, s, nba.GamebookTable, feb3, gamebook)
		expect(send(push(message(nba.Gamebook, feb3, pipeline.StatusSuccess, len(gamebook)), "gb-1")), 202, "accepted")
		expect(send(push(message(nba.Gamebook, feb3, pipeline.StatusSuccess, len(gamebook)), "gb-1")), 200, "duplicate")
		testdb.WriteDirect(t, s, nba.ScheduleTable, feb3, rows(nba.Schedule))
		expect(send(message(nba.Schedule, feb3, pipeline.StatusSuccess, 0)), 202, "accepted")

		eventually(t, "the player summary waits on team offense", func() bool {
			st, why := taskState(t, sv, nba.PlayerGame, feb3)
			return st == pipeline.Waiting && strings.Contains(why, "team_offense_game_summary 2023-02-03 not published")
		})
		if st, why := taskState(t, sv, nba.TeamOffense, feb3); st != pipeline.Waiting || !strings.Contains(why, "missing 8 of 8 games") {
			t.Errorf("team offense before the box scores: %s (%s), want waiting on 8 games", st, why)
		}

		// Phase 2 has written half of the box scores and announces them
		// with the full count: refused with a 503 (the rows are not all
		// there), so Pub/Sub redelivers. Nothing is versioned.
		box := rows(nba.TeamBox)
		testdb.WriteDirect(t, s, nba.TeamBoxTable, feb3, box[:8])
		expect(send(push(message(nba.TeamBox, feb3, pipeline.StatusSuccess, len(box)), "box-1")), 503, "error")
		if _, err := s.CurrentVersion(ctx, nba.TeamBox, feb3); !pipeline.IsNotFound(err) {
			t.Fatalf("team box version after a refused announcement: %v, want none", err)
		}
		// The rest is written; the redelivery is accepted, and delivered
		// once more; a second sender announces the same content.
		testdb.WriteDirect(t, s, nba.TeamBoxTable, feb3, box)
		accepted := send(push(message(nba.TeamBox, feb3, pipeline.StatusSuccess, len(box)), "box-1"))
		expect(accepted, 202, "accepted")
		if tasks := fmt.Sprint(accepted.Body["tasks"]); !strings.Contains(tasks, nba.TeamOffense) || !strings.Contains(tasks, nba.TeamDefense) {
			t.Errorf("woken tasks = %s, want team offense and team defense", tasks)
		}
		expect(send(push(message(nba.TeamBox, feb3, pipeline.StatusSuccess, len(box)), "box-1")), 200, "duplicate")
		expect(send(message(nba.TeamBox, feb3, pipeline.StatusSuccess, len(box))), 200, "duplicate")

		eventually(t, "the player summary is published", func() bool {
			st, _ := taskState(t, sv, nba.PlayerGame, feb3)
			return st == pipeline.Published
		})
		// The API's verdict reads the committed publication; the engine's
		// event for the run follows once its worker reports back.
		eventually(t, "the engine reports the player summary's publication", func() bool {
			return slices.ContainsFunc(sv.Events.list(), func(ev engine.Event) bool {
				return ev.Task == (pipeline.TaskKey{Processor: nba.PlayerGame, Date: feb3}) && ev.State == pipeline.Published
			})
		})
		team, err := s.CurrentVersion(ctx, nba.TeamOffense, feb3)
		if err != nil {
			t.Fatal(err)
		}
		hist, err := s.History(ctx, nba.PlayerGame, feb3)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 1 {
			t.Errorf("player summary versions = %d, want exactly 1 (never published before team offense)", len(hist))
		}
		for _, v := range hist {
			if got := inputVersion(v, nba.TeamOffense, feb3); got != team.Version || v.CreatedAt.Before(team.CreatedAt) {
				t.Errorf("player version %d read team offense version %d at %v; want version %d, published at %v or later",
					v.Version, got, v.CreatedAt, team.Version, team.CreatedAt)
			}
		}
		firstPublished := map[string]int{}
		for i, ev := range sv.Events.list() {
			if ev.Task.Date == feb3 && ev.State == pipeline.Published {
				if _, ok := firstPublished[ev.Task.Processor]; !ok {
					firstPublished[ev.Task.Processor] = i
				}
			}
			if ev.Task == (pipeline.TaskKey{Processor: nba.PlayerGame, Date: feb3}) && ev.State == pipeline.Running {
				if _, ok := firstPublished[nba.TeamOffense]; !ok {
					t.Errorf("the player summary started (event %d) before team offense was published", i)
				}
			}
		}
		if p, tm := firstPublished[nba.PlayerGame], firstPublished[nba.TeamOffense]; p <= tm {
			t.Errorf("player summary published at event %d, team offense at %d; want team offense first", p, tm)
		}
		got, _, err := s.ReadPartition(ctx, nba.PlayerGameTable, feb3)
		if err != nil {
			t.Fatal(err)
		}
		usage := nba.PlayerGameTable.MustCol("usage_rate")
		for _, r := range got {
			if u, ok := r[usage].(float64); ok && (u < 0 || u > 60) {
				t.Errorf("usage rate %v for %v: out of any real range (the incident's were 600-1275%%)", u, r[nba.PlayerGameTable.MustCol("player_lookup")])
			}
		}
		if u := usageOf(got, "jaysontatum"); math.Abs(u-27.5) > 0.05 {
			t.Errorf("Jayson Tatum 2023-02-03 usage = %v, want 27.5 as Basketball-Reference published", u)
		}
		trig, err := s.Triggers(ctx, 0, 100)
		if err != nil || len(trig) != 3 {
			t.Errorf("triggers = %d (%v), want 3: one per raw partition, duplicates and the refusal recording none", len(trig), err)
		}
	})
}

func inputVersion(v pipeline.PartitionVersion, table string, d pipeline.Date) int {
	for _, in := range v.Inputs {
		if in.Table == table && in.Date == d {
			return in.Version
		}
	}
	return 0
}

func usageOf(rows []pipeline.Row, lookup string) float64 {
	t := nba.PlayerGameTable
	for _, r := range rows {
		if r[t.MustCol("player_lookup")] == lookup {
			u, _ := r[t.MustCol("usage_rate")].(float64)
			return u
		}
	}
	return math.NaN()
}
