package testdb

import (
	"context"
	"testing"

	"github.com/statgate/statgate/internal/dataset"
	"github.com/statgate/statgate/internal/ingest"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
)

// SeasonRows decodes the embedded real 2022-23 season: raw table name → rows.
func SeasonRows(tb testing.TB) map[string][]pipeline.Row {
	tb.Helper()
	out, err := dataset.Rows(nba.Catalog)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// OnDates keeps the rows of t dated within [from, to].
func OnDates(t *pipeline.Table, rows []pipeline.Row, from, to pipeline.Date) []pipeline.Row {
	return t.OnDates(rows, from, to)
}

// LoadRaw loads the real season's raw rows for [from, to] into s, table by
// table in the given order (default: schedule, gamebook, team box), as
// `statgate load` would.
func LoadRaw(tb testing.TB, s pipeline.Store, season map[string][]pipeline.Row, from, to pipeline.Date, tables ...string) {
	tb.Helper()
	if len(tables) == 0 {
		tables = []string{nba.Schedule, nba.Gamebook, nba.TeamBox}
	}
	for _, name := range tables {
		t := nba.Catalog.Table(name)
		rows := OnDates(t, season[name], from, to)
		if _, err := ingest.Load(context.Background(), s, t, rows, ingest.Options{FillEmptyDates: name == nba.Schedule}); err != nil {
			tb.Fatal(err)
		}
	}
}
