package publish

import (
	"context"
	"fmt"
	"slices"

	"github.com/statgate/statgate/internal/pipeline"
)

type partKey struct {
	table string
	date  pipeline.Date
}

// Inputs is the InputSet a task hands its processor: exactly the partitions
// the processor declared, as they were in the snapshot the task read, and
// the versions read, which become the publication's lineage.
type Inputs struct {
	date     pipeline.Date
	declared []pipeline.Input
	rows     map[partKey][]pipeline.Row
	versions []pipeline.InputVersion
	cat      *pipeline.Catalog
	hidden   map[string]bool
}

// hide leaves the rows of the given games out of every per-game raw input:
// a partial publication is computed on the complete games only.
func (in *Inputs) hide(games []string) {
	if len(games) == 0 {
		return
	}
	in.hidden = make(map[string]bool, len(games))
	for _, g := range games {
		in.hidden[g] = true
	}
}

func (in *Inputs) visible(table string, rows []pipeline.Row) []pipeline.Row {
	t := in.cat.Table(table)
	if in.hidden == nil || t.Cover == nil || t.Calendar {
		return rows
	}
	gi := t.Col("game_id")
	if gi < 0 {
		return rows
	}
	out := make([]pipeline.Row, 0, len(rows))
	for _, r := range rows {
		if g, _ := r[gi].(string); !in.hidden[g] {
			out = append(out, r)
		}
	}
	return out
}

var _ pipeline.ShapeChecked = (*Inputs)(nil)

// ShapeChecked marks the rows as checked: readWindow checks every row read
// from the store, once per version, and rows published were validated.
func (*Inputs) ShapeChecked() {}

// Rows implements pipeline.InputSet. A (table, date) outside the declared
// inputs is an error; a declared partition that was never published is empty.
func (in *Inputs) Rows(table string, d pipeline.Date) ([]pipeline.Row, error) {
	for _, dec := range in.declared {
		if dec.Table == table && dec.Window.Contains(in.date, d) {
			return in.visible(table, in.rows[partKey{table, d}]), nil
		}
	}
	return nil, fmt.Errorf("undeclared read of %s %s by a task for %s", table, d, in.date)
}

// Versions are the input partition versions read, sorted by table and date.
func (in *Inputs) Versions() []pipeline.InputVersion { return in.versions }

// ReadInputs reads every declared input of p for date d. Per input window
// it lists the current versions, takes the partitions whose version the
// cache holds from it, and reads the rest in one snapshot query.
//
// planned, when not nil, are the input versions the planner saw: they are
// read from the cache without listing versions again (a publication checks
// inside its transaction that what it read is still current).
func ReadInputs(ctx context.Context, s pipeline.Store, cat *pipeline.Catalog, cache *Cache, p pipeline.Processor, d pipeline.Date, planned []pipeline.InputVersion) (*Inputs, error) {
	in := &Inputs{date: d, declared: p.Inputs(), rows: map[partKey][]pipeline.Row{}, cat: cat}
	seen := map[partKey]bool{}
	for _, dec := range in.declared {
		t := cat.Table(dec.Table)
		if t == nil {
			return nil, fmt.Errorf("%s: unknown input table %s", p.Name(), dec.Table)
		}
		from, to := d.AddDays(dec.Window.From), d.AddDays(dec.Window.To)
		var known []pipeline.PartitionVersion
		if planned != nil {
			known = []pipeline.PartitionVersion{}
			for _, v := range planned {
				if v.Table == dec.Table && v.Date >= from && v.Date <= to {
					known = append(known, pipeline.PartitionVersion{Table: v.Table, Date: v.Date, Version: v.Version})
				}
			}
		}
		parts, err := readWindow(ctx, s, cache, t, from, to, known)
		if err != nil {
			return nil, fmt.Errorf("%s %s: read input %s: %w", p.Name(), d, dec.Table, err)
		}
		for _, pr := range parts {
			k := partKey{dec.Table, pr.Version.Date}
			if seen[k] {
				continue
			}
			seen[k] = true
			in.rows[k] = pr.Rows
			in.versions = append(in.versions, pipeline.InputVersion{Table: dec.Table, Date: pr.Version.Date, Version: pr.Version.Version})
		}
	}
	slices.SortFunc(in.versions, func(a, b pipeline.InputVersion) int {
		if a.Table != b.Table {
			if a.Table < b.Table {
				return -1
			}
			return 1
		}
		return int(a.Date - b.Date)
	})
	return in, nil
}

