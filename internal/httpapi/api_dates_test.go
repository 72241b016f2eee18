package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

// apiNow is the API's clock in the tests of the game_date bounds, so that
// the bounds do not move with the calendar: today is 2024-06-01 and the
// latest real game date 2025-06-01.
var apiNow = time.Date(2024, time.June, 1, 15, 0, 0, 0, time.UTC)

func apiClock() time.Time { return apiNow }

// TestAPIProcessRefusesUnrealGameDate: a message dated before the first
// game (1946-11-01) or more than a year after today is a typo; taken as
// real, it would make every date up to it a date to work on. It gets 400
// naming game_date and the bounds, bare or in a Pub/Sub envelope, whatever
// its table and status, and nothing is recorded. The bounds themselves
// are real dates.
func TestAPIProcessRefusesUnrealGameDate(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, s pipeline.Store) {
		sv := startService(t, s, options{token: apiToken, noEngine: true, now: apiClock})
		last := pipeline.LastGameDate(pipeline.DateOf(apiNow))
		if last != pipeline.MustDate("2025-06-01") {
			t.Fatalf("LastGameDate(%s) = %s, want 2025-06-01", pipeline.DateOf(apiNow), last)
		}
		unreal := []string{"9999-12-31", "2122-10-18", "0000-01-01", "1946-10-31", last.AddDays(1).String()}
		for _, d := range unreal {
			for _, m := range []struct{ table, status string }{
				{nba.Schedule, pipeline.StatusNoData},
				{nba.TeamBox, pipeline.StatusSuccess},
				{nba.Gamebook, pipeline.StatusFailed},
			} {
				bare := fmt.Sprintf(`{"output_table":"nba_raw.%s","game_date":%q,"status":%q}`, m.table, d, m.status)
				for _, form := range []struct{ name, body, field string }{
					{"bare", bare, "game_date"},
					{"push", string(push([]byte(bare), "far-"+m.table+"-"+d)), "message.data.game_date"},
				} {
					a := sv.do(t, "POST", "/process", []byte(form.body), true)
					got := apiDecode[errorReply](t, a)
					if a.Code != http.StatusBadRequest || got.Status != "error" || got.Field != form.field {
						t.Errorf("POST /process (%s %s %s, %s) = %d %s, want 400 naming field %q", m.table, d, m.status, form.name, a.Code, a.Raw, form.field)
						continue
					}
					for _, want := range []string{d, "1946-11-01", last.String()} {
						if !strings.Contains(got.Error, want) {
							t.Errorf("POST /process (%s %s, %s) error = %q, want it to mention %s", m.table, d, form.name, got.Error, want)
						}
					}
				}
			}
		}
		apiNothingRecorded(t, sv.Store)
		if evs, err := s.Events(context.Background(), time.Time{}, 100); err != nil || len(evs) != 0 {
			t.Errorf("Events = %+v, %v; want none: a refused message is not a quality event", evs, err)
		}

		// The first and the last real game dates are taken.
		for _, d := range []pipeline.Date{pipeline.FirstGameDate, last} {
			a := sv.do(t, "POST", "/process", push(message(nba.Schedule, d, pipeline.StatusNoData, 0), "edge-"+d.String()), true)
			if a.Code != http.StatusAccepted || a.str("status") != "accepted" {
				t.Errorf("POST /process (%s no_data on %s) = %d %s, want 202 accepted", nba.Schedule, d, a.Code, a.Raw)
			}
		}
	})
}

