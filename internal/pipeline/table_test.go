package pipeline_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
)

var (
	gameID   = pipeline.Column{Name: "game_id", Type: pipeline.Text, Required: true}
	gameDate = pipeline.Column{Name: "game_date", Type: pipeline.DateType, Required: true}
	points   = pipeline.Column{Name: "points", Type: pipeline.Int}
)

func TestNewTablePanics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		key  []string
		cols []pipeline.Column
		want []string // fragments of the panic message
	}{
		{"no game_date", []string{"game_id"}, []pipeline.Column{gameID, points}, []string{"bad_table", "no game_date"}},
		{"game_date is text", []string{"game_id"},
			[]pipeline.Column{gameID, {Name: "game_date", Type: pipeline.Text, Required: true}},
			[]string{"bad_table", "game_date must be a required date"}},
		{"game_date is a timestamp", []string{"game_id"},
			[]pipeline.Column{gameID, {Name: "game_date", Type: pipeline.Timestamp, Required: true}},
			[]string{"game_date must be a required date"}},
		{"game_date optional", []string{"game_id"},
			[]pipeline.Column{gameID, {Name: "game_date", Type: pipeline.DateType}},
			[]string{"game_date must be a required date"}},
		{"duplicate column", []string{"game_id"}, []pipeline.Column{gameID, gameDate, points, points},
			[]string{"bad_table", "duplicate column points"}},
		{"duplicate game_date", []string{"game_id"}, []pipeline.Column{gameID, gameDate, gameDate},
			[]string{"duplicate column game_date"}},
		{"key not present", []string{"game_id", "player_lookup"}, []pipeline.Column{gameID, gameDate, points},
			[]string{"bad_table", "key column player_lookup not in table"}},
		{"key not required", []string{"game_id", "points"}, []pipeline.Column{gameID, gameDate, points},
			[]string{"bad_table", "key column points must be required"}},
		{"no columns", nil, nil, []string{"no game_date"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg := mustPanic(t, "NewTable", func() { pipeline.NewTable("bad_table", pipeline.Raw, tt.key, tt.cols...) })
			if missing := mentions(msg, tt.want...); len(missing) > 0 {
				t.Errorf("NewTable(%s) panicked with %q, want it to mention %q", tt.name, msg, missing)
			}
		})
	}
}

func TestNewTableIndexes(t *testing.T) {
	t.Parallel()
	tb := lineTable
	if got, want := tb.ColumnNames(), []string{"game_id", "game_date", "player_lookup", "player_name", "points",
		"ts_pct", "starter", "player_status", "captured_at"}; !cmp.Equal(got, want) {
		t.Errorf("ColumnNames() = %v, want %v", got, want)
	}
	if got := tb.DateIndex(); got != 1 {
		t.Errorf("DateIndex() = %d, want 1", got)
	}
	if got, want := tb.KeyIndexes(), []int{0, 2}; !cmp.Equal(got, want) {
		t.Errorf("KeyIndexes() = %v, want %v", got, want)
	}
	for name, want := range map[string]int{"game_id": 0, "points": 4, "captured_at": 8, "nope": -1, "": -1, "Points": -1} {
		if got := tb.Col(name); got != want {
			t.Errorf("Col(%q) = %d, want %d", name, got, want)
		}
	}
	if got := tb.MustCol("player_status"); got != 7 {
		t.Errorf("MustCol(%q) = %d, want 7", "player_status", got)
	}
	msg := mustPanic(t, `MustCol("plus_minus")`, func() { tb.MustCol("plus_minus") })
	if missing := mentions(msg, "player_line", "plus_minus"); len(missing) > 0 {
		t.Errorf("MustCol(%q) panicked with %q, want it to mention %q", "plus_minus", msg, missing)
	}
	// The key is kept in declared order, not column order.
	rev := pipeline.NewTable("rev", pipeline.Raw, []string{"player", "game_id"},
		gameID, gameDate, pipeline.Column{Name: "player", Type: pipeline.Text, Required: true})
	if got, want := rev.KeyIndexes(), []int{2, 0}; !cmp.Equal(got, want) {
		t.Errorf("KeyIndexes() with key (player, game_id) = %v, want %v", got, want)
	}
}

