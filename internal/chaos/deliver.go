package chaos

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/statgate/statgate/internal/ingest"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
)

// upstream is a store that can play Phase 2 writing raw rows itself.
type upstream interface {
	WriteUpstream(ctx context.Context, t *pipeline.Table, dates []pipeline.Date, rows []pipeline.Row) error
}

// deliver does what Phase 2 (or an operator's statgate load) does.
func (r *runner) deliver(ctx context.Context, d Delivery) error {
	r.logf("deliver %s", d)
	t := nba.Catalog.Table(d.Table)
	k := pipeline.PartKey{Table: d.Table, Date: d.Date}
	switch d.Via {
	case ViaLoad:
		// statgate load runs as a process of its own, fault-free.
		_, err := ingest.LoadDates(ctx, r.checker, t, []pipeline.Date{d.Date}, d.Rows)
		return err
	case ViaWrite:
		return r.write(ctx, t, d)
	case ViaAnnounce:
		if err := r.write(ctx, t, d); err != nil {
			return err
		}
		r.nextMsg++
		r.messages[k] = fmt.Sprintf("m%d", r.nextMsg)
		return r.announce(ctx, pipeline.Announcement{Table: t, Date: d.Date, MessageID: r.messages[k], Status: pipeline.StatusSuccess, RecordCount: len(d.Rows)})
	case ViaRedeliver:
		id := r.messages[k]
		if id == "" {
			r.nextMsg++
			id = fmt.Sprintf("m%d", r.nextMsg)
		}
		return r.announce(ctx, pipeline.Announcement{Table: t, Date: d.Date, MessageID: id, Status: pipeline.StatusSuccess})
	case ViaEarly:
		r.nextMsg++
		a := pipeline.Announcement{Table: t, Date: d.Date, MessageID: fmt.Sprintf("m%d", r.nextMsg), Status: pipeline.StatusSuccess, RecordCount: d.RecordCount}
		_, err := r.checker.Announce(ctx, a)
		switch {
		case errors.Is(err, pipeline.ErrConflict):
			r.logf("refused as it should be: %v", err)
			return nil
		case err != nil:
			return err
		}
		r.logf("an announcement of %d rows was accepted before they were written", d.RecordCount)
		return nil
	}
	return fmt.Errorf("unknown delivery %q", d.Via)
}

func (r *runner) write(ctx context.Context, t *pipeline.Table, d Delivery) error {
	u, ok := r.checker.(upstream)
	if !ok {
		return fmt.Errorf("%T cannot play an upstream writer", r.checker)
	}
	return u.WriteUpstream(ctx, t, []pipeline.Date{d.Date}, d.Rows)
}

// announce sends an announcement to a live instance, as a Pub/Sub push
// would; an instance that cannot record it answers 5xx and Pub/Sub
// delivers it again a little later, perhaps to another instance. The
// instance that recorded it wakes its own engine (POST /process does).
func (r *runner) announce(ctx context.Context, a pipeline.Announcement) error {
	for attempt := 0; ; attempt++ {
		inst := r.anyLive()
		s := r.checker
		if inst != nil {
			s = inst.store
		}
		res, err := s.Announce(ctx, a)
		if err == nil {
			if inst != nil && res.Duplicate == "" {
				inst.engine.Notify()
			}
			return nil
		}
		if !errors.Is(err, errInjected) || attempt == 50 {
			return fmt.Errorf("%w: %v", errStillRefused, err)
		}
		r.pass(ctx, 10*time.Second) // the push is retried
	}
}
