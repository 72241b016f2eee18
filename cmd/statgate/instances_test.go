package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/chaos"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/postgres"
	"github.com/statgate/statgate/internal/sqlite"
	"github.com/statgate/statgate/internal/testdb"
)

// testSeed is the seed of a randomised process test: STATGATE_TEST_SEED
// replays one, else it is new each run. It is printed either way.
func testSeed(t *testing.T) uint64 {
	t.Helper()
	seed := rand.Uint64() % 1_000_000
	if v := os.Getenv("STATGATE_TEST_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("STATGATE_TEST_SEED=%q: %v", v, err)
		}
		seed = n
	}
	t.Logf("seed %d (replay with STATGATE_TEST_SEED=%d)", seed, seed)
	return seed
}

// instance is one `statgate serve` process of the test, its log in a file.
type instance struct {
	*server
	log string
}

// startLogged starts serve with its log (JSON lines) written to a file.
func startLogged(t *testing.T, bin, logPath string, args ...string) *instance {
	t.Helper()
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "info"}, args...)...)
	cmd.Stderr = f
	sv := launch(t, cmd, func() string {
		log, _ := os.ReadFile(logPath)
		return string(log)
	})
	return &instance{server: sv, log: logPath}
}

// withSearchPath points a PostgreSQL URL at schema.
func withSearchPath(url, schema string) string {
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "search_path=" + schema
}

// accepted is an announcement an instance accepted.
type accepted struct {
	at       time.Time
	instance int
	part     pipeline.PartKey
}