func TestTypeString(t *testing.T) {
	t.Parallel()
	for typ, want := range map[pipeline.Type]string{
		pipeline.Text: "text", pipeline.Int: "integer", pipeline.Float: "decimal", pipeline.Bool: "boolean",
		pipeline.DateType: "date", pipeline.Timestamp: "timestamp", pipeline.Type(42): "Type(42)",
	} {
		if got := typ.String(); got != want {
			t.Errorf("Type(%d).String() = %q, want %q", int(typ), got, want)
		}
	}
}

// Each Type holds exactly one Go type: an int is not an int64, a float32 is
// not a float64, a time.Time is not a Date.
func TestTypeHolds(t *testing.T) {
	t.Parallel()
	values := []struct {
		v    any
		held pipeline.Type // -1: held by no type
	}{
		{"x", pipeline.Text},
		{"", pipeline.Text},
		{int64(3), pipeline.Int},
		{3.5, pipeline.Float},
		{true, pipeline.Bool},
		{opening, pipeline.DateType},
		{capturedA, pipeline.Timestamp},
		{3, -1},
		{int32(3), -1},
		{uint64(3), -1},
		{float32(3.5), -1},
		{[]byte("x"), -1},
		{&capturedA, -1},
		{int32(opening), -1},
		{nil, -1},
	}
	for _, typ := range []pipeline.Type{pipeline.Text, pipeline.Int, pipeline.Float, pipeline.Bool, pipeline.DateType, pipeline.Timestamp} {
		for _, v := range values {
			if got, want := typ.Holds(v.v), v.held == typ; got != want {
				t.Errorf("%v.Holds(%T(%v)) = %v, want %v", typ, v.v, v.v, got, want)
			}
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	with := func(r pipeline.Row, col string, v any) pipeline.Row {
		r[lineTable.MustCol(col)] = v
		return r
	}
	tests := []struct {
		name string
		row  pipeline.Row
		col  string // the column the FieldError names; "" for a valid row
	}{
		{"active player", wiggins(), ""},
		{"dnp player with NULLs", baldwin(), ""},
		{"unicode name", jokic(), ""},
		{"empty text is not NULL", with(wiggins(), "player_name", ""), ""},
		{"zero points", with(wiggins(), "points", int64(0)), ""},

		{"required text NULL", with(wiggins(), "player_lookup", nil), "player_lookup"},
		{"required date NULL", with(wiggins(), "game_date", nil), "game_date"},
		{"required bool NULL", with(wiggins(), "starter", nil), "starter"},

		{"int for integer", with(wiggins(), "points", 20), "points"},
		{"int32 for integer", with(wiggins(), "points", int32(20)), "points"},
		{"float for integer", with(wiggins(), "points", 20.0), "points"},
		{"text for integer", with(wiggins(), "points", "20"), "points"},
		{"float32 for decimal", with(wiggins(), "ts_pct", float32(0.6)), "ts_pct"},
		{"int64 for decimal", with(wiggins(), "ts_pct", int64(1)), "ts_pct"},
		{"bytes for text", with(wiggins(), "player_name", []byte("Andrew Wiggins")), "player_name"},
		{"text for bool", with(wiggins(), "starter", "true"), "starter"},
		{"int for bool", with(wiggins(), "starter", int64(1)), "starter"},
		{"text for date", with(wiggins(), "game_date", "2022-10-18"), "game_date"},
		{"time for date", with(wiggins(), "game_date", opening.Time()), "game_date"},
		{"date for timestamp", with(wiggins(), "captured_at", opening), "captured_at"},
		{"text for timestamp", with(wiggins(), "captured_at", "2022-10-18T22:15:03Z"), "captured_at"},

		{"column check", with(wiggins(), "points", int64(-2)), "points"},
		{"column check on key", with(wiggins(), "game_id", "LAL_GSW"), "game_id"},
		{"one of", with(wiggins(), "player_status", "injured"), "player_status"},
		{"one of is case sensitive", with(wiggins(), "player_status", "Active"), "player_status"},
		{"row rule", with(baldwin(), "points", int64(0)), "points"},
		// The first bad column is the one reported.
		{"two bad columns", with(with(wiggins(), "player_lookup", nil), "captured_at", "noon"), "player_lookup"},
	}
	for _, tt := range tests {
		err := lineTable.Validate(tt.row)
		if tt.col == "" {
			if err != nil {
				t.Errorf("Validate(%v) [%s] = %v, want nil", tt.row, tt.name, err)
			}
			continue
		}
		var fe *pipeline.FieldError
		if !errors.As(err, &fe) || fe.Column != tt.col {
			t.Errorf("Validate(%v) [%s] = %v, want a FieldError for column %s", tt.row, tt.name, err, tt.col)
			continue
		}
		if !errors.Is(err, pipeline.ErrInvalid) {
			t.Errorf("Validate(%v) [%s] = %v, want it to wrap ErrInvalid", tt.row, tt.name, err)
		}
		if !strings.HasPrefix(err.Error(), tt.col+": ") || fe.Reason == "" {
			t.Errorf("Validate(%v) [%s] error = %q, want %q followed by a reason", tt.row, tt.name, err, tt.col+": ")
		}
	}
}

func TestValidateReasons(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		row  pipeline.Row
		want string
	}{
		{"required", func() pipeline.Row { r := wiggins(); r[2] = nil; return r }(), "player_lookup: required value is empty"},
		{"type", func() pipeline.Row { r := wiggins(); r[4] = 20; return r }(), "points: holds int, want integer"},
		{"type decimal", func() pipeline.Row { r := wiggins(); r[5] = float32(1); return r }(), "ts_pct: holds float32, want decimal"},
		{"check", func() pipeline.Row { r := wiggins(); r[4] = int64(-2); return r }(), "points: -2 is negative"},
		{"one of", func() pipeline.Row { r := wiggins(); r[7] = "injured"; return r }(), `player_status: "injured" is not one of [active dnp inactive]`},
		{"row rule", func() pipeline.Row { r := baldwin(); r[4] = int64(3); return r }(), "points: must be empty for a player who did not play"},
	}
	for _, tt := range tests {
		if err := lineTable.Validate(tt.row); err == nil || err.Error() != tt.want {
			t.Errorf("Validate(%v) [%s] = %v, want %q", tt.row, tt.name, err, tt.want)
		}
	}
}

func TestValidateArity(t *testing.T) {
	t.Parallel()
	full := wiggins()
	for _, r := range []pipeline.Row{nil, {}, full[:8], append(full, "extra")} {
		err := lineTable.Validate(r)
		if !errors.Is(err, pipeline.ErrInvalid) {
			t.Errorf("Validate(%d values) = %v, want ErrInvalid", len(r), err)
			continue
		}
		want := fmt.Sprintf("row has %d values, table player_line has 9 columns", len(r))
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate(%d values) = %q, want it to say %q", len(r), err, want)
		}
	}
}

