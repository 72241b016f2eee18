package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/testdb"
)

// TestProcessUnderLoad sends 5,000 Pub/Sub pushes from 50 concurrent
// clients over loopback HTTP: 4,000 announce distinct raw partitions and
// 1,000 are duplicates (half a redelivered message id, half the same
// content under a new id), shuffled so a duplicate may arrive before its
// original. None is lost: exactly 4,000 are accepted and recorded, each
// partition versioned once, and the other 1,000 are answered as
// duplicates. Throughput and latency are logged, not asserted.
func TestProcessUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("5,000 requests")
	}
	const (
		unique  = 4000
		dups    = 1000
		clients = 50
	)
	testdb.Each(t, func(t *testing.T, s pipeline.Store) {
		// Phase 2 has written one prop line per date, for 4,000 dates.
		first := pipeline.MustDate("2010-01-01")
		at := time.Date(2010, 1, 1, 18, 0, 0, 0, time.UTC)
		rows := make([]pipeline.Row, unique)
		for i := range rows {
			d := first.AddDays(i)
			rows[i] = pipeline.Row{fmt.Sprintf("%s_BOS_NYK", d.Time().Format("20060102")), d, "jaysontatum", "draftkings", 20.5 + float64(i%20), at.AddDate(0, 0, i)}
		}
		testdb.WriteDirectDates(t, s, nba.PointsPropsTable, rows)
		sv := startService(t, s, options{token: "load"})

		type req struct {
			id   string
			date pipeline.Date
		}
		reqs := make([]req, 0, unique+dups)
		for i := range unique {
			reqs = append(reqs, req{fmt.Sprintf("m-%d", i), first.AddDays(i)})
		}
		rnd := rand.New(rand.NewPCG(6, 2023))
		for i := range dups {
			j := rnd.IntN(unique)
			id := fmt.Sprintf("m-%d", j) // a redelivery
			if i%2 == 1 {
				id = fmt.Sprintf("again-%d", i) // the same content, another message
			}
			reqs = append(reqs, req{id, first.AddDays(j)})
		}
		rnd.Shuffle(len(reqs), func(i, j int) { reqs[i], reqs[j] = reqs[j], reqs[i] })

		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
		defer client.CloseIdleConnections()
		work := make(chan req)
		var (
			mu        sync.Mutex
			byStatus  = map[string]int{}
			latencies = make([]time.Duration, 0, len(reqs))
		)
		var wg sync.WaitGroup
		start := time.Now()
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range work {
					body := push(message(nba.PointsProps, r.date, pipeline.StatusSuccess, 1), r.id)
					t0 := time.Now()
					res, err := client.Post(sv.URL+"/process?token=load", "application/json", bytes.NewReader(body))
					if err != nil {
						t.Error(err)
						continue
					}
					raw, _ := io.ReadAll(res.Body)
					res.Body.Close()
					took := time.Since(t0)
					key := fmt.Sprintf("%d %s", res.StatusCode, statusOf(raw))
					mu.Lock()
					byStatus[key]++
					latencies = append(latencies, took)
					mu.Unlock()
				}
			}()
		}
		for _, r := range reqs {
			work <- r
		}
		close(work)
		wg.Wait()
		elapsed := time.Since(start)

		want := map[string]int{"202 accepted": unique, "200 duplicate": dups}
		if fmt.Sprint(byStatus) != fmt.Sprint(want) {
			t.Errorf("answers = %v, want %v", byStatus, want)
		}
		ctx := context.Background()
		trig, err := s.Triggers(ctx, 0, 2*unique)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, tr := range trig {
			ids[tr.MessageID] = true
		}
		if len(trig) != unique || len(ids) != unique {
			t.Errorf("recorded %d triggers (%d message ids), want %d", len(trig), len(ids), unique)
		}
		vs, err := s.Partitions(ctx, pipeline.PartitionFilter{Table: nba.PointsProps})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			if v.Version != 1 {
				t.Errorf("%s %s is at version %d, want 1", v.Table, v.Date, v.Version)
			}
		}
		if len(vs) != unique {
			t.Errorf("versioned partitions = %d, want %d", len(vs), unique)
		}
		slices.Sort(latencies)
		q := func(p float64) time.Duration { return latencies[int(p*float64(len(latencies)-1))] }
		t.Logf("%d requests from %d clients in %v: %.0f requests/s; latency p50 %v, p99 %v, max %v",
			len(reqs), clients, elapsed.Round(time.Millisecond), float64(len(reqs))/elapsed.Seconds(),
			q(0.5).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond), q(1).Round(10*time.Microsecond))
	})
}

// statusOf extracts the status field of a JSON answer.
func statusOf(raw []byte) string {
	var v struct {
		Status string `json:"status"`
	}
	if err := jsonUnmarshal(raw, &v); err != nil {
		return "not JSON"
	}
	return v.Status
}
