package job

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/logbookhq/logbook/internal/store"
)

var (
	t0 = time.Date(2030, 5, 1, 10, 0, 0, 0, time.UTC)
	t1 = t0.Add(time.Hour)
)

func ptr[T any](v T) *T { return &v }

// sameTime compares times as reflect.DeepEqual did, less the monotonic
// clock: the same instant in the same zone.
var sameTime = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) && a.Location() == b.Location() })

func TestProgress(t *testing.T) {
	tests := []struct {
		name    string
		job     store.Job
		change  Change
		want    store.Job // compared when no error is expected
		wantErr string    // the whole error message
		field   string    // the FieldError field, if one is expected
	}{
		{
			name:   "start sets actual start",
			job:    store.Job{State: sch},
			change: Change{State: ptr(inp), Percent: ptr(10)},
			want:   store.Job{State: inp, Percent: 10, ActualStart: t1},
		},
		{
			name:   "actual start is kept when already set",
			job:    store.Job{State: inp, ActualStart: t0},
			change: Change{State: ptr(inp), Percent: ptr(20)},
			want:   store.Job{State: inp, Percent: 20, ActualStart: t0},
		},
		{
			name:   "percent grows without a state",
			job:    store.Job{State: inp, Percent: 20, ActualStart: t0},
			change: Change{Percent: ptr(55)},
			want:   store.Job{State: inp, Percent: 55, ActualStart: t0},
		},
		{
			name:   "same percent is accepted",
			job:    store.Job{State: inp, Percent: 55, ActualStart: t0},
			change: Change{Percent: ptr(55)},
			want:   store.Job{State: inp, Percent: 55, ActualStart: t0},
		},
		{
			name:    "percent cannot go down",
			job:     store.Job{State: inp, Percent: 40},
			change:  Change{Percent: ptr(30)},
			wantErr: "percent: cannot go down from 40 to 30",
			field:   "percent",
		},
		{
			name:    "percent above 100",
			job:     store.Job{State: inp},
			change:  Change{Percent: ptr(101)},
			wantErr: "percent: 101 is not between 0 and 100",
			field:   "percent",
		},
		{
			name:    "negative percent",
			job:     store.Job{State: inp},
			change:  Change{Percent: ptr(-1)},
			wantErr: "percent: -1 is not between 0 and 100",
			field:   "percent",
		},
		{
			name:   "success sets 100 and end time",
			job:    store.Job{State: inp, Percent: 70, ActualStart: t0},
			change: Change{State: ptr(suc), Summary: ptr("42 devices discovered")},
			want:   store.Job{State: suc, Percent: 100, ActualStart: t0, EndTime: t1, Summary: "42 devices discovered"},
		},
		{
			name:   "success overrides a lower percent in the same change",
			job:    store.Job{State: inp, Percent: 70, ActualStart: t0},
			change: Change{State: ptr(suc), Percent: ptr(80)},
			want:   store.Job{State: suc, Percent: 100, ActualStart: t0, EndTime: t1},
		},
		{
			name:   "failure keeps percent and sets end time",
			job:    store.Job{State: inp, Percent: 70, ActualStart: t0},
			change: Change{State: ptr(fai)},
			want:   store.Job{State: fai, Percent: 70, ActualStart: t0, EndTime: t1},
		},
		{
			name:   "a job that could not start fails from scheduled",
			job:    store.Job{State: sch},
			change: Change{State: ptr(fai), Summary: ptr("device unreachable")},
			want:   store.Job{State: fai, EndTime: t1, Summary: "device unreachable"},
		},
		{
			name:   "repeated success keeps the first end time",
			job:    store.Job{State: suc, Percent: 100, ActualStart: t0, EndTime: t0},
			change: Change{State: ptr(suc), Percent: ptr(100)},
			want:   store.Job{State: suc, Percent: 100, ActualStart: t0, EndTime: t0},
		},
		{
			name:   "summary of a finished job can be replaced",
			job:    store.Job{State: fai, Percent: 30, EndTime: t0, Summary: "old"},
			change: Change{Summary: ptr("new")},
			want:   store.Job{State: fai, Percent: 30, EndTime: t0, Summary: "new"},
		},
		{
			name:   "empty summary clears it",
			job:    store.Job{State: inp, Summary: "old"},
			change: Change{Summary: ptr("")},
			want:   store.Job{State: inp},
		},
		{
			name:    "percent of a finished job is final",
			job:     store.Job{State: fai, Percent: 30, EndTime: t0},
			change:  Change{Percent: ptr(60)},
			wantErr: "percent: job is FAILURE; its percent cannot change",
			field:   "percent",
		},
		{
			name:    "nothing leaves success",
			job:     store.Job{State: suc, Percent: 100, EndTime: t0},
			change:  Change{State: ptr(inp)},
			wantErr: "job is SUCCESS; it cannot become IN_PROGRESS",
		},
		{
			name:    "scheduled cannot succeed without running",
			job:     store.Job{State: sch},
			change:  Change{State: ptr(suc)},
			wantErr: "job is SCHEDULED; it cannot become SUCCESS",
		},
		{
			name:    "bad state name",
			job:     store.Job{State: inp},
			change:  Change{State: ptr("IN PROGRESS")},
			wantErr: `state: unknown state "IN PROGRESS"; one of SCHEDULED, IN_PROGRESS, SUCCESS, FAILURE, CANCELED`,
			field:   "state",
		},
		{
			name:   "summary of exactly 4096 bytes",
			job:    store.Job{State: inp},
			change: Change{Summary: ptr(strings.Repeat("x", 4096))},
			want:   store.Job{State: inp, Summary: strings.Repeat("x", 4096)},
		},
		{
			name:    "summary over 4096 bytes",
			job:     store.Job{State: inp},
			change:  Change{Summary: ptr(strings.Repeat("é", 2049))},
			wantErr: "summary: is 4098 bytes; at most 4096",
			field:   "summary",
		},
		{
			name:    "summary not UTF-8",
			job:     store.Job{State: inp},
			change:  Change{Summary: ptr("a\xffb")},
			wantErr: "summary: is not valid UTF-8",
			field:   "summary",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := tt.job
			err := Progress(&j, tt.change, t1)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Progress: %v", err)
				}
				if d := cmp.Diff(tt.want, j, sameTime); d != "" {
					t.Fatalf("job (-want +got):\n%s", d)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("Progress error = %v, want %q", err, tt.wantErr)
			}
			if d := cmp.Diff(tt.job, j, sameTime); d != "" {
				t.Fatalf("a refused change modified the job (-before +after):\n%s", d)
			}
			var fe *FieldError
			var te *TransitionError
			switch {
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
				t.Fatalf("error %#v, want *FieldError for %s", err, tt.field)
			case tt.field == "" && !errors.As(err, &te):
				t.Fatalf("error %#v, want *TransitionError", err)
			}
		})
	}
}