// readWindow returns the current partitions of t in from..to. Each one is a
// whole version, from the cache or from one ReadRange over the uncached span
// (which may see a newer version than the listing did; that newer version is
// then the one used and recorded).
func readWindow(ctx context.Context, s pipeline.Store, cache *Cache, t *pipeline.Table, from, to pipeline.Date, vs []pipeline.PartitionVersion) ([]pipeline.PartitionRows, error) {
	if cache == nil {
		parts, err := s.ReadRange(ctx, t, from, to)
		if err != nil {
			return nil, err
		}
		if err := checkShapes(t, parts); err != nil {
			return nil, err
		}
		return parts, checkAnnounced(t, parts)
	}
	if vs == nil {
		var err error
		if vs, err = s.Partitions(ctx, pipeline.PartitionFilter{Table: t.Name, From: from, To: to, HasRange: true}); err != nil {
			return nil, err
		}
	}
	out := make([]pipeline.PartitionRows, 0, len(vs))
	var missFrom, missTo pipeline.Date
	missing := false
	for _, v := range vs {
		if rows, ok := cache.get(partKey{t.Name, v.Date}, v.Version); ok {
			out = append(out, pipeline.PartitionRows{Version: v, Rows: rows})
			continue
		}
		if !missing {
			missFrom, missing = v.Date, true
		}
		missTo = v.Date
	}
	if !missing {
		return out, nil
	}
	fresh, err := s.ReadRange(ctx, t, missFrom, missTo)
	if err != nil {
		return nil, err
	}
	if err := checkShapes(t, fresh); err != nil {
		return nil, err
	}
	if err := checkAnnounced(t, fresh); err != nil {
		return nil, err
	}
	have := make(map[pipeline.Date]bool, len(out))
	for _, pr := range out {
		have[pr.Version.Date] = true
	}
	for _, pr := range fresh {
		cache.put(partKey{t.Name, pr.Version.Date}, pr.Version.Version, pr.Rows)
		if !have[pr.Version.Date] {
			out = append(out, pr)
		}
	}
	slices.SortFunc(out, func(a, b pipeline.PartitionRows) int { return int(a.Version.Date - b.Version.Date) })
	return out, nil
}

// checkShapes checks every row read, once per version read (Inputs are
// ShapeChecked).
func checkShapes(t *pipeline.Table, parts []pipeline.PartitionRows) error {
	for _, pr := range parts {
		for i, r := range pr.Rows {
			if err := t.CheckShape(r); err != nil {
				return fmt.Errorf("%s %s row %d: %w", t.Name, pr.Version.Date, i, err)
			}
		}
	}
	return nil
}

// checkAnnounced holds raw partitions to their announced versions (SPEC
// §3): an upstream system writes raw rows into the table itself, so what a
// read finds may be rows written since the last announcement (or still
// being written). Reading them would compute on content nobody announced;
// the task waits instead (ErrUnannounced), until the announcement changes
// its inputs or a while has passed. Analytics partitions are written
// only by publications, so their content always matches.
func checkAnnounced(t *pipeline.Table, parts []pipeline.PartitionRows) error {
	if t.Kind != pipeline.Raw {
		return nil
	}
	for _, pr := range parts {
		if h := t.ContentHash(pr.Rows); h != pr.Version.ContentHash {
			return fmt.Errorf("%s %s holds %d rows that differ from its announced version %d (%d rows): %w; they are not read until announced",
				t.Name, pr.Version.Date, len(pr.Rows), pr.Version.Version, pr.Version.RowCount, pipeline.ErrUnannounced)
		}
	}
	return nil
}
