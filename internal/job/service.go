package job

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// Recorder records audit log entries durably; the ingest writer is one.
type Recorder interface {
	Submit(ctx context.Context, entries []audit.Entry) ([]int64, error)
}

// Service runs job operations for the API, the pages and the scheduler,
// with the same rules and the same audit trail whoever asks.
type Service struct {
	st    store.Store
	rec   Recorder
	now   func() time.Time
	kinds map[string]bool
}

// NewService returns the job service; kinds are the handlers of
// Logbook's own jobs that may be scheduled.
func NewService(st store.Store, rec Recorder, now func() time.Time, kinds ...string) *Service {
	if now == nil {
		now = time.Now
	}
	s := &Service{st: st, rec: rec, now: now, kinds: map[string]bool{}}
	for _, k := range kinds {
		s.kinds[k] = true
	}
	return s
}

// ErrForbidden is returned for an operation the caller may not do on a job
// they may see.
var ErrForbidden = errors.New("forbidden")

// Limits on job fields.
const (
	MaxNameLen    = 255
	MaxTypeLen    = 128
	MaxSummaryLen = 4096
)

// NewJob is a job an application or a person registers.
type NewJob struct {
	Name           string  `json:"name"`
	JobType        string  `json:"job_type"`
	Summary        string  `json:"summary"`
	ScheduledStart *string `json:"scheduled_start"`
	Recurrence     string  `json:"recurrence"`
	Domain         string  `json:"domain"`
	OnMissed       string  `json:"on_missed"`
	// Handler makes this one of Logbook's own jobs, run by its scheduler
	// (for example "verify"); only Job Administrators may set it.
	Handler string `json:"handler"`
	// Params are the parameters of a Logbook job, a JSON object. They are
	// set only through the API of the job's kind (such as
	// /api/v1/archive-purge), which checks them and the caller's right to
	// them; POST /api/v1/jobs refuses them.
	Params json.RawMessage `json:"params,omitempty"`
}

// InvalidError lists refused fields.
type InvalidError struct{ Fields []audit.FieldError }

func (e *InvalidError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Error()
	}
	return strings.Join(parts, "; ")
}

// CanSeeAll reports whether subject sees every job of its domains rather
// than only its own.
func CanSeeAll(s access.Subject) bool { return s.Can(access.ViewAllJobs) }

// CanRegister reports whether subject may register and report on jobs.
func CanRegister(s access.Subject) bool {
	return s.Can(access.ManageJobs) || s.Can(access.IngestAuditLogs)
}

// Visible reports whether req's caller may see j.
func Visible(req accounts.Request, j store.Job) bool {
	return req.Scope.Allows(j.Domain) && (CanSeeAll(req.Subject) || j.Owner == req.Subject.Name)
}

// mayChange reports whether req's caller may operate on j: a job
// administrator within scope, or the job's owner.
func mayChange(req accounts.Request, j store.Job) bool {
	return req.Scope.Allows(j.Domain) && (req.Subject.Can(access.ManageJobs) || j.Owner == req.Subject.Name)
}

// Create validates and stores a new job and records it.
func (s *Service) Create(ctx context.Context, req accounts.Request, tree *access.Tree, in NewJob) (store.Job, error) {
	return s.create(ctx, req, tree, in, false)
}

// CreateLogbookJob stores one of Logbook's own jobs with its parameters on
// behalf of the API of its kind, which has checked the caller's right to
// it (an Audit Log Administrator schedules an archive/purge without being
// a Job Administrator). The job belongs to the caller.
func (s *Service) CreateLogbookJob(ctx context.Context, req accounts.Request, tree *access.Tree, in NewJob) (store.Job, error) {
	return s.create(ctx, req, tree, in, true)
}

