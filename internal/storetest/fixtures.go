package storetest

import (
	"time"

	"github.com/statgate/statgate/internal/nba"
	p "github.com/statgate/statgate/internal/pipeline"
)

// Real rows from the 2022-23 season (NBA.com schedule, Basketball-Reference
// box scores), enough to exercise every column type.

var opening = p.MustDate("2022-10-18")

func scheduleRows() []p.Row {
	return []p.Row{
		{"20221018_LAL_GSW", "0022200002", opening, int64(2022), "regular", "GSW", "LAL", int64(3), "Final", int64(123), int64(109)},
		{"20221018_PHI_BOS", "0022200001", opening, int64(2022), "regular", "BOS", "PHI", int64(3), "Final", int64(126), int64(117)},
	}
}

func gamebookRows() []p.Row {
	return []p.Row{
		{"20221018_LAL_GSW", opening, int64(2022), "GSW", "LAL", "wiggian01", "andrewwiggins", "Andrew Wiggins", "active", nil, true, "29:28",
			int64(20), int64(8), int64(14), int64(4), int64(7), int64(0), int64(0), int64(1), int64(5), int64(6), int64(4), int64(1), int64(1), int64(1), int64(5), int64(25)},
		{"20221018_LAL_GSW", opening, int64(2022), "GSW", "LAL", "baldwpa01", "patrickbaldwinjr", "Patrick Baldwin Jr.", "dnp", "Did Not Play", false, nil,
			nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
	}
}

func propsRows() []p.Row {
	at := time.Date(2022, 10, 18, 22, 5, 1, 250000000, time.UTC)
	return []p.Row{
		{"20221018_LAL_GSW", opening, "andrewwiggins", "draftkings", 17.5, at},
		{"20221018_LAL_GSW", opening, "andrewwiggins", "fanduel", 18.5, at.Add(time.Minute)},
	}
}

// teamOffenseRow is an analytics row with floats, NULLs and booleans.
func teamOffenseRow(d p.Date, points int64, pace float64) p.Row {
	r := make(p.Row, len(nba.TeamOffenseTable.Columns))
	for i, c := range nba.TeamOffenseTable.Columns {
		switch c.Type {
		case p.Int:
			r[i] = int64(40)
		case p.Float:
			r[i] = 0.1 + float64(i)/3
		case p.Bool:
			r[i] = i%2 == 0
		case p.Text:
			r[i] = "x"
		}
	}
	t := nba.TeamOffenseTable
	r[t.MustCol("game_id")] = "20221018_PHI_BOS"
	r[t.MustCol("game_date")] = d
	r[t.MustCol("team_abbr")] = "BOS"
	r[t.MustCol("points_scored")] = points
	r[t.MustCol("pace")] = pace
	r[t.MustCol("efg_pct")] = nil
	r[t.MustCol("data_source")] = "team_boxscore"
	return r
}
