package job_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/ingest"
	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/postgres"
	"github.com/logbookhq/logbook/internal/store/postgres/pgtest"
	"github.com/logbookhq/logbook/internal/store/sqlite"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

type fixture struct {
	st    store.Store
	w     *ingest.Writer
	clock *clock
}

func newFixture(t *testing.T, st store.Store) *fixture {
	w := ingest.New(st, quiet, ingest.Options{})
	t.Cleanup(w.Close)
	return &fixture{st: st, w: w, clock: &clock{t: time.Date(2030, 3, 30, 12, 0, 0, 0, time.UTC)}}
}

func sqliteFixture(t *testing.T) *fixture {
	st, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return newFixture(t, st)
}

func (f *fixture) scheduler(handlers map[string]job.HandlerFunc) *job.Scheduler {
	return job.NewScheduler(f.st, f.w, quiet, handlers, job.SchedulerOptions{Now: f.clock.now, Interval: 20 * time.Millisecond})
}

func (f *fixture) create(t *testing.T, j store.Job) store.Job {
	t.Helper()
	if j.State == "" {
		j.State = store.JobScheduled
	}
	if j.Owner == "" {
		j.Owner, j.Domain, j.JobType = "logbook", "Global", "Verify Audit Log Integrity"
	}
	j, err := f.st.CreateJob(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func (f *fixture) get(t *testing.T, id int64) store.Job {
	t.Helper()
	j, err := f.st.GetJob(context.Background(), store.AllDomains, id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func (f *fixture) children(t *testing.T, parent int64) []store.Job {
	t.Helper()
	p, err := f.st.ListJobs(context.Background(), store.AllDomains, store.JobQuery{Filter: store.JobFilter{ParentID: parent},
		Sort: store.JobSort{Field: store.JobSortScheduledStart}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return p.Jobs
}

func (f *fixture) auditTasks(t *testing.T, task string) int {
	t.Helper()
	n, err := f.st.Count(context.Background(), store.AllDomains, store.Filter{Task: []store.Match{{Value: task}}}, 100)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func ok(context.Context, store.Job, func(int)) (string, error) { return "done", nil }

func TestSchedulerRunsDueJobsInIsolation(t *testing.T) {
	f := sqliteFixture(t)
	now := f.clock.now()
	good := f.create(t, store.Job{Name: "good", Handler: "ok", ScheduledStart: now.Add(-time.Second)})
	later := f.create(t, store.Job{Name: "later", Handler: "ok", ScheduledStart: now.Add(time.Hour)})
	panics := f.create(t, store.Job{Name: "panics", Handler: "panic", ScheduledStart: now.Add(-time.Second)})
	unknown := f.create(t, store.Job{Name: "unknown", Handler: "nope", ScheduledStart: now.Add(-time.Second)})
	badRule := f.create(t, store.Job{Name: "bad rule", Handler: "ok", ScheduledStart: now.Add(-time.Second), Recurrence: "RRULE:FREQ=DAILY"})
	fails := f.create(t, store.Job{Name: "fails", Handler: "fail", ScheduledStart: now.Add(-time.Second)})
	s := f.scheduler(map[string]job.HandlerFunc{
		"ok":    ok,
		"panic": func(context.Context, store.Job, func(int)) (string, error) { panic("boom") },
		"fail": func(context.Context, store.Job, func(int)) (string, error) {
			return "", errors.New("device unreachable")
		},
	})
	if err := s.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Wait()
	for _, c := range []struct {
		j     store.Job
		state string
		note  string
	}{
		{good, store.JobSuccess, ""}, {later, store.JobScheduled, ""}, {panics, store.JobFailure, "unexpectedly: boom"},
		{unknown, store.JobFailure, `no job kind "nope"`}, {badRule, store.JobFailure, "recurrence rule is not valid"},
		{fails, store.JobFailure, "device unreachable"},
	} {
		got := f.get(t, c.j.ID)
		if got.State != c.state || !strings.Contains(got.Note, c.note) {
			t.Errorf("job %q: %s (%q), want %s with a note containing %q", c.j.Name, got.State, got.Note, c.state, c.note)
		}
	}
	if got := f.get(t, good.ID); got.Percent != 100 || got.Summary != "done" || got.ActualStart.IsZero() || got.EndTime.IsZero() {
		t.Errorf("finished job: %+v", got)
	}
}

func TestSchedulerCancelsARunningJob(t *testing.T) {
	f := sqliteFixture(t)
	started := make(chan struct{})
	stopped := make(chan error, 1)
	j := f.create(t, store.Job{Name: "long", Handler: "wait", ScheduledStart: f.clock.now()})
	s := f.scheduler(map[string]job.HandlerFunc{"wait": func(ctx context.Context, _ store.Job, report func(int)) (string, error) {
		report(30)
		close(started)
		<-ctx.Done()
		stopped <- ctx.Err()
		return "", ctx.Err()
	}})
	s.Tick(context.Background())
	<-started
	if got := f.get(t, j.ID); got.State != store.JobInProgress || got.Percent != 30 {
		t.Fatalf("running job: %s %d%%", got.State, got.Percent)
	}
	if _, err := f.st.UpdateJob(context.Background(), j.ID, func(j *store.Job) error { return job.Cancel(j, f.clock.now(), "canceled by test") }); err != nil {
		t.Fatal(err)
	}
	s.Tick(context.Background())
	select {
	case err := <-stopped:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("handler stopped with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the canceled job's handler was not stopped")
	}
	s.Wait()
	if got := f.get(t, j.ID); got.State != store.JobCanceled {
		t.Fatalf("canceled job ended %s", got.State)
	}
}

// TestSchedulerAfterDowntime: a daily job whose last three runs fell while
// Logbook was down is caught up by one late run ("run") or has the missed
// runs recorded as canceled occurrences ("skip"); either way an audit log
// entry says so, and the job moves to its next run.
func TestSchedulerAfterDowntime(t *testing.T) {
	for _, policy := range []string{"run", "skip"} {
		t.Run(policy, func(t *testing.T) {
			f := sqliteFixture(t)
			// The clock is at 2030-03-30 12:00 UTC.
			rule := "DTSTART;TZID=Europe/Berlin:20300320T023000\nRRULE:FREQ=DAILY"
			parent := f.create(t, store.Job{Name: "nightly verify", Handler: "ok", Recurrence: rule, OnMissed: policy,
				ScheduledStart: time.Date(2030, 3, 27, 1, 30, 0, 0, time.UTC)}) // last run before the downtime: 27 Mar
			s := f.scheduler(map[string]job.HandlerFunc{"ok": ok})
			if err := s.Tick(context.Background()); err != nil {
				t.Fatal(err)
			}
			s.Wait()
			kids := f.children(t, parent.ID)
			switch policy {
			case "run":
				if len(kids) != 1 || kids[0].State != store.JobSuccess || !strings.Contains(kids[0].Note, "4 run(s) missed") {
					t.Fatalf("occurrences: %+v", kids)
				}
			case "skip":
				if len(kids) != 4 {
					t.Fatalf("%d occurrences, want 4 canceled ones", len(kids))
				}
				for _, k := range kids {
					if k.State != store.JobCanceled || !strings.Contains(k.Note, "missed") {
						t.Errorf("missed run %d: %s %q", k.ID, k.State, k.Note)
					}
				}
			}
			if n := f.auditTasks(t, "Missed Job Runs"); n != 1 {
				t.Errorf("%d Missed Job Runs entries, want 1", n)
			}
			p := f.get(t, parent.ID)
			// 31 March 2030 is the spring-forward day in Berlin: 02:30 does
			// not exist and the run moves forward by the gap, to 03:30 CEST.
			if p.State != store.JobScheduled || !p.ScheduledStart.Equal(time.Date(2030, 3, 31, 1, 30, 0, 0, time.UTC)) {
				t.Errorf("recurring job after the pass: %s at %s, want SCHEDULED at 2030-03-31T01:30Z (03:30 CEST)", p.State, p.ScheduledStart)
			}
		})
	}
}

// TestSchedulerLeaderHandOver runs two schedulers on one PostgreSQL
// schema: only the lock holder runs jobs; when it stops, the other takes
// over and runs the next due job.
func TestSchedulerLeaderHandOver(t *testing.T) {
	url := pgtest.Schema(t)
	open := func() *fixture {
		st, err := postgres.Open(context.Background(), url, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		f := newFixture(t, st)
		f.clock = &clock{t: time.Now().UTC()}
		return f
	}
	a, b := open(), open()
	var mu sync.Mutex
	ranBy := map[int64]string{}
	handler := func(name string) map[string]job.HandlerFunc {
		return map[string]job.HandlerFunc{"ok": func(_ context.Context, j store.Job, _ func(int)) (string, error) {
			mu.Lock()
			ranBy[j.ID] = name
			mu.Unlock()
			return "", nil
		}}
	}
	actx, stopA := context.WithCancel(context.Background())
	aDone := make(chan struct{})
	go func() { defer close(aDone); a.scheduler(handler("a")).Run(actx) }()
	waitFor := func(id int64) string {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			who := ranBy[id]
			mu.Unlock()
			if who != "" {
				return who
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("job %d never ran", id)
		return ""
	}
	first := a.create(t, store.Job{Name: "first", Handler: "ok", ScheduledStart: time.Now().UTC().Add(-time.Second)})
	if who := waitFor(first.ID); who != "a" {
		t.Fatalf("first job ran on %s", who)
	}
	bctx, stopB := context.WithCancel(context.Background())
	defer stopB()
	go b.scheduler(handler("b")).Run(bctx)
	second := a.create(t, store.Job{Name: "second", Handler: "ok", ScheduledStart: time.Now().UTC().Add(-time.Second)})
	if who := waitFor(second.ID); who != "a" {
		t.Fatalf("with a leading, the second job ran on %s", who)
	}
	stopA()
	<-aDone
	third := a.create(t, store.Job{Name: "third", Handler: "ok", ScheduledStart: time.Now().UTC().Add(-time.Second)})
	if who := waitFor(third.ID); who != "b" {
		t.Fatalf("after a stopped, the third job ran on %s", who)
	}
}
