package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/release"
)

// dateRange is a backfill request (SPEC §8).
type dateRange struct {
	StartDate  *string  `json:"start_date"`
	EndDate    *string  `json:"end_date"`
	Processors []string `json:"processors"`
	Mode       string   `json:"mode"`
}

func decodeJSON(r *http.Request, v any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	return strictUnmarshal(body, v)
}

func requiredDate(field string, v *string) (pipeline.Date, error) {
	if v == nil {
		return 0, badField(field, "missing")
	}
	d, err := pipeline.ParseDate(*v)
	if err != nil {
		return 0, badField(field, err.Error())
	}
	return d, nil
}

// requiredGameDate is requiredDate for a date that must be a real game
// date on the day today (pipeline.CheckGameDate).
func requiredGameDate(field string, v *string, today pipeline.Date) (pipeline.Date, error) {
	d, err := requiredDate(field, v)
	if err != nil {
		return 0, err
	}
	if err := pipeline.CheckGameDate(d, today); err != nil {
		return 0, badField(field, err.Error())
	}
	return d, nil
}

// backfillAccepted is the answer to an accepted backfill.
type backfillAccepted struct {
	Status     string `json:"status"`
	BackfillID int64  `json:"backfill_id"`
	// ScheduledDates counts the dates in the range the schedule lists:
	// the dates the backfill works on.
	ScheduledDates int               `json:"scheduled_dates"`
	Backfill       pipeline.Backfill `json:"backfill"`
}

// processDateRange records a backfill and answers its id; it runs after
// the backfills before it. A backfill covers the dates the schedule lists
// (SPEC §3), so a range in which it lists none is refused before anything
// is recorded.
func (s *Server) processDateRange(w http.ResponseWriter, r *http.Request) error {
	var req dateRange
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	today := s.today()
	from, err := requiredGameDate("start_date", req.StartDate, today)
	if err != nil {
		return err
	}
	to, err := requiredGameDate("end_date", req.EndDate, today)
	if err != nil {
		return err
	}
	breq := engine.BackfillRequest{From: from, To: to, Processors: req.Processors, Mode: req.Mode}
	// The request's own faults (mode, order, processors) come first;
	// Submit checks them again with the length bound, which only it knows.
	if _, err := s.cfg.Engine.BackfillScope(breq); err != nil {
		return err
	}
	n, err := s.cfg.Engine.ScheduledDates(r.Context(), from, to)
	if err != nil {
		return err
	}
	b, err := s.cfg.Backfills.Submit(r.Context(), breq)
	if err != nil {
		return err
	}
	s.cfg.Logger.Info("backfill requested", "backfill", b.ID, "from", from.String(), "to", to.String(), "mode", b.Mode,
		"scheduled_dates", n)
	writeJSON(w, http.StatusAccepted, backfillAccepted{Status: "accepted", BackfillID: b.ID, ScheduledDates: n, Backfill: b})
	return nil
}

type backfillAnswer struct {
	Status string `json:"status"`
	pipeline.Backfill
	// Progress is set while the backfill runs in this process.
	Progress *engine.Progress `json:"progress,omitempty"`
}

func (s *Server) backfill(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return badField("id", "not a backfill id")
	}
	b, err := s.cfg.Store.Backfill(r.Context(), id)
	if err != nil {
		return err
	}
	ans := backfillAnswer{Status: "ok", Backfill: b}
	if p, ok := s.cfg.Backfills.Progress(id); ok {
		ans.Progress = &p
	}
	writeJSON(w, http.StatusOK, ans)
	return nil
}

func (s *Server) backfills(w http.ResponseWriter, r *http.Request) error {
	all, err := s.cfg.Store.Backfills(r.Context(), false)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Status    string              `json:"status"`
		Backfills []pipeline.Backfill `json:"backfills"`
	}{"ok", nonNil(all)})
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// graphAnswer describes the processor graph.
type graphAnswer struct {
	Status     string         `json:"status"`
	Processors []graphNode    `json:"processors"`
	RawTables  []string       `json:"raw_tables"`
	Edges      []graphEdgeOut `json:"edges"`
	Mermaid    string         `json:"mermaid"`
}