// TestProgressSetsTimesOnce walks one job through its life and checks that
// the start and end times are those of the first reports that set them.
func TestProgressSetsTimesOnce(t *testing.T) {
	j := store.Job{State: sch}
	steps := []struct {
		at     time.Time
		change Change
	}{
		{t0, Change{State: ptr(inp)}},
		{t0.Add(time.Minute), Change{State: ptr(inp), Percent: ptr(50)}},
		{t0.Add(2 * time.Minute), Change{State: ptr(fai)}},
		{t0.Add(3 * time.Minute), Change{State: ptr(fai)}},
	}
	for _, s := range steps {
		if err := Progress(&j, s.change, s.at); err != nil {
			t.Fatalf("Progress at %v: %v", s.at, err)
		}
	}
	if !j.ActualStart.Equal(t0) || !j.EndTime.Equal(t0.Add(2*time.Minute)) || j.Percent != 50 {
		t.Fatalf("job = %+v; want start %v, end %v, percent 50", j, t0, t0.Add(2*time.Minute))
	}
}

func TestCancel(t *testing.T) {
	tests := []struct {
		name    string
		job     store.Job
		reason  string
		want    store.Job
		wantErr string
	}{
		{"scheduled", store.Job{State: sch}, "not needed", store.Job{State: can, EndTime: t1, Note: "not needed"}, ""},
		{"in progress", store.Job{State: inp, Percent: 30, ActualStart: t0}, "by admin",
			store.Job{State: can, Percent: 30, ActualStart: t0, EndTime: t1, Note: "by admin"}, ""},
		{"long reason is cut on a character boundary", store.Job{State: sch}, "a" + strings.Repeat("é", 2048),
			store.Job{State: can, EndTime: t1, Note: "a" + strings.Repeat("é", 2047)}, ""},
		{"success", store.Job{State: suc, EndTime: t0}, "x", store.Job{}, "job is SUCCESS; it cannot become CANCELED"},
		{"failure", store.Job{State: fai, EndTime: t0}, "x", store.Job{}, "job is FAILURE; it cannot become CANCELED"},
		{"canceled twice", store.Job{State: can, EndTime: t0}, "x", store.Job{}, "job is already CANCELED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := tt.job
			err := Cancel(&j, t1, tt.reason)
			if tt.wantErr != "" {
				var te *TransitionError
				if !errors.As(err, &te) || err.Error() != tt.wantErr {
					t.Fatalf("Cancel error = %v, want *TransitionError %q", err, tt.wantErr)
				}
				if d := cmp.Diff(tt.job, j, sameTime); d != "" {
					t.Fatalf("a refused cancel modified the job (-before +after):\n%s", d)
				}
				return
			}
			if err != nil {
				t.Fatalf("Cancel: %v", err)
			}
			if d := cmp.Diff(tt.want, j, sameTime); d != "" {
				t.Fatalf("job (-want +got):\n%s", d)
			}
		})
	}
}

