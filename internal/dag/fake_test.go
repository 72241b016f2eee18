package dag_test

import (
	"github.com/statgate/statgate/internal/pipeline"
)

// fakeProc is a processor that only declares: the graph never computes.
type fakeProc struct {
	name   string // defaults to the output table's name
	out    *pipeline.Table
	inputs []pipeline.Input
}

func (f fakeProc) Name() string {
	if f.name != "" {
		return f.name
	}
	return f.out.Name
}

func (f fakeProc) Output() *pipeline.Table                          { return f.out }
func (f fakeProc) Inputs() []pipeline.Input                         { return f.inputs }
func (f fakeProc) Version() string                                  { return "test" }
func (f fakeProc) Compute(pipeline.Compute) ([]pipeline.Row, error) { return nil, nil }
func (f fakeProc) Checks() []pipeline.Check                         { return nil }

// table makes a small table of the given kind, keyed by game_id.
func table(name string, kind pipeline.Kind) *pipeline.Table {
	return pipeline.NewTable(name, kind, []string{"game_id"},
		pipeline.Column{Name: "game_id", Type: pipeline.Text, Required: true},
		pipeline.Column{Name: "game_date", Type: pipeline.DateType, Required: true},
		pipeline.Column{Name: "value", Type: pipeline.Float},
	)
}

// same and prior are required inputs of a table for D and for [D-1, D-1].
func same(table string) pipeline.Input {
	return pipeline.Input{Table: table, Window: pipeline.Same, Required: true}
}

func prior(table string) pipeline.Input {
	return pipeline.Input{Table: table, Window: pipeline.Window{From: -1, To: -1}, Required: true}
}

func window(table string, from, to int) pipeline.Input {
	return pipeline.Input{Table: table, Window: pipeline.Window{From: from, To: to}, Required: true}
}

// world is a catalog of fake tables: raw tables "raw_a" (the calendar, like
// the schedule) and "raw_b", and one analytics table per name given.
type world struct {
	cat    *pipeline.Catalog
	tables map[string]*pipeline.Table
}

func newWorld(analytics ...string) world {
	w := world{tables: map[string]*pipeline.Table{}}
	var all []*pipeline.Table
	for _, n := range []string{"raw_a", "raw_b"} {
		w.tables[n] = table(n, pipeline.Raw)
		all = append(all, w.tables[n])
	}
	w.tables["raw_a"].Calendar = true
	for _, n := range analytics {
		w.tables[n] = table(n, pipeline.Analytics)
		all = append(all, w.tables[n])
	}
	w.cat = pipeline.NewCatalog(all...)
	return w
}

// proc is the processor producing table name from the given inputs.
func (w world) proc(name string, inputs ...pipeline.Input) fakeProc {
	return fakeProc{out: w.tables[name], inputs: inputs}
}
