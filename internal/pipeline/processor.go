package pipeline

import (
	"fmt"
)

// Window is a range of dates relative to a task's date D, inclusive:
// {0, 0} is D itself, {-30, -1} is the thirty days before D.
type Window struct{ From, To int }

// Same is the window holding only D.
var Same = Window{0, 0}

// Last30 is [D-30, D-1].
var Last30 = Window{-30, -1}

// Dates lists the dates the window covers for d, oldest first.
func (w Window) Dates(d Date) []Date {
	if w.From > w.To {
		return []Date{}
	}
	out := make([]Date, 0, w.To-w.From+1)
	for i := w.From; i <= w.To; i++ {
		out = append(out, d.AddDays(i))
	}
	return out
}

// Contains reports whether date x is in the window of d.
func (w Window) Contains(d, x Date) bool { return x >= d.AddDays(w.From) && x <= d.AddDays(w.To) }

func (w Window) String() string {
	if w == Same {
		return "same"
	}
	return fmt.Sprintf("[D%+d, D%+d]", w.From, w.To)
}

// Input is one declared input of a processor.
type Input struct {
	Table    string
	Window   Window
	Required bool
	// Fallback names a raw table whose rows may stand in for games this
	// input is missing, once the gate allows it (SPEC §4: team totals summed
	// from the gamebook when the team box score is overdue).
	Fallback string
}

// InputSet hands a processor the rows it declared. Rows fails for a
// (table, date) outside the processor's declarations, so an undeclared read
// can never go unnoticed; a declared partition that was never published
// (an optional source, a date before the season) gives no rows and no error.
// The rows are shared with other readers and must not be modified.
type InputSet interface {
	Rows(table string, date Date) ([]Row, error)
}

// Changes is a processor whose version declares which output columns it
// changes from the version before: a canary of it is promoted
// automatically only when no other column changed.
type Changes interface {
	ChangedColumns() []string
}

// ShapeChecked is an InputSet whose rows were checked with Table.CheckShape
// once, when they were read or published, so a processor need not check
// them again on every read (a window is read by thirty tasks).
type ShapeChecked interface {
	InputSet
	ShapeChecked()
}

// Compute is what a processor is given for one task: the date, its inputs,
// and the gate's decisions that change how rows are built.
type Compute struct {
	Date   Date
	Inputs InputSet
	// FallbackGames lists games (by game_id) whose team totals may be summed
	// from the gamebook because the team box score is overdue (SPEC §4).
	FallbackGames map[string]bool
}

// Processor computes one analytics table's partition for one date. Compute
// must be a pure function of what it is handed: no I/O, no clock.
type Processor interface {
	// Name is the processor's name, which is its output table's name.
	Name() string
	Output() *Table
	Inputs() []Input
	// Version changes whenever the formulas change; published partitions
	// computed by another version become stale.
	Version() string
	Compute(c Compute) ([]Row, error)
	// Checks are the quality checks run over the staged rows before publication.
	Checks() []Check
}

// Severity says whether a failed check blocks publication.
type Severity string

const (
	// Critical failures block publication (SPEC §5).
	Critical Severity = "critical"
	// Warning failures publish and record an event.
	Warning Severity = "warning"
)

// Check is one quality check declared by an analytics table.
type Check struct {
	Name     string
	Severity Severity
	// Eval inspects the staged rows (and, through c.Inputs, the exact
	// upstream rows the task read) and returns one Failure per violation; none means pass.
	Eval func(c Compute, staged []Row) []Failure
}

// Failure is one violation found by a check.
type Failure struct {
	// Subject names what failed: a game, a team in a game, a player.
	Subject  string
	Observed string
	Expected string
}

// Outcome is a check's result on a partition, one per failing subject.
type Outcome struct {
	Check    string
	Severity Severity
	Failure
}

// RunChecks evaluates checks over staged rows and returns every failure.
func RunChecks(checks []Check, c Compute, staged []Row) []Outcome {
	var out []Outcome
	for _, ch := range checks {
		for _, f := range ch.Eval(c, staged) {
			out = append(out, Outcome{Check: ch.Name, Severity: ch.Severity, Failure: f})
		}
	}
	return out
}