// TestAPIBackfillNeedsScheduledDates: a backfill covers only the dates
// the schedule lists. A range in which it lists none gets 400 naming the
// range, records no backfill and makes no task; so do start and end dates
// that cannot be game dates. A range with scheduled dates is accepted and
// the answer says how many it covers; the old 400s stay.
func TestAPIBackfillNeedsScheduledDates(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, s pipeline.Store) {
		sv := startService(t, s, options{token: apiToken, now: apiClock})
		ctx := context.Background()
		everyTask := func() []pipeline.TaskRecord {
			t.Helper()
			recs, err := s.Tasks(ctx, pipeline.FirstGameDate, pipeline.MustDate("2030-12-31"))
			if err != nil {
				t.Fatal(err)
			}
			return recs
		}
		backfill := func(from, to string, extra string) (answer, errorReply) {
			t.Helper()
			body := fmt.Sprintf(`{"start_date":%q,"end_date":%q%s}`, from, to, extra)
			a := sv.do(t, "POST", "/process-date-range", []byte(body), true)
			return a, apiDecode[errorReply](t, a)
		}

		// No schedule is loaded: 400 days of nothing to compute.
		from, to := apiFeb1, apiFeb1.AddDays(399)
		a, got := backfill(from.String(), to.String(), "")
		if a.Code != http.StatusBadRequest || got.Status != "error" || !strings.Contains(got.Error, "schedule lists no dates") ||
			!strings.Contains(got.Error, from.String()) || !strings.Contains(got.Error, to.String()) {
			t.Errorf("POST /process-date-range %s..%s (no schedule) = %d %s, want 400 naming the range: the schedule lists no dates in it", from, to, a.Code, a.Raw)
		}

		// Dates that cannot be game dates name their field.
		for _, tt := range []struct{ start, end, field, bad string }{
			{"0000-01-01", "2023-02-01", "start_date", "0000-01-01"},
			{"1946-10-31", "1946-11-02", "start_date", "1946-10-31"},
			{"2023-02-01", "9999-12-31", "end_date", "9999-12-31"},
			{"2025-05-01", "2025-06-02", "end_date", "2025-06-02"},
			{"2122-10-18", "2122-10-19", "start_date", "2122-10-18"},
		} {
			a, got := backfill(tt.start, tt.end, "")
			if a.Code != http.StatusBadRequest || got.Status != "error" || got.Field != tt.field ||
				!strings.Contains(got.Error, tt.bad) || !strings.Contains(got.Error, "1946-11-01") {
				t.Errorf("POST /process-date-range %s..%s = %d %s, want 400 naming field %s and the bounds", tt.start, tt.end, a.Code, a.Raw, tt.field)
			}
		}
		apiNothingRecorded(t, sv.Store)
		if recs := everyTask(); len(recs) != 0 {
			t.Errorf("Tasks(%s, 2030-12-31) = %d task rows after refused backfills, want none: %+v", pipeline.FirstGameDate, len(recs), recs[0])
		}

		// The schedule lists 2023-02-01..03.
		testdb.LoadRaw(t, s, apiSeason(t), apiFeb1, apiFeb3, nba.Schedule)
		for _, r := range []struct{ from, to string }{
			{"2023-02-04", "2023-02-20"},
			{"2023-07-01", "2023-07-31"},
			{"2023-01-01", "2023-01-31"},
		} {
			a, got := backfill(r.from, r.to, "")
			if a.Code != http.StatusBadRequest || !strings.Contains(got.Error, "schedule lists no dates") ||
				!strings.Contains(got.Error, r.from) || !strings.Contains(got.Error, r.to) {
				t.Errorf("POST /process-date-range %s..%s (schedule lists 2023-02-01..03) = %d %s, want 400 naming the range", r.from, r.to, a.Code, a.Raw)
			}
		}
		if bfs, err := s.Backfills(ctx, false); err != nil || len(bfs) != 0 {
			t.Errorf("Backfills(false) = %+v, %v; want none after refused ranges", bfs, err)
		}
		for _, r := range [][2]pipeline.Date{{pipeline.MustDate("2023-02-04"), pipeline.MustDate("2023-07-31")}, {pipeline.MustDate("2023-01-01"), pipeline.MustDate("2023-01-31")}} {
			if recs, err := s.Tasks(ctx, r[0], r[1]); err != nil || len(recs) != 0 {
				t.Errorf("Tasks(%s, %s) = %d task rows, %v; want none on dates the schedule does not list", r[0], r[1], len(recs), err)
			}
		}

		// The old refusals stay, now that the range has scheduled dates.
		for _, tt := range []struct{ from, to, extra, field string }{
			{"2023-02-03", "2023-02-01", "", "end_date"},
			{"2023-01-01", "2024-02-05", "", "end_date"},
			{"2023-02-01", "2023-02-03", `,"processors":["box"]`, "processors"},
			{"2023-02-01", "2023-02-03", `,"mode":"everything"`, "mode"},
		} {
			if a, got := backfill(tt.from, tt.to, tt.extra); a.Code != http.StatusBadRequest || got.Field != tt.field {
				t.Errorf("POST /process-date-range %s..%s%s = %d %s, want 400 naming field %s", tt.from, tt.to, tt.extra, a.Code, a.Raw, tt.field)
			}
		}

		// A range around the scheduled dates is accepted as asked.
		a, _ = backfill("2023-01-25", "2023-02-10", `,"processors":["player_game_summary"]`)
		acc := apiDecode[struct {
			Status         string            `json:"status"`
			BackfillID     int64             `json:"backfill_id"`
			ScheduledDates int               `json:"scheduled_dates"`
			Backfill       pipeline.Backfill `json:"backfill"`
		}](t, a)
		if a.Code != http.StatusAccepted || acc.Status != "accepted" || acc.BackfillID <= 0 || acc.ScheduledDates != 3 ||
			acc.Backfill.From != pipeline.MustDate("2023-01-25") || acc.Backfill.To != pipeline.MustDate("2023-02-10") {
			t.Errorf("POST /process-date-range 2023-01-25..2023-02-10 = %d %s, want 202 accepted covering 3 scheduled dates", a.Code, a.Raw)
		}
	})
}