// A column check only sees present values of the right type: NULLs of
// optional columns and wrongly typed values never reach it.
func TestValidateCheckSeesOnlyTypedValues(t *testing.T) {
	t.Parallel()
	var seen []any
	tb := pipeline.NewTable("checked", pipeline.Raw, nil, gameDate,
		pipeline.Column{Name: "points", Type: pipeline.Int, Check: func(v any) error { seen = append(seen, v); return nil }})
	for _, v := range []any{nil, "7", int64(7)} {
		_ = tb.Validate(pipeline.Row{opening, v})
	}
	if want := []any{int64(7)}; !cmp.Equal(seen, want) {
		t.Errorf("Check saw %v, want %v", seen, want)
	}
}

func TestFieldError(t *testing.T) {
	t.Parallel()
	err := error(&pipeline.FieldError{Column: "fg_made", Reason: `not an integer: "x"`})
	if got, want := err.Error(), `fg_made: not an integer: "x"`; got != want {
		t.Errorf("FieldError.Error() = %q, want %q", got, want)
	}
	wrapped := fmt.Errorf("load nbac_team_boxscore line 812: %w", err)
	if !errors.Is(wrapped, pipeline.ErrInvalid) {
		t.Errorf("errors.Is(%v, ErrInvalid) = false, want true", wrapped)
	}
	if errors.Is(wrapped, pipeline.ErrNotFound) || errors.Is(wrapped, pipeline.ErrConflict) {
		t.Errorf("errors.Is(%v, ErrNotFound|ErrConflict) = true, want false", wrapped)
	}
	var fe *pipeline.FieldError
	if !errors.As(wrapped, &fe) || fe.Column != "fg_made" {
		t.Errorf("errors.As(%v) = %v, want the FieldError for fg_made", wrapped, fe)
	}
}

