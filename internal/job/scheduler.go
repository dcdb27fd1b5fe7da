package job

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// HandlerFunc does the work of one of Logbook's own jobs. It reports
// progress through report and must stop when ctx ends (the job was
// canceled or the server is stopping). The summary it returns is the
// job's summary when it succeeds.
type HandlerFunc func(ctx context.Context, j store.Job, report func(percent int)) (summary string, err error)

// SchedulerOptions tune a scheduler; zero values take the defaults.
type SchedulerOptions struct {
	// Interval is how often due jobs are looked for (default 2 s).
	Interval time.Duration
	// Grace is how late a run may start and still count as on time
	// (default 1 minute); later runs were missed.
	Grace time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Scheduler starts Logbook's own jobs when they are due, creates the
// occurrences of recurring ones, and deals with runs missed while Logbook
// was down, never silently. Among replicas sharing a database only the
// one holding the "scheduler" lock schedules; when it stops, another
// takes over at its next tick.
type Scheduler struct {
	st       store.Store
	rec      Recorder
	log      *slog.Logger
	handlers map[string]HandlerFunc
	opts     SchedulerOptions

	mu      sync.Mutex
	running map[int64]context.CancelFunc
	wg      sync.WaitGroup
}

// NewScheduler returns a scheduler for the given handlers.
func NewScheduler(st store.Store, rec Recorder, log *slog.Logger, handlers map[string]HandlerFunc, opts SchedulerOptions) *Scheduler {
	if opts.Interval <= 0 {
		opts.Interval = 2 * time.Second
	}
	if opts.Grace <= 0 {
		opts.Grace = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Scheduler{st: st, rec: rec, log: log, handlers: handlers, opts: opts, running: map[int64]context.CancelFunc{}}
}

// Run schedules until ctx ends, then waits for the jobs it started.
func (s *Scheduler) Run(ctx context.Context) {
	var release func()
	defer func() {
		s.wg.Wait()
		if release != nil {
			release()
		}
	}()
	tick := time.NewTicker(s.opts.Interval)
	defer tick.Stop()
	for {
		if release == nil {
			r, ok, err := s.st.TryLock(ctx, "scheduler")
			if err != nil && ctx.Err() == nil {
				s.log.Warn("could not take the scheduler lock", "error", err)
			}
			if ok {
				release = r
				s.log.Info("this replica now schedules Logbook's jobs")
			}
		}
		if release != nil {
			if err := s.Tick(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("scheduler pass failed", "error", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Wait returns when the jobs this scheduler started have ended.
func (s *Scheduler) Wait() { s.wg.Wait() }

// Tick does one pass: it stops canceled jobs and starts due ones. One
// job's failure (a bad rule, a missing handler, a panic) never stops the
// others.
func (s *Scheduler) Tick(ctx context.Context) error {
	s.stopCanceled(ctx)
	now := s.opts.Now().UTC().Truncate(time.Microsecond)
	due, err := s.st.DueJobs(ctx, now, 100)
	if err != nil {
		return err
	}
	for _, j := range due {
		if j.Recurrence != "" && j.ParentID == 0 {
			if err := s.fire(ctx, j, now); err != nil {
				s.log.Error("recurring job failed to fire", "job_id", j.ID, "error", err)
			}
			continue
		}
		s.start(ctx, j, now)
	}
	return nil
}

// stopCanceled ends the context of running jobs that were canceled.
func (s *Scheduler) stopCanceled(ctx context.Context) {
	s.mu.Lock()
	ids := make([]int64, 0, len(s.running))
	for id := range s.running {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	for _, id := range ids {
		j, err := s.st.GetJob(ctx, store.AllDomains, id)
		if err == nil && j.State == store.JobCanceled {
			s.mu.Lock()
			if cancel, ok := s.running[id]; ok {
				cancel()
			}
			s.mu.Unlock()
		}
	}
}

var errNotScheduled = errors.New("job is no longer scheduled")

// start claims a due job and runs its handler in a goroutine of its own.
func (s *Scheduler) start(ctx context.Context, j store.Job, now time.Time) {
	inProgress := store.JobInProgress
	j, err := s.st.UpdateJob(ctx, j.ID, func(j *store.Job) error {
		if j.State != store.JobScheduled {
			return errNotScheduled
		}
		return Progress(j, Change{State: &inProgress}, now)
	})
	if err != nil {
		if !errors.Is(err, errNotScheduled) {
			s.log.Error("could not start job", "job_id", j.ID, "error", err)
		}
		return
	}
	handler, ok := s.handlers[j.Handler]
	if !ok {
		s.finish(j.ID, "", fmt.Errorf("Logbook has no job kind %q", j.Handler))
		return
	}
	jctx, cancel := context.WithCancel(ctx)
	s.mu.Lock()
	s.running[j.ID] = cancel
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		defer func() {
			s.mu.Lock()
			delete(s.running, j.ID)
			s.mu.Unlock()
		}()
		summary, err := s.runSafely(jctx, handler, j)
		if jctx.Err() != nil && err != nil {
			// Canceled (the state says so) or the server is stopping: a
			// job cut short by shutdown is marked failed, never left
			// IN_PROGRESS with nobody running it.
			if ctx.Err() != nil {
				s.finish(j.ID, "", errors.New("Logbook stopped while the job ran"))
			}
			return
		}
		s.finish(j.ID, summary, err)
	}()
}

func (s *Scheduler) runSafely(ctx context.Context, h HandlerFunc, j store.Job) (summary string, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("job panicked", "job_id", j.ID, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("the job failed unexpectedly: %v", p)
		}
	}()
	report := func(percent int) {
		p := max(0, min(percent, 99))
		s.st.UpdateJob(context.WithoutCancel(ctx), j.ID, func(j *store.Job) error {
			if j.State != store.JobInProgress || p <= j.Percent {
				return errNotScheduled
			}
			j.Percent = p
			return nil
		})
	}
	return h(ctx, j, report)
}

// finish records a job's end unless it was canceled meanwhile.
func (s *Scheduler) finish(id int64, summary string, runErr error) {
	now := s.opts.Now().UTC().Truncate(time.Microsecond)
	_, err := s.st.UpdateJob(context.Background(), id, func(j *store.Job) error {
		if Finished(j.State) {
			return errNotScheduled
		}
		state := store.JobSuccess
		c := Change{State: &state}
		if runErr != nil {
			state = store.JobFailure
			j.Note = truncate(runErr.Error(), MaxSummary)
		} else if summary != "" {
			c.Summary = &summary
		}
		return Progress(j, c, now)
	})
	if err != nil && !errors.Is(err, errNotScheduled) {
		s.log.Error("could not record the end of a job", "job_id", id, "error", err)
	}
}

// fire starts the due run of a recurring job as an occurrence (a child
// job), handles runs missed during downtime, and moves the recurring job
// to its next run.
func (s *Scheduler) fire(ctx context.Context, parent store.Job, now time.Time) error {
	rule, err := ParseRule(parent.Recurrence)
	if err != nil {
		failed := store.JobFailure
		_, uerr := s.st.UpdateJob(ctx, parent.ID, func(j *store.Job) error {
			j.Note = "the recurrence rule is not valid: " + err.Error()
			return Progress(j, Change{State: &failed}, now)
		})
		return errors.Join(err, uerr)
	}
	runs := rule.Between(parent.ScheduledStart, now.Add(time.Microsecond))
	if len(runs) == 0 {
		runs = []time.Time{parent.ScheduledStart}
	}
	late := now.Sub(runs[len(runs)-1]) > s.opts.Grace
	missed := runs[:len(runs)-1]
	if late {
		missed = runs
	}
	if len(missed) > 0 {
		if err := s.recordMissed(ctx, parent, missed, now); err != nil {
			return err
		}
	}
	if !late || parent.OnMissed != "skip" {
		occ := store.Job{Name: parent.Name, JobType: parent.JobType, Summary: parent.Summary, State: store.JobScheduled,
			ScheduledStart: runs[len(runs)-1], ParentID: parent.ID, Owner: parent.Owner, Domain: parent.Domain, Handler: parent.Handler, Params: parent.Params}
		if late {
			occ.Note = fmt.Sprintf("run late, at %s, for %d run(s) missed while Logbook was not running", audit.FormatTime(now), len(missed))
		}
		occ, err := s.st.CreateJob(ctx, occ)
		if err != nil {
			return err
		}
		s.start(ctx, occ, now)
	}
	next := rule.After(now, 1)
	_, err = s.st.UpdateJob(ctx, parent.ID, func(j *store.Job) error {
		if j.State != store.JobScheduled {
			return errNotScheduled
		}
		if len(next) == 0 {
			j.State, j.Percent, j.EndTime = store.JobSuccess, 100, now
			j.ActualStart = firstNonZero(j.ActualStart, now)
			j.Note = "every run of the recurrence is done"
			return nil
		}
		j.ScheduledStart = next[0].UTC()
		return nil
	})
	if errors.Is(err, errNotScheduled) {
		return nil
	}
	return err
}

func firstNonZero(t, d time.Time) time.Time {
	if t.IsZero() {
		return d
	}
	return t
}

// recordMissed records runs missed during downtime: each as a canceled
// occurrence saying so (for "skip" jobs) and one audit log entry either way.
func (s *Scheduler) recordMissed(ctx context.Context, parent store.Job, missed []time.Time, now time.Time) error {
	const most = 100
	if parent.OnMissed == "skip" {
		for _, t := range missed[:min(len(missed), most)] {
			_, err := s.st.CreateJob(ctx, store.Job{Name: parent.Name, JobType: parent.JobType, Summary: parent.Summary,
				State: store.JobCanceled, ScheduledStart: t, EndTime: now, ParentID: parent.ID, Owner: parent.Owner,
				Domain: parent.Domain, Handler: parent.Handler, Params: parent.Params,
				Note: "missed: Logbook was not running at the scheduled time; this job skips missed runs"})
			if err != nil {
				return err
			}
		}
	}
	what := "skipped"
	if parent.OnMissed != "skip" {
		what = "caught up by one late run"
	}
	e := audit.Entry{Timestamp: now, UserName: "logbook", Domain: parent.Domain, Application: "Logbook", Workspace: "Jobs",
		Task: "Missed Job Runs", Result: audit.ResultFailure, JobID: parent.ID,
		Description: fmt.Sprintf("Job %d (%s) missed %d run(s) from %s to %s while Logbook was not running; %s.",
			parent.ID, parent.Name, len(missed), audit.FormatTime(missed[0]), audit.FormatTime(missed[len(missed)-1]), what),
		AffectedObjects: []audit.Object{{Type: "Job", ID: fmt.Sprint(parent.ID), Name: parent.Name}}, Source: "logbook"}
	_, err := s.rec.Submit(ctx, []audit.Entry{e})
	return err
}