func (s *Service) create(ctx context.Context, req accounts.Request, tree *access.Tree, in NewJob, own bool) (store.Job, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	var errs []audit.FieldError
	bad := func(f, r string) { errs = append(errs, audit.FieldError{Field: f, Reason: r}) }
	text := func(field, v string, max int, required bool) {
		switch {
		case v == "" && required:
			bad(field, "is required")
		case len(v) > max:
			bad(field, fmt.Sprintf("is longer than %d bytes", max))
		case !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 && r != '\t' }):
			bad(field, "contains invalid or control characters")
		}
	}
	text("name", in.Name, MaxNameLen, true)
	text("job_type", in.JobType, MaxTypeLen, true)
	text("summary", in.Summary, MaxSummaryLen, false)
	j := store.Job{Name: in.Name, JobType: in.JobType, Summary: in.Summary, State: store.JobScheduled,
		ScheduledStart: now, Owner: req.Subject.Name, OnMissed: "run"}
	if in.ScheduledStart != nil {
		t, err := time.Parse(time.RFC3339Nano, *in.ScheduledStart)
		if err != nil {
			bad("scheduled_start", "must be an RFC 3339 time such as 2026-11-25T22:00:00Z")
		} else {
			j.ScheduledStart = t.UTC().Truncate(time.Microsecond)
		}
	}
	if in.Recurrence != "" {
		r, err := ParseRule(in.Recurrence)
		if err != nil {
			bad("recurrence", err.Error())
		} else {
			j.Recurrence = r.String()
			if in.ScheduledStart == nil {
				j.ScheduledStart = r.Start().UTC()
			}
		}
	}
	switch in.OnMissed {
	case "", "run":
	case "skip":
		j.OnMissed = "skip"
	default:
		bad("on_missed", `must be "run" or "skip"`)
	}
	params := bytes.TrimSpace(in.Params)
	switch {
	case len(params) == 0 || string(params) == "null":
		params = nil
	case !own:
		bad("params", "are set by the API of the job's kind (such as /api/v1/archive-purge), not here")
	case len(params) > store.MaxJobParams:
		bad("params", fmt.Sprintf("are larger than %d bytes", store.MaxJobParams))
	case params[0] != '{' || !json.Valid(params):
		bad("params", "must be a JSON object")
	}
	if own && in.Handler == "" {
		bad("handler", "is required")
	}
	if in.Handler != "" {
		switch {
		case !s.kinds[in.Handler]:
			bad("handler", fmt.Sprintf("%q is not a kind of Logbook job", in.Handler))
		case own:
			j.Handler = in.Handler
			j.Params = append(json.RawMessage(nil), params...)
		case !req.Subject.Can(access.ManageJobs):
			bad("handler", "only a Job Administrator may schedule Logbook's own jobs")
		default:
			j.Handler = in.Handler
		}
	}
	j.Domain = in.Domain
	if j.Domain == "" && len(req.Subject.Domains) > 0 {
		j.Domain = req.Subject.Domains[0]
	}
	if reason := audit.CheckDomain(j.Domain); reason != "" {
		bad("domain", reason)
	} else if !tree.CanWrite(req.Subject.Domains, j.Domain) {
		bad("domain", "is outside your domains")
	}
	if len(errs) > 0 {
		return store.Job{}, &InvalidError{Fields: errs}
	}
	j, err := s.st.CreateJob(ctx, j)
	if err != nil {
		return store.Job{}, err
	}
	return j, s.record(ctx, req, j, "Create Job", scheduledResult(j), fmt.Sprintf("Job %s (%s) scheduled for %s.", j.Name, j.JobType, audit.FormatTime(j.ScheduledStart)))
}

func scheduledResult(j store.Job) audit.Result {
	if j.Recurrence != "" {
		return audit.ResultRecurringJobScheduled
	}
	return audit.ResultJobScheduled
}

// record writes the audit log entry of a job operation.
func (s *Service) record(ctx context.Context, req accounts.Request, j store.Job, task string, result audit.Result, text string) error {
	e := audit.Entry{Timestamp: s.now().UTC().Truncate(time.Microsecond), UserName: nameOr(req.Subject.Name), UserIP: req.IP,
		Domain: j.Domain, Application: "Logbook", Workspace: "Jobs", Task: task, Result: result, JobID: j.ID,
		Description: text, AffectedObjects: []audit.Object{{Type: "Job", ID: fmt.Sprint(j.ID), Name: j.Name}}, Source: "logbook"}
	if _, err := s.rec.Submit(ctx, []audit.Entry{e}); err != nil {
		return fmt.Errorf("error recording %s: %w", task, err)
	}
	return nil
}

