package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/auth"
	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/store"
)

// JobJSON is a job as the API answers it.
type JobJSON struct {
	ID             int64    `json:"id"`
	Name           string   `json:"name"`
	JobType        string   `json:"job_type"`
	State          string   `json:"state"`
	Percent        int      `json:"percent"`
	Summary        string   `json:"summary"`
	ScheduledStart string   `json:"scheduled_start"`
	ActualStart    string   `json:"actual_start,omitempty"`
	EndTime        string   `json:"end_time,omitempty"`
	Recurrence     string   `json:"recurrence,omitempty"`
	RecurrenceText string   `json:"recurrence_text,omitempty"`
	NextRuns       []string `json:"next_runs,omitempty"`
	ParentID       int64    `json:"parent_id,omitempty"`
	RetryOf        int64    `json:"retry_of,omitempty"`
	Owner          string   `json:"owner"`
	Domain         string   `json:"domain"`
	OnMissed       string   `json:"on_missed"`
	Note           string   `json:"note,omitempty"`
	// Params are the parameters of one of Logbook's own jobs, secrets
	// masked (job.RedactParams).
	Params    json.RawMessage `json:"params,omitempty"`
	CreatedAt string          `json:"created_at"`
	UpdatedAt string          `json:"updated_at"`
}

// previewRuns is how many coming runs of a recurring job are shown.
const previewRuns = 5

// JobView renders a job for the API and the pages.
func JobView(j store.Job, now time.Time) JobJSON {
	v := JobJSON{ID: j.ID, Name: j.Name, JobType: j.JobType, State: j.State, Percent: j.Percent, Summary: j.Summary,
		ScheduledStart: audit.FormatTime(j.ScheduledStart), ActualStart: audit.FormatTime(j.ActualStart),
		EndTime: audit.FormatTime(j.EndTime), Recurrence: j.Recurrence, ParentID: j.ParentID, RetryOf: j.RetryOf,
		Owner: j.Owner, Domain: j.Domain, OnMissed: j.OnMissed, Note: j.Note,
		CreatedAt: audit.FormatTime(j.CreatedAt), UpdatedAt: audit.FormatTime(j.UpdatedAt), Params: job.RedactParams(j.Params)}
	if j.Recurrence != "" {
		if r, err := job.ParseRule(j.Recurrence); err == nil {
			v.RecurrenceText = r.Text()
			if !job.Finished(j.State) {
				for _, t := range r.After(now, previewRuns) {
					v.NextRuns = append(v.NextRuns, audit.FormatTime(t))
				}
			}
		}
	}
	return v
}

// jobError maps the job service's errors to answers.
func jobError(err error) error {
	var te *job.TransitionError
	var fe *job.FieldError
	var inv *job.InvalidError
	switch {
	case errors.As(err, &te):
		return &Error{Status: http.StatusConflict, Message: te.Error(), State: te.From}
	case errors.As(err, &fe):
		return badRequest(fe.Field, fe.Reason)
	case errors.As(err, &inv):
		return &Error{Status: http.StatusBadRequest, Message: inv.Error() + "; nothing was stored", Fields: inv.Fields}
	case errors.Is(err, job.ErrForbidden):
		return &Error{Status: http.StatusForbidden, Message: "forbidden: only the job's owner or a Job Administrator may change it"}
	}
	return err
}

func jobID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest("id", "must be a positive integer")
	}
	return id, nil
}

func (h *Handler) createJob(w http.ResponseWriter, r *http.Request) (any, error) {
	var in job.NewJob
	if err := decodeBody(w, r, &in); err != nil {
		return nil, err
	}
	j, err := h.jobs.Create(r.Context(), auth.FromContext(r.Context()), h.auth.Tree(), in)
	if err != nil {
		return nil, jobError(err)
	}
	return created{JobView(j, h.now())}, nil
}

func (h *Handler) getJob(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := jobID(r)
	if err != nil {
		return nil, err
	}
	j, err := h.jobs.Get(r.Context(), auth.FromContext(r.Context()), id)
	if err != nil {
		return nil, err
	}
	return JobView(j, h.now()), nil
}

type jobListResponse struct {
	Jobs       []JobJSON `json:"jobs"`
	NextCursor string    `json:"next_cursor,omitempty"`
	PrevCursor string    `json:"prev_cursor,omitempty"`
}

func (h *Handler) listJobs(w http.ResponseWriter, r *http.Request) (any, error) {
	q, err := ParseJobQuery(r.URL.Query())
	if err != nil {
		return nil, err
	}
	page, err := h.jobs.List(r.Context(), auth.FromContext(r.Context()), q)
	if err != nil {
		return nil, err
	}
	resp := jobListResponse{Jobs: []JobJSON{}}
	now := h.now()
	for _, j := range page.Jobs {
		resp.Jobs = append(resp.Jobs, JobView(j, now))
	}
	if page.Next != nil {
		resp.NextCursor = page.Next.Encode()
	}
	if page.Prev != nil {
		resp.PrevCursor = page.Prev.Encode()
	}
	return resp, nil
}

