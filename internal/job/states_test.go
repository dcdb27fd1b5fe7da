package job

import (
	"errors"
	"testing"

	"github.com/logbookhq/logbook/internal/store"
)

const (
	sch = store.JobScheduled
	inp = store.JobInProgress
	suc = store.JobSuccess
	fai = store.JobFailure
	can = store.JobCanceled
)

func TestTransitionEveryPair(t *testing.T) {
	// allowed[from][to], in the order of States.
	allowed := map[string]map[string]bool{
		sch: {sch: true, inp: true, suc: false, fai: true, can: true},
		inp: {sch: false, inp: true, suc: true, fai: true, can: true},
		suc: {sch: false, inp: false, suc: true, fai: false, can: false},
		fai: {sch: false, inp: false, suc: false, fai: true, can: false},
		can: {sch: false, inp: false, suc: false, fai: false, can: true},
	}
	n := 0
	for _, from := range States {
		for _, to := range States {
			n++
			t.Run(from+"->"+to, func(t *testing.T) {
				err := Transition(from, to)
				if want := allowed[from][to]; want != (err == nil) {
					t.Fatalf("Transition(%s, %s) = %v, want allowed %v", from, to, err, want)
				}
				if err == nil {
					return
				}
				var te *TransitionError
				if !errors.As(err, &te) || te.From != from || te.To != to {
					t.Fatalf("error %#v, want *TransitionError{%s, %s}", err, from, to)
				}
			})
		}
	}
	if n != 25 {
		t.Fatalf("checked %d pairs, want 25", n)
	}
}

func TestTransitionErrorMessages(t *testing.T) {
	tests := []struct {
		from, to, want string
	}{
		{suc, inp, "job is SUCCESS; it cannot become IN_PROGRESS"},
		{inp, sch, "job is IN_PROGRESS; it cannot become SCHEDULED"},
		{can, can, "job is already CANCELED"},
		{"DONE", suc, `job has unknown state "DONE"`},
		{inp, "DONE", `job is IN_PROGRESS; "DONE" is not a job state`},
	}
	for _, tt := range tests {
		if got := (&TransitionError{From: tt.from, To: tt.to}).Error(); got != tt.want {
			t.Errorf("TransitionError{%s, %s} = %q, want %q", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestTransitionUnknownStates(t *testing.T) {
	for _, p := range [][2]string{{"DONE", suc}, {sch, "in_progress"}, {"", ""}, {"IN PROGRESS", "IN PROGRESS"}} {
		var te *TransitionError
		if err := Transition(p[0], p[1]); !errors.As(err, &te) {
			t.Errorf("Transition(%q, %q) = %v, want *TransitionError", p[0], p[1], err)
		}
	}
}

func TestValidStateAndFinished(t *testing.T) {
	tests := []struct {
		state           string
		valid, finished bool
	}{
		{sch, true, false},
		{inp, true, false},
		{suc, true, true},
		{fai, true, true},
		{can, true, true},
		{"IN PROGRESS", false, false},
		{"success", false, false},
		{"", false, false},
	}
	for _, tt := range tests {
		if got := ValidState(tt.state); got != tt.valid {
			t.Errorf("ValidState(%q) = %v, want %v", tt.state, got, tt.valid)
		}
		if got := Finished(tt.state); got != tt.finished {
			t.Errorf("Finished(%q) = %v, want %v", tt.state, got, tt.finished)
		}
	}
}
