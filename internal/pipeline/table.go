package pipeline

import (
	"fmt"
	"slices"
	"time"
)

// Type is a column's value type. Each maps to one Go type in a Row:
// Text→string, Int→int64, Float→float64, Bool→bool, DateType→Date,
// Timestamp→time.Time (UTC); a NULL is nil.
type Type int

// The column types of statgate's tables.
const (
	Text Type = iota
	Int
	Float
	Bool
	DateType
	Timestamp
)

func (t Type) String() string {
	switch t {
	case Text:
		return "text"
	case Int:
		return "integer"
	case Float:
		return "decimal"
	case Bool:
		return "boolean"
	case DateType:
		return "date"
	case Timestamp:
		return "timestamp"
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// Column describes one column of a table.
type Column struct {
	Name string
	Type Type
	// Required columns must hold a value in every row.
	Required bool
	// Check, when set, validates a present (non-NULL) value beyond its type,
	// returning the reason it is wrong.
	Check func(v any) error
	// Doc says in a few words what a valid value looks like, for people
	// writing input files (statgate load --help).
	Doc string
}

// Kind says who writes a table.
type Kind int

const (
	// Raw tables are written by loads or by an upstream system (SPEC §3).
	Raw Kind = iota
	// Analytics tables are written only by the publish step (SPEC §4).
	Analytics
)

// PartitionColumn is the column every table is partitioned by.
const PartitionColumn = "game_date"

// SeasonColumn, where a table has it, is the starting year of the row's
// season; a raw row's game_date must lie within that season.
const SeasonColumn = "season_year"

// Table is a table's schema. Every table has a game_date column.
type Table struct {
	Name    string
	Kind    Kind
	Columns []Column
	// Key lists the columns that identify a row within the table.
	Key []string
	// CheckRow, when set, validates rules that span columns, returning the
	// offending column and the reason.
	CheckRow func(t *Table, r Row) (column string, err error)
	// Cover, set on raw tables that hold per-game data, reports which games
	// a partition's rows cover (see Coverage). The completeness gate uses it.
	Cover func(rows []Row) *Coverage
	// Calendar marks the raw table that lists each date's games: a date is
	// complete for a per-game input when every game the calendar lists on it
	// is final and covered.
	Calendar bool

	index  map[string]int
	key    []int
	date   int
	season int
}

// NewTable validates a schema and prepares its column index. It panics on a
// malformed schema, which is a programming error found at start-up.
func NewTable(name string, kind Kind, key []string, cols ...Column) *Table {
	t := &Table{Name: name, Kind: kind, Columns: cols, Key: key, index: make(map[string]int, len(cols)), date: -1, season: -1}
	for i, c := range cols {
		if _, dup := t.index[c.Name]; dup {
			panic(fmt.Sprintf("table %s: duplicate column %s", name, c.Name))
		}
		t.index[c.Name] = i
		if c.Name == PartitionColumn {
			if c.Type != DateType || !c.Required {
				panic(fmt.Sprintf("table %s: %s must be a required date", name, PartitionColumn))
			}
			t.date = i
		}
		if c.Name == SeasonColumn && c.Type == Int {
			t.season = i
		}
	}
	if t.date < 0 {
		panic(fmt.Sprintf("table %s: no %s column", name, PartitionColumn))
	}
	for _, k := range key {
		i, ok := t.index[k]
		if !ok {
			panic(fmt.Sprintf("table %s: key column %s not in table", name, k))
		}
		if !cols[i].Required {
			panic(fmt.Sprintf("table %s: key column %s must be required", name, k))
		}
		t.key = append(t.key, i)
	}
	return t
}

// Col returns the index of the named column, or -1.
func (t *Table) Col(name string) int {
	if i, ok := t.index[name]; ok {
		return i
	}
	return -1
}

// MustCol is Col for names known at compile time; it panics when missing.
func (t *Table) MustCol(name string) int {
	i := t.Col(name)
	if i < 0 {
		panic(fmt.Sprintf("table %s has no column %s", t.Name, name))
	}
	return i
}

// DateIndex is the index of the game_date column.
func (t *Table) DateIndex() int { return t.date }

// KeyIndexes are the indexes of the key columns, in key order.
func (t *Table) KeyIndexes() []int { return t.key }

// ColumnNames lists the column names in order.
func (t *Table) ColumnNames() []string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return names
}

// OnDates keeps the rows of t dated within [from, to].
func (t *Table) OnDates(rows []Row, from, to Date) []Row {
	var out []Row
	for _, r := range rows {
		if d := r[t.date].(Date); d >= from && d <= to {
			out = append(out, r)
		}
	}
	return out
}

// CheckShape checks what a reader of r relies on: the table's arity, the
// documented Go type in every column and required values present. It is
// the part of Validate that holds for every row a store returns.
func (t *Table) CheckShape(r Row) error {
	if len(r) != len(t.Columns) {
		return fmt.Errorf("%w: %d values, table %s has %d columns", ErrInvalid, len(r), t.Name, len(t.Columns))
	}
	for i := range t.Columns {
		c := &t.Columns[i]
		if r[i] == nil {
			if c.Required {
				return &FieldError{Column: c.Name, Reason: "required value is empty"}
			}
			continue
		}
		if !c.Type.Holds(r[i]) {
			return &FieldError{Column: c.Name, Reason: fmt.Sprintf("holds %T, want %s", r[i], c.Type)}
		}
	}
	return nil
}

// Validate checks one row against the schema: arity, Go types, required
// columns, per-column checks and row rules. The error names the column.
func (t *Table) Validate(r Row) error {
	if len(r) != len(t.Columns) {
		return fmt.Errorf("%w: row has %d values, table %s has %d columns", ErrInvalid, len(r), t.Name, len(t.Columns))
	}
	for i, c := range t.Columns {
		v := r[i]
		if v == nil {
			if c.Required {
				return &FieldError{Column: c.Name, Reason: "required value is empty"}
			}
			continue
		}
		if !c.Type.Holds(v) {
			return &FieldError{Column: c.Name, Reason: fmt.Sprintf("holds %T, want %s", v, c.Type)}
		}
		if c.Check != nil {
			if err := c.Check(v); err != nil {
				return &FieldError{Column: c.Name, Reason: err.Error()}
			}
		}
	}
	if t.Kind == Raw {
		if col, err := t.checkDate(r); err != nil {
			return &FieldError{Column: col, Reason: err.Error()}
		}
	}
	if t.CheckRow != nil {
		if col, err := t.CheckRow(t, r); err != nil {
			return &FieldError{Column: col, Reason: err.Error()}
		}
	}
	return nil
}

// checkDate applies SPEC §3's bounds to a raw row's game_date: a real game
// date, within the row's season where the table has one.
func (t *Table) checkDate(r Row) (string, error) {
	d, ok := r[t.date].(Date)
	if !ok {
		return "", nil
	}
	if err := CheckGameDate(d, Today()); err != nil {
		return PartitionColumn, err
	}
	if t.season >= 0 {
		if y, ok := r[t.season].(int64); ok {
			if err := CheckSeasonDate(d, y); err != nil {
				return PartitionColumn, err
			}
		}
	}
	return "", nil
}

// Holds reports whether v has the Go type that t maps to in a Row.
func (t Type) Holds(v any) bool {
	switch v.(type) {
	case string:
		return t == Text
	case int64:
		return t == Int
	case float64:
		return t == Float
	case bool:
		return t == Bool
	case Date:
		return t == DateType
	case time.Time:
		return t == Timestamp
	}
	return false
}

// FieldError is a validation failure of one column of one row.
type FieldError struct {
	Column string
	Reason string
}

func (e *FieldError) Error() string { return e.Column + ": " + e.Reason }

// Unwrap makes every FieldError an ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// OneOf returns a Check accepting only the listed text values.
func OneOf(values ...string) func(any) error {
	return func(v any) error {
		s, _ := v.(string)
		if slices.Contains(values, s) {
			return nil
		}
		return fmt.Errorf("%q is not one of %v", s, values)
	}
}

// Catalog is the set of tables a program knows, by name.
type Catalog struct {
	byName map[string]*Table
	order  []*Table
}

// NewCatalog indexes tables by name; it panics on a duplicate name.
func NewCatalog(tables ...*Table) *Catalog {
	c := &Catalog{byName: make(map[string]*Table, len(tables))}
	for _, t := range tables {
		if _, dup := c.byName[t.Name]; dup {
			panic("catalog: duplicate table " + t.Name)
		}
		c.byName[t.Name] = t
		c.order = append(c.order, t)
	}
	return c
}

// Table returns the named table or nil.
func (c *Catalog) Table(name string) *Table { return c.byName[name] }

// Tables lists every table in registration order.
func (c *Catalog) Tables() []*Table { return c.order }

// Calendar returns the calendar table, or nil when there is none.
func (c *Catalog) Calendar() *Table {
	for _, t := range c.order {
		if t.Calendar {
			return t
		}
	}
	return nil
}
