// Package ingest turns validated raw rows into raw partition versions: one
// partition per game_date, published together in one transaction, each new
// version announced so the engine hears of it.
package ingest

import (
	"context"
	"fmt"
	"slices"

	"github.com/statgate/statgate/internal/pipeline"
)

// Options tune a load.
type Options struct {
	// Source is recorded on each version (default pipeline.SourceLoad).
	Source string
	// FillEmptyDates publishes every date between the first and last date
	// of the rows that has none as an empty partition. The schedule is the
	// calendar: a day it lists no games for is complete and empty.
	FillEmptyDates bool
}

// Result summarises a load.
type Result struct {
	Table       string `json:"table"`
	Rows        int    `json:"rows"`
	Partitions  int    `json:"partitions"`
	NewVersions int    `json:"new_versions"`
	Unchanged   int    `json:"unchanged"`
	// Versions are the resulting current versions, in date order.
	Versions []pipeline.PartitionVersion `json:"-"`
}

// Load publishes rows (already validated by the decoder; the store checks
// them again) as partitions of t. Identical content creates no version.
func Load(ctx context.Context, s pipeline.Store, t *pipeline.Table, rows []pipeline.Row, opt Options) (Result, error) {
	if opt.Source == "" {
		opt.Source = pipeline.SourceLoad
	}
	byDate := map[pipeline.Date][]pipeline.Row{}
	di := t.DateIndex()
	for _, r := range rows {
		d, ok := r[di].(pipeline.Date)
		if !ok {
			return Result{}, fmt.Errorf("%w: %s row without a game_date", pipeline.ErrInvalid, t.Name)
		}
		byDate[d] = append(byDate[d], r)
	}
	dates := make([]pipeline.Date, 0, len(byDate))
	for d := range byDate {
		dates = append(dates, d)
	}
	slices.Sort(dates)
	if opt.FillEmptyDates && len(dates) > 0 {
		first, last := dates[0], dates[len(dates)-1]
		dates = dates[:0]
		for d := first; d <= last; d++ {
			dates = append(dates, d)
		}
	}
	return publish(ctx, s, t, dates, byDate, len(rows), opt.Source)
}

// LoadDates publishes exactly the partitions of t dated dates, each with
// its rows in rows (none: an empty partition), in one transaction, like
// Load. A row dated outside dates is ErrInvalid.
func LoadDates(ctx context.Context, s pipeline.Store, t *pipeline.Table, dates []pipeline.Date, rows []pipeline.Row) (Result, error) {
	byDate := make(map[pipeline.Date][]pipeline.Row, len(dates))
	for _, d := range dates {
		byDate[d] = nil
	}
	di := t.DateIndex()
	for _, r := range rows {
		d, ok := r[di].(pipeline.Date)
		if _, want := byDate[d]; !ok || !want {
			return Result{}, fmt.Errorf("%w: %s row dated %v, outside the dates loaded", pipeline.ErrInvalid, t.Name, r[di])
		}
		byDate[d] = append(byDate[d], r)
	}
	return publish(ctx, s, t, dates, byDate, len(rows), pipeline.SourceLoad)
}

// publish versions the partitions of dates in one transaction.
func publish(ctx context.Context, s pipeline.Store, t *pipeline.Table, dates []pipeline.Date, byDate map[pipeline.Date][]pipeline.Row, rows int, source string) (Result, error) {
	pubs := make([]pipeline.Publication, len(dates))
	for i, d := range dates {
		pubs[i] = pipeline.Publication{Table: t, Date: d, Rows: byDate[d], Source: source,
			SkipUnchanged: true, Announce: true}
	}
	res := Result{Table: t.Name, Rows: rows, Partitions: len(dates)}
	if len(pubs) == 0 {
		return res, nil
	}
	out, err := s.Publish(ctx, pubs)
	if err != nil {
		return Result{}, fmt.Errorf("load %s: %w", t.Name, err)
	}
	for _, r := range out {
		if r.Created {
			res.NewVersions++
		} else {
			res.Unchanged++
		}
		res.Versions = append(res.Versions, r.PartitionVersion)
	}
	return res, nil
}
