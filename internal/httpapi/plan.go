package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/release"
)

// planAnswer is the release plan of every processor, one of them with its
// canary when asked.
type planAnswer struct {
	Status string `json:"status"`
	release.Report
}

// plan answers what promoting each processor's running version would
// recompute and cost. ?canary=PROCESSOR adds that processor's canary over
// ?dates=D1,D2 or, by default, a sample (?seed=, default 1).
func (s *Server) plan(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	name := q.Get("canary")
	if name != "" && s.cfg.Graph.Processor(name) == nil {
		return fmt.Errorf("%w: unknown processor %q", pipeline.ErrNotFound, name)
	}
	if name == "" && (q.Has("dates") || q.Has("seed")) {
		return badField("canary", "dates and seed choose a canary's dates: name the processor with canary=")
	}
	dates, err := release.ParseDates(q.Get("dates"))
	if err != nil {
		return badField("dates", err.Error())
	}
	seed, err := canarySeed(q.Get("seed"))
	if err != nil {
		return err
	}
	pl := s.cfg.Planner
	rep, err := pl.Plan(r.Context())
	if err != nil {
		return err
	}
	if name != "" {
		if dates == nil {
			if dates, err = pl.Sample(r.Context(), name, release.SampleNewest, release.SampleExtra, seed); err != nil {
				return err
			}
		}
		c, err := pl.Canary(r.Context(), name, dates)
		if err != nil {
			return err
		}
		for i := range rep.Processors {
			if rep.Processors[i].Processor == name {
				rep.Processors[i].Canary = c
			}
		}
	}
	writeJSON(w, http.StatusOK, planAnswer{Status: "ok", Report: rep})
	return nil
}

func canarySeed(v string) (uint64, error) {
	if v == "" {
		return 1, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, badField("seed", fmt.Sprintf("%q: want a non-negative integer", v))
	}
	return n, nil
}

// promoteRequest promotes a processor's running version.
type promoteRequest struct {
	Processor string `json:"processor"`
	Reason    string `json:"reason"`
}

// applyPlan promotes the named processor's running version, then wakes
// the engines: what older versions published within auto_refresh_days
// recomputes at once.
func (s *Server) applyPlan(w http.ResponseWriter, r *http.Request) error {
	var req promoteRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Processor == "" {
		return badField("processor", "missing")
	}
	if s.cfg.Graph.Processor(req.Processor) == nil {
		return badField("processor", fmt.Sprintf("unknown processor %q (%s)", req.Processor, strings.Join(s.cfg.Graph.Order(), ", ")))
	}
	if req.Reason == "" {
		req.Reason = "promoted by POST /api/plan/apply"
	}
	rel, err := s.cfg.Planner.Promote(r.Context(), req.Processor, req.Reason)
	if err != nil {
		return err
	}
	s.cfg.Wake()
	s.cfg.Logger.Info("processor version promoted", "processor", rel.Processor, "version", rel.Version, "reason", rel.Reason)
	writeJSON(w, http.StatusOK, struct {
		Status  string           `json:"status"`
		Release pipeline.Release `json:"release"`
	}{"ok", rel})
	return nil
}
