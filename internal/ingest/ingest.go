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
	// FillEmptyDates publishes the days without games inside the loaded
	// range as empty partitions: the schedule is the calendar, and a day it
	// lists no games for is complete and empty (SPEC §3). Only a day between
	// two dates the rows list, of one season, and with no partition yet is
	// filled: a load never empties a date that already holds games, and a
	// correction of two dates leaves the dates between them alone.
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
	var fill []pipeline.Date
	if opt.FillEmptyDates {
		var err error
		if fill, err = offDays(ctx, s, t, byDate); err != nil {
			return Result{}, err
		}
	}
	return publish(ctx, s, t, dates, fill, byDate, len(rows))
}

// offDays lists the days to publish empty: between the first and last date
// the rows list for each season, those without rows and without a
// partition of t yet.
func offDays(ctx context.Context, s pipeline.Store, t *pipeline.Table, byDate map[pipeline.Date][]pipeline.Row) ([]pipeline.Date, error) {
	type span struct{ first, last pipeline.Date }
	seasons := map[int64]span{}
	si := t.Col(pipeline.SeasonColumn)
	for d, rows := range byDate {
		var y int64
		if si >= 0 {
			y, _ = rows[0][si].(int64)
		}
		sp, ok := seasons[y]
		if !ok {
			sp = span{d, d}
		}
		seasons[y] = span{min(sp.first, d), max(sp.last, d)}
	}
	var fill []pipeline.Date
	for _, sp := range seasons {
		if sp.last-sp.first < 2 {
			continue
		}
		have, err := s.Partitions(ctx, pipeline.PartitionFilter{Table: t.Name, From: sp.first, To: sp.last, HasRange: true})
		if err != nil {
			return nil, fmt.Errorf("load %s: read the dates it holds: %w", t.Name, err)
		}
		held := make(map[pipeline.Date]bool, len(have))
		for _, v := range have {
			held[v.Date] = true
		}
		for d := sp.first + 1; d < sp.last; d++ {
			if _, listed := byDate[d]; !listed && !held[d] {
				fill = append(fill, d)
			}
		}
	}
	slices.Sort(fill)
	return fill, nil
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
	return publish(ctx, s, t, dates, nil, byDate, len(rows))
}

// publish versions the partitions of dates, and fill's as empty ones, in
// one transaction. A filled day must still have no partition when the
// transaction commits (a guard on version 0): a concurrent load that gave
// it games fails this one with ErrConflict rather than being emptied.
func publish(ctx context.Context, s pipeline.Store, t *pipeline.Table, dates, fill []pipeline.Date, byDate map[pipeline.Date][]pipeline.Row, rows int) (Result, error) {
	pubs := make([]pipeline.Publication, 0, len(dates)+len(fill))
	for _, d := range dates {
		pubs = append(pubs, pipeline.Publication{Table: t, Date: d, Rows: byDate[d], Source: pipeline.SourceLoad})
	}
	for _, d := range fill {
		pubs = append(pubs, pipeline.Publication{Table: t, Date: d, Source: pipeline.SourceLoad, Guard: &pipeline.Guard{}})
	}
	slices.SortFunc(pubs, func(a, b pipeline.Publication) int { return int(a.Date - b.Date) })
	res := Result{Table: t.Name, Rows: rows, Partitions: len(pubs)}
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
