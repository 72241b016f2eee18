package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/statgate/statgate/internal/pipeline"
)

// processAnswer is the answer to a /process message.
type processAnswer struct {
	Status    string             `json:"status"` // accepted, duplicate, ignored, rejected
	Reason    string             `json:"reason,omitempty"`
	Table     string             `json:"table,omitempty"`
	GameDate  *pipeline.Date     `json:"game_date,omitempty"`
	Version   int                `json:"version,omitempty"`
	TriggerID int64              `json:"trigger_id,omitempty"`
	Tasks     []pipeline.TaskKey `json:"tasks,omitempty"`
}

// Results of /process, for answers and metrics.
const (
	resultAccepted  = "accepted"
	resultDuplicate = "duplicate"
	resultIgnored   = "ignored"
	resultRejected  = "rejected"
)

func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, fmt.Errorf("%w: over %d bytes", errTooLarge, MaxBody)
	}
	if err != nil {
		return nil, badField("body", "unreadable: "+err.Error())
	}
	return body, nil
}

// process records a Phase 2 completion message (SPEC §8). The answer is
// 202 only once the trigger is committed; a 5xx only when it could not be
// recorded, so that Pub/Sub delivers the message again.
func (s *Server) process(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	m, err := DecodeProcess(body, s.today())
	if err != nil {
		return err
	}
	ans := processAnswer{Table: m.Table, GameDate: &m.GameDate}
	code := http.StatusOK
	defer func() {
		if s.cfg.Metrics != nil && ans.Status != "" {
			s.cfg.Metrics.Trigger(ans.Status)
		}
	}()
	t := s.cfg.Catalog.Table(m.Table)
	switch {
	case m.Status == pipeline.StatusFailed:
		ans.Status, ans.Reason = resultIgnored, "the upstream run failed; nothing to process"
	case t == nil:
		ans.Status, ans.Reason = resultIgnored, fmt.Sprintf("unknown table %q; nothing reads it", m.Table)
	case t.Kind != pipeline.Raw:
		ans.Status, ans.Reason = resultIgnored, fmt.Sprintf("%s is computed here; only raw tables are announced", m.Table)
	}
	if ans.Status != "" {
		writeJSON(w, code, ans)
		return nil
	}
	res, err := s.cfg.Store.Announce(r.Context(), pipeline.Announcement{Table: t, Date: m.GameDate,
		MessageID: m.MessageID, Status: m.Status, RecordCount: m.RecordCount, Payload: m.Payload})
	switch {
	case errors.Is(err, pipeline.ErrInvalid):
		// The rows in the table are bad: delivering the message again
		// cannot help, so it is acknowledged, and the failure is recorded
		// where operators look.
		ans.Status, ans.Reason = resultRejected, err.Error()
		s.recordRejection(r, m, err)
	case errors.Is(err, pipeline.ErrConflict):
		// The rows are not all there yet: nothing is recorded, and a 5xx
		// makes Pub/Sub deliver the message again later.
		return unavailable("trigger not recorded", err)
	case err != nil:
		return unavailable("trigger not recorded", err)
	case res.Duplicate != "":
		ans.Status, ans.Reason, ans.Version, ans.TriggerID = resultDuplicate, "same "+res.Duplicate, res.Version.Version, res.TriggerID
		if res.Duplicate == pipeline.DuplicateContent {
			ans.Reason = "same content as version " + fmt.Sprint(res.Version.Version)
		}
	default:
		s.cfg.Wake(pipeline.PartKey{Table: m.Table, Date: m.GameDate})
		ans.Status, ans.Version, ans.TriggerID, code = resultAccepted, res.Version.Version, res.TriggerID, http.StatusAccepted
		ans.Tasks = s.readers(m.Table, m.GameDate)
		s.cfg.Logger.Info("trigger recorded", "table", m.Table, "game_date", m.GameDate.String(), "version", res.Version.Version,
			"status", m.Status, "message_id", m.MessageID, "execution_id", m.ExecutionID, "correlation_id", m.CorrelationID)
	}
	writeJSON(w, code, ans)
	return nil
}

// today is the civil date (UTC) of the server's clock: the day the
// game_date bounds are taken from.
func (s *Server) today() pipeline.Date { return pipeline.DateOf(s.cfg.Now().UTC()) }

// recordRejection keeps a refused announcement as a critical quality
// event on the raw partition.
func (s *Server) recordRejection(r *http.Request, m Message, cause error) {
	ev := pipeline.QualityEvent{CreatedAt: s.cfg.Now(), Table: m.Table, Date: m.GameDate, Check: "raw_valid",
		Severity: pipeline.Critical, Subject: m.MessageID, Observed: cause.Error(), Expected: "rows valid for the table's schema"}
	if err := s.cfg.Store.RecordEvents(r.Context(), []pipeline.QualityEvent{ev}); err != nil {
		s.cfg.Logger.Error("record rejected announcement", "table", m.Table, "game_date", m.GameDate.String(), "err", err)
	}
	s.cfg.Logger.Error("announcement rejected", "table", m.Table, "game_date", m.GameDate.String(), "err", cause)
}

// readers lists the tasks whose inputs include (table, d): the ones the
// announcement woke.
func (s *Server) readers(table string, d pipeline.Date) []pipeline.TaskKey {
	var out []pipeline.TaskKey
	for _, name := range s.cfg.Graph.Order() {
		for _, in := range s.cfg.Graph.Processor(name).Inputs() {
			if in.Table != table && in.Fallback != table {
				continue
			}
			for x := d.AddDays(-in.Window.To); x <= d.AddDays(-in.Window.From); x++ {
				out = append(out, pipeline.TaskKey{Processor: name, Date: x})
			}
		}
	}
	slices.SortFunc(out, func(a, b pipeline.TaskKey) int {
		if a.Date != b.Date {
			return int(a.Date - b.Date)
		}
		return strings.Compare(a.Processor, b.Processor)
	})
	return slices.Compact(out)
}