func TestReschedule(t *testing.T) {
	now := t0
	tests := []struct {
		name    string
		state   string
		at      time.Time
		wantErr string
	}{
		{"later", sch, now.Add(24 * time.Hour), ""},
		{"now", sch, now, ""},
		{"a minute ago is still now", sch, now.Add(-time.Minute), ""},
		{"more than a minute ago", sch, now.Add(-time.Minute - time.Second), "scheduled_start: 2030-05-01T09:58:59Z is in the past"},
		{"zero time", sch, time.Time{}, "scheduled_start: is missing"},
		{"running", inp, now.Add(time.Hour), "job is IN_PROGRESS; it cannot become SCHEDULED"},
		{"finished", suc, now.Add(time.Hour), "job is SUCCESS; it cannot become SCHEDULED"},
		{"canceled", can, now.Add(time.Hour), "job is CANCELED; it cannot become SCHEDULED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := store.Job{State: tt.state, ScheduledStart: now.Add(time.Hour)}
			j := orig
			err := Reschedule(&j, tt.at, now)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Reschedule: %v", err)
				}
				if !j.ScheduledStart.Equal(tt.at) || j.State != sch {
					t.Fatalf("job = %+v, want scheduled at %v", j, tt.at)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("Reschedule error = %v, want %q", err, tt.wantErr)
			}
			if d := cmp.Diff(orig, j, sameTime); d != "" {
				t.Fatalf("a refused reschedule modified the job (-before +after):\n%s", d)
			}
		})
	}
}

func TestRetry(t *testing.T) {
	failed := store.Job{
		ID: 7, Name: "purge", JobType: "Archive/Purge", State: fai, Percent: 40, Summary: "disk full",
		ScheduledStart: t0, ActualStart: t0, EndTime: t0.Add(time.Minute),
		Recurrence: "DTSTART:20300101T020000Z\nRRULE:FREQ=DAILY", ParentID: 3, Owner: "alice", Domain: "Global",
		Handler: "purge", OnMissed: "run", Note: "out of space", CreatedAt: t0, UpdatedAt: t0,
	}
	want := store.Job{
		Name: "purge", JobType: "Archive/Purge", State: sch, Summary: "disk full", ScheduledStart: t1,
		RetryOf: 7, Owner: "alice", Domain: "Global", Handler: "purge",
	}
	for _, state := range []string{fai, can} {
		f := failed
		f.State = state
		got, err := Retry(f, t1)
		if err != nil {
			t.Fatalf("Retry of a %s job: %v", state, err)
		}
		if d := cmp.Diff(want, got, sameTime); d != "" {
			t.Fatalf("Retry of a %s job (-want +got):\n%s", state, d)
		}
	}
	for _, state := range []string{sch, inp, suc} {
		f := failed
		f.State = state
		var te *TransitionError
		if _, err := Retry(f, t1); !errors.As(err, &te) {
			t.Errorf("Retry of a %s job: error %v, want *TransitionError", state, err)
		}
	}
}
