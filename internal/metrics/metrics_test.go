package metrics_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/metrics"
	"github.com/statgate/statgate/internal/pipeline"
)

// TestMetrics feeds the collectors what the engine and the API report and
// reads the exposition back: each series moves as an operator would expect.
func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, []string{"team_offense_game_summary", "player_game_summary"})
	key := pipeline.TaskKey{Processor: "player_game_summary", Date: pipeline.MustDate("2023-02-03")}
	m.Event(engine.Event{Task: key, State: pipeline.Running, WaitedFor: 3 * time.Millisecond})
	m.Event(engine.Event{Task: key, State: "retry", Table: "player_game_summary", Duration: time.Second})
	m.Event(engine.Event{Task: key, State: pipeline.Published, Table: "player_game_summary", Duration: 40 * time.Millisecond,
		Outcomes: []pipeline.Outcome{{Check: "points_identity", Severity: pipeline.Warning}}})
	m.Observe(engine.Stats{ByState: map[string]int{pipeline.Published: 7, pipeline.Waiting: 3}, Queued: 2,
		OpenCircuits: []string{"player_game_summary"}, Late: map[string]int{"player_game_summary": 2}})
	m.Trigger("accepted")
	m.Trigger("duplicate")
	m.Trigger("duplicate")
	m.Request("POST /process", 202, 5*time.Millisecond)

	want := `
# HELP statgate_check_failures_total Failed quality checks by table, check and severity.
# TYPE statgate_check_failures_total counter
statgate_check_failures_total{check="points_identity",severity="warning",table="player_game_summary"} 1
# HELP statgate_circuit_open 1 while a processor's circuit breaker is open.
# TYPE statgate_circuit_open gauge
statgate_circuit_open{processor="player_game_summary"} 1
statgate_circuit_open{processor="team_offense_game_summary"} 0
# HELP statgate_late_partitions Partitions past their table's publish deadline and never published, by processor, after the last planning round.
# TYPE statgate_late_partitions gauge
statgate_late_partitions{processor="player_game_summary"} 2
statgate_late_partitions{processor="team_offense_game_summary"} 0
# HELP statgate_publications_total Partition versions published by the engine, by table.
# TYPE statgate_publications_total counter
statgate_publications_total{table="player_game_summary"} 1
# HELP statgate_queue_depth Tasks ready to start that wait for a worker.
# TYPE statgate_queue_depth gauge
statgate_queue_depth 2
# HELP statgate_retries_total Task runs that ended in a transient error and were scheduled again.
# TYPE statgate_retries_total counter
statgate_retries_total{processor="player_game_summary"} 1
# HELP statgate_tasks Tasks in the service's scope by state, after the last planning round.
# TYPE statgate_tasks gauge
statgate_tasks{state="blocked"} 0
statgate_tasks{state="failed"} 0
statgate_tasks{state="pending"} 0
statgate_tasks{state="published"} 7
statgate_tasks{state="ready"} 0
statgate_tasks{state="rejected"} 0
statgate_tasks{state="running"} 0
statgate_tasks{state="stale"} 0
statgate_tasks{state="up_to_date"} 0
statgate_tasks{state="waiting"} 3
# HELP statgate_triggers_total Messages received on /process by result (accepted, duplicate, ignored, rejected).
# TYPE statgate_triggers_total counter
statgate_triggers_total{result="accepted"} 1
statgate_triggers_total{result="duplicate"} 2
`
	names := []string{"statgate_check_failures_total", "statgate_circuit_open", "statgate_late_partitions", "statgate_publications_total",
		"statgate_queue_depth", "statgate_retries_total", "statgate_tasks", "statgate_triggers_total"}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
	if n, err := testutil.GatherAndCount(reg, "statgate_task_duration_seconds", "statgate_wait_to_start_seconds",
		"statgate_http_request_duration_seconds"); err != nil || n != 4 {
		t.Errorf("histogram series = %d, %v; want 4 (two outcomes, wait-to-start, one route)", n, err)
	}
}
