package testdb

import (
	"context"
	"fmt"
	"testing"

	"github.com/statgate/statgate/internal/pipeline"
)

// WriteDirect replaces the rows of raw partition (t, d) the way an upstream
// system does (SPEC §3): on its own connection, in one transaction, with no
// version and no trigger. The store sees the rows only once they are
// announced.
func WriteDirect(tb testing.TB, s pipeline.Store, t *pipeline.Table, d pipeline.Date, rows []pipeline.Row) {
	tb.Helper()
	if err := writeDirect(context.Background(), s, t, []pipeline.Date{d}, rows); err != nil {
		tb.Fatalf("write %s %s directly: %v", t.Name, d, err)
	}
}

// WriteDirectDates is WriteDirect for many dates in one transaction: the
// rows of every date in rows are replaced.
func WriteDirectDates(tb testing.TB, s pipeline.Store, t *pipeline.Table, rows []pipeline.Row) {
	tb.Helper()
	seen := map[pipeline.Date]bool{}
	var dates []pipeline.Date
	for _, r := range rows {
		if d := r[t.DateIndex()].(pipeline.Date); !seen[d] {
			seen[d] = true
			dates = append(dates, d)
		}
	}
	if err := writeDirect(context.Background(), s, t, dates, rows); err != nil {
		tb.Fatalf("write %s directly: %v", t.Name, err)
	}
}

// upstream is a store that can play an upstream system writing raw rows.
type upstream interface {
	WriteUpstream(ctx context.Context, t *pipeline.Table, dates []pipeline.Date, rows []pipeline.Row) error
}

func writeDirect(ctx context.Context, s pipeline.Store, t *pipeline.Table, dates []pipeline.Date, rows []pipeline.Row) error {
	u, ok := s.(upstream)
	if !ok {
		return fmt.Errorf("no direct writer for %T", s)
	}
	return u.WriteUpstream(ctx, t, dates, rows)
}