type graphNode struct {
	Name    string         `json:"name"`
	Version string         `json:"version"`
	Output  string         `json:"output"`
	Inputs  []graphInputIn `json:"inputs"`
}

type graphInputIn struct {
	Table    string `json:"table"`
	Window   string `json:"window"`
	Required bool   `json:"required"`
	Fallback string `json:"fallback,omitempty"`
}

type graphEdgeOut struct {
	From string `json:"from"`
	To   string `json:"to"`
}

func (s *Server) graph(w http.ResponseWriter, _ *http.Request) error {
	g := s.cfg.Graph
	ans := graphAnswer{Status: "ok", Mermaid: g.Mermaid()}
	for _, name := range g.Order() {
		p := g.Processor(name)
		n := graphNode{Name: name, Version: p.Version(), Output: p.Output().Name}
		for _, in := range p.Inputs() {
			n.Inputs = append(n.Inputs, graphInputIn{Table: in.Table, Window: in.Window.String(), Required: in.Required, Fallback: in.Fallback})
			if g.Producer(in.Table) != "" {
				ans.Edges = append(ans.Edges, graphEdgeOut{From: g.Producer(in.Table), To: name})
			} else {
				ans.Edges = append(ans.Edges, graphEdgeOut{From: in.Table, To: name})
				if !slices.Contains(ans.RawTables, in.Table) {
					ans.RawTables = append(ans.RawTables, in.Table)
				}
			}
		}
		ans.Processors = append(ans.Processors, n)
	}
	slices.Sort(ans.RawTables)
	writeJSON(w, http.StatusOK, ans)
	return nil
}

// dateQuery reads an optional date parameter.
func dateQuery(r *http.Request, name string) (pipeline.Date, bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, false, nil
	}
	d, err := pipeline.ParseDate(v)
	if err != nil {
		return 0, false, badField(name, err.Error())
	}
	return d, true, nil
}

// partitions lists current partition versions and the engine's verdict on
// every task (the one status and the dashboard show) in from..to
// (default: the schedule's dates).
func (s *Server) partitions(w http.ResponseWriter, r *http.Request) error {
	from, hasFrom, err := dateQuery(r, "from")
	if err != nil {
		return err
	}
	to, hasTo, err := dateQuery(r, "to")
	if err != nil {
		return err
	}
	if hasFrom != hasTo {
		return badField("to", "give both from and to, or neither")
	}
	if hasFrom && to < from {
		return badField("to", fmt.Sprintf("%s is before from %s", to, from))
	}
	f := pipeline.PartitionFilter{Table: r.URL.Query().Get("table"), From: from, To: to, HasRange: hasFrom}
	if f.Table != "" && s.cfg.Catalog.Table(f.Table) == nil {
		return badField("table", fmt.Sprintf("unknown table %q", f.Table))
	}
	parts, err := s.cfg.Store.Partitions(r.Context(), f)
	if err != nil {
		return err
	}
	tasks := []engine.Verdict{}
	if !hasFrom {
		cal, err := s.cfg.Engine.Calendar(r.Context())
		if err != nil {
			return err
		}
		if len(cal) > 0 {
			from, to, hasFrom = cal[0].Date, cal[len(cal)-1].Date, true
		}
	}
	if hasFrom {
		ds, recs, err := s.cfg.Engine.Verdicts(r.Context(), from, to)
		if err != nil {
			return err
		}
		for _, d := range ds {
			tasks = append(tasks, s.cfg.Engine.View(d, recs[d.Task]))
		}
	}
	writeJSON(w, http.StatusOK, struct {
		Status     string                      `json:"status"`
		Partitions []pipeline.PartitionVersion `json:"partitions"`
		Tasks      []engine.Verdict            `json:"tasks"`
	}{"ok", nonNil(parts), tasks})
	return nil
}

