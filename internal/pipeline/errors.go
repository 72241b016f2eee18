package pipeline

import "errors"

// The few error kinds that callers branch on. Wrap them with %w; the HTTP
// layer maps them to status codes in one table.
var (
	// ErrNotFound: the partition, task or version asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the input is malformed or breaks a schema rule.
	ErrInvalid = errors.New("invalid")
	// ErrConflict: the request clashes with current state (a lease held by
	// another worker, a version that moved underneath the caller).
	ErrConflict = errors.New("conflict")
	// ErrUnannounced: a raw partition's rows changed in the table since
	// its version was announced. Not a failure: the task waits for the
	// announcement (which changes its inputs) or re-reads after a while.
	ErrUnannounced = errors.New("changed since its announcement")
)

// IsNotFound reports whether err is (or wraps) ErrNotFound.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// InvalidField is an ErrInvalid about one named field of a request or
// message; the HTTP layer reports the field by name.
type InvalidField struct {
	Field  string
	Reason string
}

func (e *InvalidField) Error() string { return e.Field + ": " + e.Reason }
func (e *InvalidField) Unwrap() error { return ErrInvalid }
