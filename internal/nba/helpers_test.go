package nba

import (
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"sync"
	"testing"

	"github.com/statgate/statgate/internal/dataset"
	p "github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/rawload"
)

// partitions holds rows by table and date, like published partitions.
type partitions map[string]map[p.Date][]p.Row

func (ps partitions) put(table string, d p.Date, rows []p.Row) {
	if ps[table] == nil {
		ps[table] = make(map[p.Date][]p.Row)
	}
	ps[table][d] = rows
}

// clone copies the table and date maps (not the rows), so a test can replace
// partitions without touching the shared season.
func (ps partitions) clone() partitions {
	out := make(partitions, len(ps))
	for t, byDate := range ps {
		out[t] = make(map[p.Date][]p.Row, len(byDate))
		for d, rows := range byDate {
			out[t][d] = rows
		}
	}
	return out
}

type tableDate struct {
	table string
	date  p.Date
}

// memInputs is one task's InputSet: it serves the (table, date) pairs the
// processor declared for the date and fails for any other, like the engine.
type memInputs struct {
	parts    partitions
	declared map[tableDate]bool
}

func inputsFor(proc p.Processor, d p.Date, parts partitions) memInputs {
	m := memInputs{parts: parts, declared: make(map[tableDate]bool)}
	for _, in := range proc.Inputs() {
		for _, day := range in.Window.Dates(d) {
			m.declared[tableDate{in.Table, day}] = true
		}
	}
	return m
}

func (m memInputs) Rows(table string, d p.Date) ([]p.Row, error) {
	if !m.declared[tableDate{table, d}] {
		return nil, fmt.Errorf("undeclared read of %s %s", table, d)
	}
	return m.parts[table][d], nil
}

// task is the Compute of proc for d over parts.
func task(proc p.Processor, d p.Date, parts partitions) p.Compute {
	return p.Compute{Date: d, Inputs: inputsFor(proc, d, parts), FallbackGames: map[string]bool{}}
}

// realSeason is the embedded 2022-23 season: the raw partitions and every
// date of its schedule, oldest first.
type realSeason struct {
	raw   partitions
	dates []p.Date
}

var loadSeason = sync.OnceValues(func() (*realSeason, error) {
	s := &realSeason{raw: make(partitions)}
	tables := map[string]*p.Table{Schedule: ScheduleTable, Gamebook: GamebookTable, TeamBox: TeamBoxTable}
	for _, f := range dataset.Raw {
		t := tables[f.Table]
		rows, err := rawload.DecodeFiles(t, dataset.FS(), []string{f.File})
		if err != nil {
			return nil, err
		}
		for d, byDate := range rawload.ByDate(t, rows) {
			s.raw.put(t.Name, d, byDate)
		}
	}
	for d := range s.raw[Schedule] {
		s.dates = append(s.dates, d)
	}
	slices.Sort(s.dates)
	return s, nil
})

func season(tb testing.TB) *realSeason {
	tb.Helper()
	s, err := loadSeason()
	if err != nil {
		tb.Fatalf("load embedded season: %v", err)
	}
	return s
}

// computeAll runs the five processors over every date, in an order where each
// processor's inputs are computed before it runs (SPEC order is one), and
// returns the raw partitions with every output added.
func computeAll(s *realSeason) (partitions, error) {
	parts := s.raw.clone()
	for _, proc := range Processors() {
		for _, d := range s.dates {
			rows, err := proc.Compute(task(proc, d, parts))
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", proc.Name(), d, err)
			}
			parts.put(proc.Name(), d, rows)
		}
	}
	return parts, nil
}

var computedSeason = sync.OnceValues(func() (partitions, error) {
	s, err := loadSeason()
	if err != nil {
		return nil, err
	}
	return computeAll(s)
})

// seasonOutputs is the whole season computed once per test binary; callers
// must not modify it (clone it first).
func seasonOutputs(tb testing.TB) partitions {
	tb.Helper()
	parts, err := computedSeason()
	if err != nil {
		tb.Fatalf("compute season: %v", err)
	}
	return parts
}

// processorByName finds a registered processor.
func processorByName(tb testing.TB, name string) p.Processor {
	tb.Helper()
	for _, proc := range Processors() {
		if proc.Name() == name {
			return proc
		}
	}
	tb.Fatalf("no processor %s", name)
	return nil
}

// readExpected reads an embedded expected_*.csv.gz as maps by column name.
func readExpected(tb testing.TB, name string) []map[string]string {
	tb.Helper()
	f, err := dataset.FS().Open(name)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	cr := csv.NewReader(zr)
	header, err := cr.Read()
	if err != nil {
		tb.Fatalf("%s header: %v", name, err)
	}
	var out []map[string]string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		m := make(map[string]string, len(header))
		for i, h := range header {
			m[h] = rec[i]
		}
		out = append(out, m)
	}
	return out
}

// get reads a named column of a row of t.
func get(t *p.Table, r p.Row, col string) any { return r[t.MustCol(col)] }

// rowsByKey indexes rows by their key subject ("game_id team").
func rowsByKey(t *p.Table, rows []p.Row) map[string]p.Row {
	m := make(map[string]p.Row, len(rows))
	for _, r := range rows {
		m[subject(t, r)] = r
	}
	return m
}

// allRows flattens a table's partitions in date order.
func allRows(parts partitions, table string) []p.Row {
	dates := make([]p.Date, 0, len(parts[table]))
	for d := range parts[table] {
		dates = append(dates, d)
	}
	slices.Sort(dates)
	var out []p.Row
	for _, d := range dates {
		out = append(out, parts[table][d]...)
	}
	return out
}

// runChecks evaluates proc's checks on its computed partition of d.
func runChecks(proc p.Processor, d p.Date, parts partitions) []p.Outcome {
	return p.RunChecks(proc.Checks(), task(proc, d, parts), parts[proc.Name()][d])
}