// ParseJobQuery reads a job listing from URL parameters.
func ParseJobQuery(v url.Values) (store.JobQuery, error) {
	q := store.JobQuery{Limit: DefaultLimit}
	for name := range v {
		switch name {
		case "state", "job_type", "owner", "name", "scheduled_from", "scheduled_to", "actual_from", "actual_to",
			"parent", "top_level", "sort", "limit", "cursor":
		default:
			return q, badRequest(name, "is not a filter of jobs")
		}
	}
	for _, s := range splitValues(v["state"]) {
		if !job.ValidState(s) {
			return q, badRequest("state", "must be SCHEDULED, IN_PROGRESS, SUCCESS, FAILURE or CANCELED")
		}
		q.Filter.State = append(q.Filter.State, s)
	}
	for _, s := range v["job_type"] {
		if strings.HasSuffix(s, "*") {
			q.Filter.JobType = append(q.Filter.JobType, store.Match{Value: strings.TrimSuffix(s, "*"), Prefix: true})
		} else if s != "" {
			q.Filter.JobType = append(q.Filter.JobType, store.Match{Value: s})
		}
	}
	q.Filter.Owner = splitValues(v["owner"])
	// Each value is a condition of the SQL: unbounded, a long URL of
	// job_type prefixes made an OR deeper than SQLite takes (500).
	for _, c := range []struct {
		name string
		n    int
	}{{"state", len(q.Filter.State)}, {"job_type", len(q.Filter.JobType)}, {"owner", len(q.Filter.Owner)}} {
		if c.n > maxFilterValues {
			return q, badRequest(c.name, "has more than 50 values")
		}
	}
	q.Filter.NamePrefix = v.Get("name")
	var err error
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"scheduled_from", &q.Filter.ScheduledFrom}, {"scheduled_to", &q.Filter.ScheduledTo},
		{"actual_from", &q.Filter.ActualFrom}, {"actual_to", &q.Filter.ActualTo}} {
		if *p.dst, err = parseTime(p.name, v.Get(p.name)); err != nil {
			return q, err
		}
	}
	if s := v.Get("parent"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return q, badRequest("parent", "must be a positive integer")
		}
		q.Filter.ParentID = id
	}
	q.Filter.TopLevel = v.Get("top_level") == "true"
	if q.Sort, err = store.ParseJobSort(v.Get("sort")); err != nil {
		return q, badRequest("sort", "must be one of id, name, percent, state, job_type, summary, scheduled_start, actual_start, end_time, owner, optionally preceded by -")
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return q, badRequest("limit", "must be an integer from 1 to 1000")
		}
		q.Limit = n
	}
	if c := v.Get("cursor"); c != "" {
		if q.After, err = store.DecodeJobCursor(c, q.Sort); err != nil {
			return q, badRequest("cursor", "is not a cursor this listing made for sort "+q.Sort.String())
		}
	}
	return q, nil
}

func (h *Handler) patchJob(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := jobID(r)
	if err != nil {
		return nil, err
	}
	var c job.Change
	if err := decodeBody(w, r, &c); err != nil {
		return nil, err
	}
	j, err := h.jobs.Progress(r.Context(), auth.FromContext(r.Context()), id, c)
	if err != nil {
		return nil, jobError(err)
	}
	return JobView(j, h.now()), nil
}

func (h *Handler) cancelJob(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := jobID(r)
	if err != nil {
		return nil, err
	}
	j, err := h.jobs.CancelJob(r.Context(), auth.FromContext(r.Context()), id)
	if err != nil {
		return nil, jobError(err)
	}
	return JobView(j, h.now()), nil
}

func (h *Handler) rescheduleJob(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := jobID(r)
	if err != nil {
		return nil, err
	}
	var body struct {
		ScheduledStart string `json:"scheduled_start"`
	}
	if err := decodeBody(w, r, &body); err != nil {
		return nil, err
	}
	at, err := time.Parse(time.RFC3339Nano, body.ScheduledStart)
	if err != nil {
		return nil, badRequest("scheduled_start", "must be an RFC 3339 time such as 2026-11-25T22:00:00Z")
	}
	j, err := h.jobs.RescheduleJob(r.Context(), auth.FromContext(r.Context()), id, at)
	if err != nil {
		return nil, jobError(err)
	}
	return JobView(j, h.now()), nil
}

func (h *Handler) retryJob(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := jobID(r)
	if err != nil {
		return nil, err
	}
	j, err := h.jobs.RetryJob(r.Context(), auth.FromContext(r.Context()), id)
	if err != nil {
		return nil, jobError(err)
	}
	return created{JobView(j, h.now())}, nil
}