func TestIsNotFound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{pipeline.ErrNotFound, true},
		{fmt.Errorf("partition nbac_schedule 2023-01-15: %w", pipeline.ErrNotFound), true},
		{pipeline.ErrInvalid, false},
		{errors.New("not found"), false}, // same text, different error
		{&pipeline.FieldError{Column: "x", Reason: "y"}, false},
	}
	for _, tt := range tests {
		if got := pipeline.IsNotFound(tt.err); got != tt.want {
			t.Errorf("IsNotFound(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestOneOf(t *testing.T) {
	t.Parallel()
	check := pipeline.OneOf("regular", "play_in", "playoffs", "cup_final")
	tests := []struct {
		v  any
		ok bool
	}{
		{"regular", true},
		{"cup_final", true},
		{"Regular", false},
		{"regular ", false},
		{"preseason", false},
		{"", false},
		{int64(1), false},
	}
	for _, tt := range tests {
		err := check(tt.v)
		if (err == nil) != tt.ok {
			t.Errorf("OneOf(regular, play_in, playoffs, cup_final)(%#v) = %v, want ok=%v", tt.v, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "[regular play_in playoffs cup_final]") {
			t.Errorf("OneOf(...)(%#v) error = %q, want it to list the allowed values", tt.v, err)
		}
	}
	if err := pipeline.OneOf()("anything"); err == nil {
		t.Errorf("OneOf()(%q) = nil, want an error", "anything")
	}
}

func TestCatalog(t *testing.T) {
	t.Parallel()
	a := pipeline.NewTable("a", pipeline.Raw, nil, gameDate)
	b := pipeline.NewTable("b", pipeline.Analytics, nil, gameDate)
	c := pipeline.NewCatalog(b, a)
	if c.Table("a") != a || c.Table("b") != b {
		t.Errorf("Table(a), Table(b) = %p, %p, want %p, %p", c.Table("a"), c.Table("b"), a, b)
	}
	if got := c.Table("c"); got != nil {
		t.Errorf("Table(%q) = %v, want nil", "c", got)
	}
	if got := c.Tables(); len(got) != 2 || got[0] != b || got[1] != a {
		t.Errorf("Tables() = %v, want [b a] in registration order", got)
	}
	a2 := pipeline.NewTable("a", pipeline.Analytics, nil, gameDate)
	msg := mustPanic(t, "NewCatalog(a, a)", func() { pipeline.NewCatalog(a, b, a2) })
	if !strings.Contains(msg, "duplicate table a") {
		t.Errorf("NewCatalog(a, b, a) panicked with %q, want it to name table a", msg)
	}
}

// The real catalog has the nine tables of SPEC §3 and §4, each partitioned
// by game_date and keyed by required columns.
func TestNBACatalog(t *testing.T) {
	t.Parallel()
	var raw, analytics []string
	for _, tb := range nba.Catalog.Tables() {
		if tb.Kind == pipeline.Raw {
			raw = append(raw, tb.Name)
		} else {
			analytics = append(analytics, tb.Name)
		}
		if tb.Columns[tb.DateIndex()].Name != pipeline.PartitionColumn {
			t.Errorf("%s.DateIndex() = %d, which is %s, want game_date", tb.Name, tb.DateIndex(), tb.Columns[tb.DateIndex()].Name)
		}
		if len(tb.KeyIndexes()) == 0 {
			t.Errorf("%s has no key", tb.Name)
		}
	}
	wantRaw := []string{nba.Schedule, nba.Gamebook, nba.TeamBox, nba.PointsProps}
	wantAnalytics := []string{nba.TeamOffense, nba.TeamDefense, nba.PlayerGame, nba.UpcomingTeam, nba.UpcomingPlayer}
	if diff := cmp.Diff(wantRaw, raw); diff != "" {
		t.Errorf("raw tables mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantAnalytics, analytics); diff != "" {
		t.Errorf("analytics tables mismatch (-want +got):\n%s", diff)
	}
}

// Rows copied from the embedded 2022-23 season pass the real schemas, and
// the schemas' own rules catch realistic mistakes.
func TestValidateRealRows(t *testing.T) {
	t.Parallel()
	d := opening
	schedule := pipeline.Row{"20221018_LAL_GSW", "0022200002", d, int64(2022), "regular", "GSW", "LAL", int64(3), "Final", int64(123), int64(109)}
	box := pipeline.Row{"20221018_LAL_GSW", d, int64(2022), "GSW", "LAL", true, "240:00", int64(45), int64(99), int64(16),
		int64(45), int64(17), int64(23), int64(11), int64(37), int64(48), int64(31), int64(11), int64(4), int64(18), int64(23), int64(123)}
	props := pipeline.Row{"20221018_LAL_GSW", d, "stephencurry", "draftkings", 30.5, time.Date(2022, 10, 18, 20, 0, 0, 0, time.UTC)}
	edit := func(r pipeline.Row, i int, v any) pipeline.Row {
		r = append(pipeline.Row(nil), r...)
		r[i] = v
		return r
	}
	tests := []struct {
		table *pipeline.Table
		row   pipeline.Row
		col   string
	}{
		{nba.ScheduleTable, schedule, ""},
		{nba.TeamBoxTable, box, ""},
		{nba.PointsPropsTable, props, ""},
		{nba.ScheduleTable, edit(schedule, 6, "GSW"), "away_team_abbr"},               // a team playing itself
		{nba.ScheduleTable, edit(schedule, 4, "preseason"), "game_type"},              // OneOf
		{nba.ScheduleTable, edit(schedule, 9, 123), "home_score"},                     // int, not int64
		{nba.TeamBoxTable, edit(box, 6, "48:00"), "minutes"},                          // player minutes in a team row
		{nba.TeamBoxTable, edit(box, 5, nil), "is_home"},                              // required
		{nba.PointsPropsTable, edit(props, 4, float32(30.5)), "points_line"},          // float32
		{nba.PointsPropsTable, edit(props, 5, "2022-10-18T20:00:00Z"), "captured_at"}, // text timestamp
	}
	for _, tt := range tests {
		err := tt.table.Validate(tt.row)
		var fe *pipeline.FieldError
		switch {
		case tt.col == "" && err != nil:
			t.Errorf("%s.Validate(%v) = %v, want nil", tt.table.Name, tt.row, err)
		case tt.col != "" && (!errors.As(err, &fe) || fe.Column != tt.col):
			t.Errorf("%s.Validate(%v) = %v, want a FieldError for %s", tt.table.Name, tt.row, err, tt.col)
		}
	}
}