func nameOr(n string) string {
	if n == "" {
		return "logbook"
	}
	return n
}

// Get returns a job the caller may see; store.ErrNotFound otherwise.
func (s *Service) Get(ctx context.Context, req accounts.Request, id int64) (store.Job, error) {
	j, err := s.st.GetJob(ctx, req.Scope, id)
	if err != nil {
		return store.Job{}, err
	}
	if !Visible(req, j) {
		return store.Job{}, fmt.Errorf("job %d: %w", id, store.ErrNotFound)
	}
	return j, nil
}

// Missing returns those of ids that name no job at all, whoever may see
// it: an entry may name a job of a domain its sender cannot read, and the
// answer says only that the id is unknown.
func (s *Service) Missing(ctx context.Context, ids []int64) ([]int64, error) {
	return s.st.MissingJobs(ctx, ids)
}

// List returns one page of the jobs the caller may see.
func (s *Service) List(ctx context.Context, req accounts.Request, q store.JobQuery) (store.JobPage, error) {
	if !CanSeeAll(req.Subject) {
		if len(q.Filter.Owner) > 0 && !slices.Contains(q.Filter.Owner, req.Subject.Name) {
			return store.JobPage{}, nil // only others' jobs asked for: none visible
		}
		q.Filter.Owner = []string{req.Subject.Name}
	}
	return s.st.ListJobs(ctx, req.Scope, q)
}

// update applies op to a job the caller may change, in one transaction.
func (s *Service) update(ctx context.Context, req accounts.Request, id int64, op func(*store.Job) error) (store.Job, error) {
	if _, err := s.Get(ctx, req, id); err != nil {
		return store.Job{}, err
	}
	return s.st.UpdateJob(ctx, id, func(j *store.Job) error {
		if !mayChange(req, *j) {
			return ErrForbidden
		}
		return op(j)
	})
}

// Progress applies a progress report (state, percent, summary).
func (s *Service) Progress(ctx context.Context, req accounts.Request, id int64, c Change) (store.Job, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	return s.update(ctx, req, id, func(j *store.Job) error { return Progress(j, c, now) })
}

// CancelJob cancels a job and records it.
func (s *Service) CancelJob(ctx context.Context, req accounts.Request, id int64) (store.Job, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	j, err := s.update(ctx, req, id, func(j *store.Job) error { return Cancel(j, now, "canceled by "+nameOr(req.Subject.Name)) })
	if err != nil {
		return store.Job{}, err
	}
	return j, s.record(ctx, req, j, "Cancel Job", audit.ResultSuccess, fmt.Sprintf("Job %d (%s) canceled.", j.ID, j.Name))
}

// RescheduleJob moves a scheduled job and records it.
func (s *Service) RescheduleJob(ctx context.Context, req accounts.Request, id int64, at time.Time) (store.Job, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	j, err := s.update(ctx, req, id, func(j *store.Job) error { return Reschedule(j, at.UTC().Truncate(time.Microsecond), now) })
	if err != nil {
		return store.Job{}, err
	}
	return j, s.record(ctx, req, j, "Reschedule Job", scheduledResult(j), fmt.Sprintf("Job %d (%s) rescheduled to %s.", j.ID, j.Name, audit.FormatTime(j.ScheduledStart)))
}

// RetryJob schedules a new job repeating a failed or canceled one.
func (s *Service) RetryJob(ctx context.Context, req accounts.Request, id int64) (store.Job, error) {
	failed, err := s.Get(ctx, req, id)
	if err != nil {
		return store.Job{}, err
	}
	if !mayChange(req, failed) {
		return store.Job{}, ErrForbidden
	}
	nj, err := Retry(failed, s.now().UTC().Truncate(time.Microsecond))
	if err != nil {
		return store.Job{}, err
	}
	nj.Owner = nameOr(req.Subject.Name)
	nj, err = s.st.CreateJob(ctx, nj)
	if err != nil {
		return store.Job{}, err
	}
	return nj, s.record(ctx, req, nj, "Retry Job", audit.ResultJobScheduled, fmt.Sprintf("Job %d (%s) retries job %d.", nj.ID, nj.Name, failed.ID))
}