// task explains one (processor, date): the live verdict, inputs and
// missing games, last error, next retry, and the output's versions with
// lineage.
func (s *Server) task(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("processor")
	if s.cfg.Graph.Processor(name) == nil {
		return fmt.Errorf("%w: unknown processor %q", pipeline.ErrNotFound, name)
	}
	d, err := pipeline.ParseDate(r.PathValue("date"))
	if err != nil {
		return badField("date", err.Error())
	}
	ex, err := s.cfg.Engine.Describe(r.Context(), pipeline.TaskKey{Processor: name, Date: d})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Status string `json:"status"`
		engine.Explanation
	}{"ok", ex})
	return nil
}

// events lists quality events, newest first: ?severity=, ?table=, ?since=
// (RFC 3339 or a duration such as 24h), ?limit= (default 200, at most
// 5000).
func (s *Server) events(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	sev, table := q.Get("severity"), q.Get("table")
	if sev != "" && sev != string(pipeline.Critical) && sev != string(pipeline.Warning) {
		return badField("severity", fmt.Sprintf("%q: want critical or warning", sev))
	}
	since := time.Time{}
	if v := q.Get("since"); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			since = s.cfg.Now().Add(-d)
		} else if t, err := time.Parse(time.RFC3339, v); err == nil {
			since = t
		} else {
			return badField("since", fmt.Sprintf("%q: want RFC 3339 or a duration such as 24h", v))
		}
	}
	limit := 200
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5000 {
			return badField("limit", fmt.Sprintf("%q: want 1 to 5000", v))
		}
		limit = n
	}
	// Filters apply after the store's time window, so read generously.
	all, err := s.cfg.Store.Events(r.Context(), since, max(limit, 5000))
	if err != nil {
		return err
	}
	out := []pipeline.QualityEvent{}
	for _, e := range all {
		if (sev == "" || string(e.Severity) == sev) && (table == "" || e.Table == table) {
			out = append(out, e)
			if len(out) == limit {
				break
			}
		}
	}
	writeJSON(w, http.StatusOK, struct {
		Status string                  `json:"status"`
		Events []pipeline.QualityEvent `json:"events"`
	}{"ok", out})
	return nil
}

// rollbackRequest restores an earlier version of an analytics partition.
type rollbackRequest struct {
	Table     string  `json:"table"`
	GameDate  *string `json:"game_date"`
	ToVersion int     `json:"to_version"`
}

func (s *Server) rollback(w http.ResponseWriter, r *http.Request) error {
	var req rollbackRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Table == "" {
		return badField("table", "missing")
	}
	d, err := requiredDate("game_date", req.GameDate)
	if err != nil {
		return err
	}
	if req.ToVersion < 0 {
		return badField("to_version", "negative")
	}
	v, err := s.cfg.Engine.Rollback(r.Context(), req.Table, d, req.ToVersion)
	if err != nil {
		return err
	}
	s.cfg.Wake(pipeline.PartKey{Table: req.Table, Date: d})
	s.cfg.Logger.Info("rollback", "table", req.Table, "game_date", d.String(), "version", v.Version, "restored_from", v.RestoredFrom)
	writeJSON(w, http.StatusOK, struct {
		Status  string                    `json:"status"`
		Version pipeline.PartitionVersion `json:"version"`
	}{"ok", v})
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz answers 200 when the database answers and is migrated.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if rd, ok := s.cfg.Store.(readier); ok {
		if err := rd.Ready(r.Context()); err != nil {
			return unavailable("not ready", err)
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (s *Server) version(w http.ResponseWriter, r *http.Request) error {
	procs, err := release.Versions(r.Context(), s.cfg.Store, s.cfg.Engine, s.cfg.Graph)
	if err != nil {
		return err
	}
	body, err := json.Marshal(s.cfg.Version)
	if err != nil {
		return err
	}
	var fields map[string]any
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		fields = map[string]any{"version": s.cfg.Version}
	}
	fields["status"], fields["processors"] = "ok", procs
	writeJSON(w, http.StatusOK, fields)
	return nil
}
