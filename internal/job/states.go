package job

import (
	"fmt"

	"github.com/logbookhq/logbook/internal/store"
)

// States lists every job state in the order a job usually passes through
// them; it is what error messages offer as the valid choices.
var States = []string{store.JobScheduled, store.JobInProgress, store.JobSuccess, store.JobFailure, store.JobCanceled}

// allowed holds the allowed changes out of each unfinished state. A job that
// could not start goes straight from SCHEDULED to FAILURE; it never jumps to
// SUCCESS without having been IN_PROGRESS, so every successful job has an
// actual start time.
var allowed = map[string][]string{
	store.JobScheduled:  {store.JobInProgress, store.JobCanceled, store.JobFailure},
	store.JobInProgress: {store.JobSuccess, store.JobFailure, store.JobCanceled},
}

// TransitionError is a state change the state machine does not allow. The
// HTTP layers map it to 409 Conflict (412 Precondition Failed for the Junos
// Space cancel), so its message is written for the client.
type TransitionError struct {
	From, To string
}

func (e *TransitionError) Error() string {
	switch {
	case !ValidState(e.From):
		return fmt.Sprintf("job has unknown state %q", e.From)
	case !ValidState(e.To):
		return fmt.Sprintf("job is %s; %q is not a job state", e.From, e.To)
	case e.From == e.To:
		return fmt.Sprintf("job is already %s", e.From)
	}
	return fmt.Sprintf("job is %s; it cannot become %s", e.From, e.To)
}

// ValidState reports whether s is one of the five job states, spelled as
// the API spells them (upper case, IN_PROGRESS with an underscore).
func ValidState(s string) bool {
	switch s {
	case store.JobScheduled, store.JobInProgress, store.JobSuccess, store.JobFailure, store.JobCanceled:
		return true
	}
	return false
}

// Finished reports whether state is one no job leaves: SUCCESS, FAILURE or
// CANCELED.
func Finished(state string) bool {
	return state == store.JobSuccess || state == store.JobFailure || state == store.JobCanceled
}

// Transition checks that a job in state current may move to state next. A
// change to the same state is allowed, so a client that repeats a progress
// report (or retries a request whose answer it lost) does not get an error.
func Transition(current, next string) error {
	if !ValidState(current) || !ValidState(next) {
		return &TransitionError{From: current, To: next}
	}
	if current == next {
		return nil
	}
	for _, s := range allowed[current] {
		if s == next {
			return nil
		}
	}
	return &TransitionError{From: current, To: next}
}
