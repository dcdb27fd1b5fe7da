// Package query reads what a caller asks of a listing — the URL parameters
// of the audit log grid, the native API's listing, export and statistics,
// and the job list — into the store's query model (store.Query,
// store.JobQuery), and writes that model back as parameters. The API and
// the pages both use it, so that a filter means the same wherever it is
// typed, and neither package needs the other.
//
// Parsing is pure: the current time (for relative searches and quick time
// ranges) is an argument, so that callers pass their injected clock.
// Every refusal is a *FieldError that names the parameter; callers map it
// to their own answer (a 400 with fields, a message on the page).
package query

import (
	"errors"

	"github.com/logbookhq/logbook/internal/store"
)

// Listing limits.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
	// MaxFilterValues bounds the alternatives of one filter: each is a
	// condition of the SQL, and an unbounded OR grew deeper than SQLite
	// takes.
	MaxFilterValues = 50
)

// FieldError is a parameter the caller got wrong: its name and why, and
// for a search's syntax error the byte offset in q where it is.
type FieldError struct {
	Field, Reason string
	// Pos is the offset of a syntax error in q; nil for other errors.
	Pos *int
	// Err is the cause errors.Is sees through the field error:
	// store.ErrInvalidCursor for a cursor that no listing made, nil
	// otherwise.
	Err error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Unwrap returns the cause, so that errors.Is(err, store.ErrInvalidCursor)
// recognises a bad cursor without looking at field names.
func (e *FieldError) Unwrap() error { return e.Err }

func bad(field, reason string) *FieldError { return &FieldError{Field: field, Reason: reason} }

// badCursor refuses a cursor that the listing sorted by s did not make.
func badCursor(s string) *FieldError {
	return &FieldError{Field: "cursor", Reason: "is not a cursor this listing made for sort " + s, Err: store.ErrInvalidCursor}
}

// IsBadCursor reports whether err refuses a cursor: a link from another
// sort, an older release or a damaged URL.
func IsBadCursor(err error) bool { return errors.Is(err, store.ErrInvalidCursor) }
