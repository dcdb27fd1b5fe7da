package job

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/logbookhq/logbook/internal/store"
)

// MaxSummary is the longest summary (and cancel note) a job keeps, in bytes.
const MaxSummary = 4096

// rescheduleSlack is how far in the past a new scheduled start may lie, so a
// client whose clock is a little behind ours, or a form submitted a few
// seconds after it was filled in, is not refused.
const rescheduleSlack = time.Minute

// FieldError is a request field whose value cannot be applied to the job.
// Field is the name the API uses, so a client can show the error next to
// its input.
type FieldError struct {
	Field, Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Change is a progress report, as PATCH /api/v1/jobs/{id} and the Junos
// Space progress-update send it; a nil field is left as it is.
type Change struct {
	State   *string
	Percent *int
	Summary *string
}

// Progress applies c to j at time now. It checks the whole change before it
// touches j, so on an error j is unchanged and the caller's store
// transaction can simply be aborted.
//
// The percent never goes down, because a late or reordered report must not
// make a job look less done than it was; it becomes 100 when the job
// succeeds. Once a job is finished its percent is final too. ActualStart
// and EndTime are set the first time the job enters IN_PROGRESS or a
// finished state and never moved afterwards.
func Progress(j *store.Job, c Change, now time.Time) error {
	state := j.State
	if c.State != nil {
		if !ValidState(*c.State) {
			return &FieldError{Field: "state", Reason: fmt.Sprintf("unknown state %q; one of %s", *c.State, strings.Join(States, ", "))}
		}
		if err := Transition(j.State, *c.State); err != nil {
			return err
		}
		state = *c.State
	}
	percent := j.Percent
	if c.Percent != nil {
		p := *c.Percent
		switch {
		case p < 0 || p > 100:
			return &FieldError{Field: "percent", Reason: fmt.Sprintf("%d is not between 0 and 100", p)}
		case p < j.Percent:
			return &FieldError{Field: "percent", Reason: fmt.Sprintf("cannot go down from %d to %d", j.Percent, p)}
		case p != j.Percent && Finished(j.State):
			return &FieldError{Field: "percent", Reason: fmt.Sprintf("job is %s; its percent cannot change", j.State)}
		}
		percent = p
	}
	if c.Summary != nil {
		if err := checkText("summary", *c.Summary); err != nil {
			return err
		}
	}

	if state == store.JobSuccess {
		percent = 100
	}
	if state != j.State {
		if state == store.JobInProgress && j.ActualStart.IsZero() {
			j.ActualStart = now
		}
		if Finished(state) && j.EndTime.IsZero() {
			j.EndTime = now
		}
	}
	j.State = state
	j.Percent = percent
	if c.Summary != nil {
		j.Summary = *c.Summary
	}
	return nil
}

// checkText refuses text the job table and the UI should not hold.
func checkText(field, s string) error {
	if len(s) > MaxSummary {
		return &FieldError{Field: field, Reason: fmt.Sprintf("is %d bytes; at most %d", len(s), MaxSummary)}
	}
	if !utf8.ValidString(s) {
		return &FieldError{Field: field, Reason: "is not valid UTF-8"}
	}
	return nil
}

// Cancel ends a job that is scheduled or running as CANCELED, keeping reason
// as its note. A finished job cannot be canceled, not even a second time: the
// Junos Space API answers that with 412, and the caller should not audit a
// cancel that changed nothing. A reason longer than MaxSummary is cut at a
// character boundary rather than refused, because the cancel itself matters
// more than the explanation.
func Cancel(j *store.Job, now time.Time, reason string) error {
	if j.State != store.JobScheduled && j.State != store.JobInProgress {
		return &TransitionError{From: j.State, To: store.JobCanceled}
	}
	j.State = store.JobCanceled
	if j.EndTime.IsZero() {
		j.EndTime = now
	}
	j.Note = truncate(reason, MaxSummary)
	return nil
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Reschedule moves the start of a job that has not started yet to at. A
// start up to a minute before now is accepted (it means "now" from a client
// with a slightly slow clock); anything earlier is refused, as it would make
// the job due at once while pretending it was planned for the past.
func Reschedule(j *store.Job, at time.Time, now time.Time) error {
	if j.State != store.JobScheduled {
		return &TransitionError{From: j.State, To: store.JobScheduled}
	}
	if at.IsZero() {
		return &FieldError{Field: "scheduled_start", Reason: "is missing"}
	}
	if at.Before(now.Add(-rescheduleSlack)) {
		return &FieldError{Field: "scheduled_start", Reason: fmt.Sprintf("%s is in the past", at.UTC().Format(time.RFC3339))}
	}
	j.ScheduledStart = at
	return nil
}

// Retry returns a new job that repeats a job that failed or was canceled.
// The failed job stays as it is, so the history shows both; the new job
// points back to it through RetryOf. A retry runs once, now: it does not
// inherit a recurrence, so retrying one missed occurrence does not start a
// second series.
func Retry(failed store.Job, now time.Time) (store.Job, error) {
	if failed.State != store.JobFailure && failed.State != store.JobCanceled {
		return store.Job{}, &TransitionError{From: failed.State, To: store.JobScheduled}
	}
	return store.Job{
		Name:           failed.Name,
		JobType:        failed.JobType,
		State:          store.JobScheduled,
		Summary:        failed.Summary,
		ScheduledStart: now,
		RetryOf:        failed.ID,
		Owner:          failed.Owner,
		Domain:         failed.Domain,
		Handler:        failed.Handler,
		Params:         failed.Params,
	}, nil
}
