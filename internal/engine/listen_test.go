package engine_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/postgres"
	"github.com/statgate/statgate/internal/testdb"
)

// TestWokenByAnotherProcess: on PostgreSQL, an engine waiting for box
// scores is woken by another process's load through LISTEN/NOTIFY. Its
// clock is frozen and its trigger poll and re-check are an hour, so without
// the notification it would sleep for an hour: the guard below fails the
// test instead of waiting that long.
func TestWokenByAnotherProcess(t *testing.T) {
	url := testdb.PostgresURL(t)
	schema := testdb.NewSchema(t, url)
	open := func() *postgres.Store {
		s, err := postgres.Open(context.Background(), postgres.Config{URL: url, Schema: schema, Catalog: nba.Catalog})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	mine, theirs := open(), open() // two pools, as two processes would have
	season := testdb.SeasonRows(t)
	testdb.LoadRaw(t, mine, season, feb3, feb3, nba.Schedule, nba.Gamebook)
	clk := func() time.Time { return time.Date(2023, 2, 4, 5, 0, 0, 0, time.UTC) }
	e := newEngine(t, mine, clk, func(c *engine.Config) { c.Recheck, c.TriggerPoll = time.Hour, time.Hour })
	done := make(chan engine.Report, 1)
	go func() {
		rep, err := e.Run(context.Background(), engine.Scope{From: feb3, To: feb3,
			Processors: []string{nba.TeamOffense, nba.PlayerGame}, WaitFor: time.Minute})
		if err != nil {
			t.Error(err)
		}
		done <- rep
	}()
	time.Sleep(200 * time.Millisecond) // let it plan and start waiting
	testdb.LoadRaw(t, theirs, season, feb3, feb3, nba.TeamBox)
	select {
	case rep := <-done:
		if st, why := decision(rep, nba.PlayerGame, feb3); st != pipeline.Published {
			t.Errorf("player after the other process's load: %s (%s), want published", st, why)
		}
	case <-time.After(45 * time.Second):
		t.Fatal("the engine was not woken by the other process's publication")
	}
}

// BenchmarkWakeAcrossProcesses measures, on PostgreSQL, the time from an
// announcement recorded through one process's connection pool to the
// start of the task it made ready in an engine of another, which learns
// of it by LISTEN/NOTIFY (its trigger poll and re-check are an hour).
// Each iteration completes one real date by announcing its box scores.
func BenchmarkWakeAcrossProcesses(b *testing.B) {
	url := testdb.PostgresURL(b)
	schema := testdb.NewSchema(b, url)
	open := func() *postgres.Store {
		s, err := postgres.Open(context.Background(), postgres.Config{URL: url, Schema: schema, Catalog: nba.Catalog})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	}
	phase2, service := open(), open()
	season := testdb.SeasonRows(b)
	// b.N dates from November on whose games all have box scores.
	var dates []pipeline.Date
	for d := pipeline.MustDate("2022-11-01"); len(dates) < b.N; d++ {
		games := len(testdb.OnDates(nba.ScheduleTable, season[nba.Schedule], d, d))
		if games > 0 && len(testdb.OnDates(nba.TeamBoxTable, season[nba.TeamBox], d, d)) == 2*games {
			dates = append(dates, d)
		}
	}
	from, to := dates[0], dates[len(dates)-1]
	testdb.LoadRaw(b, phase2, season, from, to, nba.Schedule, nba.Gamebook)
	started := make(chan time.Time, 1)
	e := newEngine(b, service, time.Now, func(c *engine.Config) {
		c.Recheck, c.TriggerPoll = time.Hour, time.Hour
		c.Events = func(ev engine.Event) {
			if ev.State == pipeline.Running && ev.Task.Processor == nba.TeamOffense {
				select {
				case started <- time.Now():
				default:
				}
			}
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(ctx, engine.Scope{Follow: true}) //nolint:errcheck // stopped below
	}()
	time.Sleep(300 * time.Millisecond) // it plans and waits for the box scores
	var lat []time.Duration
	b.ResetTimer()
	for _, d := range dates {
		testdb.WriteDirect(b, phase2, nba.TeamBoxTable, d, testdb.OnDates(nba.TeamBoxTable, season[nba.TeamBox], d, d))
		if _, err := phase2.Announce(ctx, pipeline.Announcement{Table: nba.TeamBoxTable, Date: d, Status: pipeline.StatusSuccess}); err != nil {
			b.Fatal(err)
		}
		at := time.Now()
		select {
		case s := <-started:
			lat = append(lat, s.Sub(at))
		case <-time.After(30 * time.Second):
			b.Fatalf("%s: no task started in the other process within 30 s", d)
		}
		time.Sleep(50 * time.Millisecond) // let the date's other tasks finish
		for len(started) > 0 {
			<-started
		}
	}
	b.StopTimer()
	cancel()
	<-done
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
