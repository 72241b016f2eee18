package pipeline_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// lineTable is a small table with one column of every type, shaped like a
// player's line in a game: keyed by (game_id, player_lookup), with per-column
// checks and a row rule, so that every path of Validate can be reached.
var lineTable = func() *pipeline.Table {
	t := pipeline.NewTable("player_line", pipeline.Analytics, []string{"game_id", "player_lookup"},
		pipeline.Column{Name: "game_id", Type: pipeline.Text, Required: true, Check: func(v any) error {
			if s := v.(string); len(s) < 12 || s[8] != '_' {
				return fmt.Errorf("%q is not a game id", s)
			}
			return nil
		}},
		pipeline.Column{Name: "game_date", Type: pipeline.DateType, Required: true},
		pipeline.Column{Name: "player_lookup", Type: pipeline.Text, Required: true},
		pipeline.Column{Name: "player_name", Type: pipeline.Text},
		pipeline.Column{Name: "points", Type: pipeline.Int, Check: func(v any) error {
			if n := v.(int64); n < 0 {
				return fmt.Errorf("%d is negative", n)
			}
			return nil
		}},
		pipeline.Column{Name: "ts_pct", Type: pipeline.Float},
		pipeline.Column{Name: "starter", Type: pipeline.Bool, Required: true},
		pipeline.Column{Name: "player_status", Type: pipeline.Text, Required: true, Check: pipeline.OneOf("active", "dnp", "inactive")},
		pipeline.Column{Name: "captured_at", Type: pipeline.Timestamp},
	)
	// A player who did not play has no points: a rule spanning two columns.
	t.CheckRow = func(t *pipeline.Table, r pipeline.Row) (string, error) {
		if r[t.MustCol("player_status")] != "active" && r[t.MustCol("points")] != nil {
			return "points", errors.New("must be empty for a player who did not play")
		}
		return "", nil
	}
	return t
}()

var (
	opening   = pipeline.MustDate("2022-10-18")
	capturedA = time.Date(2022, 10, 18, 22, 15, 3, 123456789, time.UTC)
)

// wiggins is Andrew Wiggins's line on opening night of 2022-23 (the first
// gamebook row of the embedded season), in lineTable's shape.
func wiggins() pipeline.Row {
	return pipeline.Row{"20221018_LAL_GSW", opening, "andrewwiggins", "Andrew Wiggins", int64(20),
		0.6265664160401002, true, "active", capturedA}
}

// baldwin did not play that night (line 12 of the gamebook).
func baldwin() pipeline.Row {
	return pipeline.Row{"20221018_LAL_GSW", opening, "patrickbaldwinjr", "Patrick Baldwin Jr.", nil,
		nil, false, "dnp", nil}
}

// jokic has a name outside ASCII, as many real names do.
func jokic() pipeline.Row {
	return pipeline.Row{"20221018_DEN_UTA", opening, "nikolajokic", "Nikola Jokić", int64(27),
		0.6923076923076923, true, "active", capturedA.Add(time.Second)}
}

// mustPanic runs f and returns the panic's message, failing the test when f
// does not panic.
func mustPanic(t *testing.T, what string, f func()) (msg string) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Errorf("%s did not panic", what)
			return
		}
		msg = fmt.Sprint(r)
	}()
	f()
	return ""
}

// mentions reports the fragments that msg lacks.
func mentions(msg string, fragments ...string) (missing []string) {
	for _, f := range fragments {
		if !strings.Contains(msg, f) {
			missing = append(missing, f)
		}
	}
	return missing
}