// TestInstancesSurviveSIGKILL: three `statgate serve` processes share one
// PostgreSQL database. Phase 2 writes ten real dates' raw rows and
// announces each partition, in random order, to a random instance, while
// instances are SIGKILLed and restarted at random. At quiescence no
// announcement is lost, no version regressed or was published twice, no
// run is left open, and every partition equals a single-process run's.
// The test also reports the wake latency across processes: from an
// announcement accepted by one instance to the first task it made ready
// starting on another.
func TestInstancesSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs three services")
	}
	url := testdb.PostgresURL(t)
	schema := testdb.NewSchema(t, url)
	ctx := context.Background()
	s, err := postgres.Open(ctx, postgres.Config{URL: url, Schema: schema, Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	seed := testSeed(t)
	rnd := rand.New(rand.NewPCG(seed, 11))
	defer func() {
		if t.Failed() {
			t.Logf("replay with STATGATE_TEST_SEED=%d", seed)
		}
	}()
	// Ten dates whose box scores all exist: nothing waits for a deadline.
	from, to := pipeline.MustDate("2023-01-09"), pipeline.MustDate("2023-01-18")
	season := testdb.SeasonRows(t)
	final := map[pipeline.PartKey][]pipeline.Row{}
	var parts []pipeline.PartKey
	for _, name := range []string{nba.Schedule, nba.Gamebook, nba.TeamBox} {
		tb := nba.Catalog.Table(name)
		for d := from; d <= to; d++ {
			k := pipeline.PartKey{Table: name, Date: d}
			if rows := testdb.OnDates(tb, season[name], d, d); len(rows) > 0 || name == nba.Schedule {
				final[k] = rows
				parts = append(parts, k)
			}
		}
	}
	rnd.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })

	bin := buildBinary(t)
	dir := t.TempDir()
	args := []string{"--db", withSearchPath(url, schema), "--lease-ttl", "2s"}
	procs := make([]*instance, 3)
	var logs []string
	start := func(i int) {
		path := filepath.Join(dir, fmt.Sprintf("serve-%d-%d.log", i, len(logs)))
		logs = append(logs, path)
		procs[i] = startLogged(t, bin, path, args...)
	}
	for i := range procs {
		start(i)
	}
	var (
		announced []accepted
		kills     int
		down      = map[int]int{} // instance → deliveries until it restarts
	)
	for n, k := range parts {
		for i, left := range down {
			if left == 0 {
				start(i)
				delete(down, i)
			} else {
				down[i] = left - 1
			}
		}
		if rnd.IntN(6) == 0 && len(down) < 2 {
			i := rnd.IntN(3)
			if _, dead := down[i]; !dead {
				procs[i].cmd.Process.Signal(syscall.SIGKILL)
				<-procs[i].exited
				down[i] = rnd.IntN(3)
				kills++
				t.Logf("delivery %d: SIGKILL instance %d", n, i)
			}
		}
		testdb.WriteDirect(t, s, nba.Catalog.Table(k.Table), k.Date, final[k])
		announced = append(announced, announce(t, procs, down, rnd, k, n, len(final[k])))
		time.Sleep(time.Duration(rnd.IntN(40)) * time.Millisecond)
	}
	for i := range down {
		start(i)
	}
	waitUntil(t, "every task settles", func() bool { return settled(t, procs[0], from, to) })
	// The runs of killed processes are recorded abandoned at the engines'
	// next sweep (once per 30 s re-check).
	deadline := time.Now().Add(2 * time.Minute)
	for openRuns(t, s) > 0 && time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
	}
	for _, p := range procs {
		p.cmd.Process.Signal(syscall.SIGTERM)
		<-p.exited
	}

	ref, err := chaos.Reference(ctx, dir, final, from, to, time.Now().Add(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	violations, err := chaos.Audit(ctx, s, ref, from, to)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range violations {
		t.Error(v)
	}
	trig, err := s.Triggers(ctx, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, tr := range trig {
		ids[tr.MessageID] = true
	}
	for n := range announced {
		if !ids[fmt.Sprintf("msg-%d", n)] {
			t.Errorf("announcement msg-%d was accepted but no trigger was recorded", n)
		}
	}
	p50, p99, n := wakeLatency(t, logs, announced)
	t.Logf("%d partitions announced, %d SIGKILLs, %d analytics partitions equal to a single-process run; "+
		"wake across processes (announcement accepted → dependent task started on another instance) p50 %s, p99 %s over %d",
		len(announced), kills, len(ref), p50, p99, n)
}

// announce posts a Phase 2 message for k to a live instance, as a Pub/Sub
// push: an instance that is down or answers 5xx makes Pub/Sub deliver it
// again, perhaps to another one.
func announce(t *testing.T, procs []*instance, down map[int]int, rnd *rand.Rand, k pipeline.PartKey, n, rows int) accepted {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"message": map[string]any{
		"messageId": fmt.Sprintf("msg-%d", n),
		"data": mustJSON(map[string]any{"output_table": "nba_raw." + k.Table, "game_date": k.Date.String(),
			"status": "success", "record_count": rows}),
	}, "subscription": "projects/p/subscriptions/phase3"})
	for attempt := 0; attempt < 100; attempt++ {
		i := rnd.IntN(len(procs))
		if _, dead := down[i]; dead {
			continue
		}
		res, err := http.Post(procs[i].url+"/process", "application/json", strings.NewReader(string(body)))
		if err != nil {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		res.Body.Close()
		if res.StatusCode == http.StatusAccepted || res.StatusCode == http.StatusOK {
			return accepted{at: time.Now(), instance: i, part: k}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no instance accepted the announcement of %s %s", k.Table, k.Date)
	return accepted{}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// settled asks an instance whether every task of from..to is published.
func settled(t *testing.T, p *instance, from, to pipeline.Date) bool {
	var parts struct {
		Tasks []struct{ State string } `json:"tasks"`
	}
	p.call(t, "GET", "/api/partitions?from="+from.String()+"&to="+to.String(), "", nil, &parts)
	for _, task := range parts.Tasks {
		if task.State != pipeline.Published {
			return false
		}
	}
	return len(parts.Tasks) == 5*int(to-from+1)
}

// openRuns counts runs not recorded as finished.
func openRuns(t *testing.T, s pipeline.Store) int {
	runs, err := s.Runs(context.Background(), pipeline.RunFilter{Limit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range runs {
		if r.FinishedAt == nil {
			n++
		}
	}
	return n
}

// wakeLatency reads the instances' logs: for each announcement, the first
// task of a processor reading that partition which started after it, if it
// started on another instance than the one that accepted it.
func wakeLatency(t *testing.T, logs []string, announced []accepted) (p50, p99 time.Duration, n int) {
	t.Helper()
	type start struct {
		at   time.Time
		log  string
		task pipeline.TaskKey
	}
	var starts []start
	for _, path := range logs {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var line struct {
				Time      time.Time `json:"time"`
				Msg       string    `json:"msg"`
				Processor string    `json:"processor"`
				Date      string    `json:"game_date"`
			}
			if json.Unmarshal(sc.Bytes(), &line) != nil || line.Msg != "task start" {
				continue
			}
			d, err := pipeline.ParseDate(line.Date)
			if err != nil {
				continue
			}
			starts = append(starts, start{at: line.Time, log: path, task: pipeline.TaskKey{Processor: line.Processor, Date: d}})
		}
		f.Close()
	}
	slices.SortFunc(starts, func(a, b start) int { return a.at.Compare(b.at) })
	g, err := graph()
	if err != nil {
		t.Fatal(err)
	}
	var lat []time.Duration
	for i, a := range announced {
		var until time.Time
		if i+1 < len(announced) {
			until = announced[i+1].at
		}
		for _, s := range starts {
			if s.at.Before(a.at) || !until.IsZero() && s.at.After(until) || !reads(g.Processor(s.task.Processor).Inputs(), s.task.Date, a.part) {
				continue
			}
			if !strings.Contains(s.log, fmt.Sprintf("serve-%d-", a.instance)) {
				lat = append(lat, s.at.Sub(a.at))
			}
			break
		}
	}
	if len(lat) == 0 {
		return 0, 0, 0
	}
	slices.Sort(lat)
	return lat[len(lat)/2], lat[len(lat)*99/100], len(lat)
}

// reads reports whether a task for d with these inputs reads partition k.
func reads(inputs []pipeline.Input, d pipeline.Date, k pipeline.PartKey) bool {
	for _, in := range inputs {
		if in.Table == k.Table && in.Window.Contains(d, k.Date) {
			return true
		}
	}
	return false
}

// TestBackfillSurvivesSIGKILLs: a SQLite backfill over three months is
// SIGKILLed four times at random moments and started again each time; the
// last run completes it. Its content equals an uninterrupted run's, no
// version regressed or was published twice, and every run of a killed
// process is recorded abandoned.
func TestBackfillSurvivesSIGKILLs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it")
	}
	rnd := rand.New(rand.NewPCG(testSeed(t), 12))
	from, to := pipeline.MustDate("2023-01-02"), pipeline.MustDate("2023-03-31")
	dir := t.TempDir()
	db := filepath.Join(dir, "backfill.db")
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: db, Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	testdb.LoadRaw(t, s, testdb.SeasonRows(t), from, to)
	s.Close()
	// The same data, backfilled once without interruption: the reference.
	clean := filepath.Join(dir, "clean.db")
	copyFile(t, db, clean)
	bin := buildBinary(t)
	if out, err := exec.Command(bin, "backfill", "--from", from.String(), "--to", to.String(), "--db", clean).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted backfill: %v\n%s", err, out)
	}
	args := []string{"backfill", "--from", from.String(), "--to", to.String(), "--db", db, "--lease-ttl", "1s"}
	for kill := range 4 {
		cmd := exec.Command(bin, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(150+rnd.IntN(450)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		t.Logf("kill %d: %d analytics partitions published so far", kill+1, countVersions(t, db))
		time.Sleep(1100 * time.Millisecond) // its leases expire
	}
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("backfill after the kills: %v\n%s", err, out)
	}
	ref := analyticsVersions(t, clean)
	if s, err = sqlite.Open(context.Background(), sqlite.Config{Path: db, Catalog: nba.Catalog}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	violations, err := chaos.Audit(context.Background(), s, ref, from, to)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range violations {
		t.Error(v)
	}
	runs, err := s.Runs(context.Background(), pipeline.RunFilter{Limit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	abandoned := 0
	for _, r := range runs {
		if r.State == pipeline.RunAbandoned {
			abandoned++
		}
	}
	t.Logf("%d runs, %d of them abandoned by killed processes; %d partitions equal to an uninterrupted run's", len(runs), abandoned, len(ref))
}

// copyFile copies a closed SQLite database file.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// analyticsVersions reads the current version of every analytics
// partition of a SQLite database.
func analyticsVersions(t *testing.T, db string) map[pipeline.PartKey]pipeline.PartitionVersion {
	t.Helper()
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: db, Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out := map[pipeline.PartKey]pipeline.PartitionVersion{}
	for _, p := range nba.Processors() {
		vs, err := s.Partitions(context.Background(), pipeline.PartitionFilter{Table: p.Name()})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			out[pipeline.PartKey{Table: v.Table, Date: v.Date}] = v
		}
	}
	return out
}
