// Package metrics owns statgate's Prometheus collectors. They are
// registered on a registry the caller injects, so tests and several
// services in one process never share global state.
package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/pipeline"
)

// Metrics are the collectors of one service.
type Metrics struct {
	tasks        *prometheus.GaugeVec
	queued       prometheus.Gauge
	circuitOpen  *prometheus.GaugeVec
	late         *prometheus.GaugeVec
	durations    *prometheus.HistogramVec
	waitToStart  prometheus.Histogram
	runs         *prometheus.CounterVec
	publications *prometheus.CounterVec
	checks       *prometheus.CounterVec
	retries      *prometheus.CounterVec
	triggers     *prometheus.CounterVec
	requests     *prometheus.HistogramVec
	procs        []string
}

// New creates the collectors and registers them on reg. processors are
// the graph's, so each circuit has a series from the start.
func New(reg prometheus.Registerer, processors []string) *Metrics {
	m := &Metrics{
		tasks: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "statgate_tasks",
			Help: "Tasks in the service's scope by state, after the last planning round."}, []string{"state"}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{Name: "statgate_queue_depth",
			Help: "Tasks ready to start that wait for a worker."}),
		circuitOpen: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "statgate_circuit_open",
			Help: "1 while a processor's circuit breaker is open."}, []string{"processor"}),
		late: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "statgate_late_partitions",
			Help: "Partitions past their table's publish deadline and never published, by processor, after the last planning round."},
			[]string{"processor"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "statgate_task_duration_seconds",
			Help: "How long task runs took, by processor and outcome.", Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12)},
			[]string{"processor", "outcome"}),
		waitToStart: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "statgate_wait_to_start_seconds",
			Help:    "How long a task was ready before a worker started it (wake latency).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 12)}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "statgate_task_runs_total",
			Help: "Finished task runs by processor and outcome."}, []string{"processor", "outcome"}),
		publications: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "statgate_publications_total",
			Help: "Partition versions published by the engine, by table."}, []string{"table"}),
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "statgate_check_failures_total",
			Help: "Failed quality checks by table, check and severity."}, []string{"table", "check", "severity"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "statgate_retries_total",
			Help: "Task runs that ended in a transient error and were scheduled again."}, []string{"processor"}),
		triggers: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "statgate_triggers_total",
			Help: "Messages received on /process by result (accepted, duplicate, ignored, rejected)."}, []string{"result"}),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "statgate_http_request_duration_seconds",
			Help: "HTTP requests by route and status code.", Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 12)},
			[]string{"route", "code"}),
		procs: processors,
	}
	reg.MustRegister(m.tasks, m.queued, m.circuitOpen, m.late, m.durations, m.waitToStart, m.runs,
		m.publications, m.checks, m.retries, m.triggers, m.requests)
	for _, p := range processors {
		m.circuitOpen.WithLabelValues(p).Set(0)
		m.late.WithLabelValues(p).Set(0)
	}
	return m
}

// Event records a task starting or finishing (engine.Config.Events).
func (m *Metrics) Event(ev engine.Event) {
	if ev.State == pipeline.Running {
		m.waitToStart.Observe(ev.WaitedFor.Seconds())
		return
	}
	m.durations.WithLabelValues(ev.Task.Processor, ev.State).Observe(ev.Duration.Seconds())
	m.runs.WithLabelValues(ev.Task.Processor, ev.State).Inc()
	switch ev.State {
	case pipeline.Published:
		m.publications.WithLabelValues(ev.Table).Inc()
	case "retry":
		m.retries.WithLabelValues(ev.Task.Processor).Inc()
	}
	for _, o := range ev.Outcomes {
		m.checks.WithLabelValues(ev.Table, o.Check, string(o.Severity)).Inc()
	}
}

// Observe records a planning round (engine.Config.Observe).
func (m *Metrics) Observe(st engine.Stats) {
	for _, s := range []string{pipeline.Pending, pipeline.Waiting, pipeline.Ready, pipeline.Running, pipeline.Published,
		pipeline.UpToDate, pipeline.Rejected, pipeline.Failed, pipeline.Blocked, pipeline.Stale} {
		m.tasks.WithLabelValues(s).Set(float64(st.ByState[s]))
	}
	m.queued.Set(float64(st.Queued))
	open := map[string]bool{}
	for _, p := range st.OpenCircuits {
		open[p] = true
	}
	for _, p := range m.procs {
		m.circuitOpen.WithLabelValues(p).Set(map[bool]float64{false: 0, true: 1}[open[p]])
		m.late.WithLabelValues(p).Set(float64(st.Late[p]))
	}
}

// Trigger counts a /process message by its result.
func (m *Metrics) Trigger(result string) { m.triggers.WithLabelValues(result).Inc() }

// Request records one HTTP request.
func (m *Metrics) Request(route string, code int, took time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Observe(took.Seconds())
}
