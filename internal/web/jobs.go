package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/exportjob"
	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/query"
	"github.com/logbookhq/logbook/internal/store"
)

// jobColumns are the columns of Table 2 of the Job List page.
var jobColumns = []struct{ Key, Label string }{
	{"name", "Name"}, {"id", "Job ID"}, {"percent", "Percent"}, {"state", "State"}, {"job_type", "Job Type"},
	{"summary", "Summary"}, {"scheduled_start", "Scheduled Start Time"}, {"actual_start", "Actual Start Time"},
	{"end_time", "End Time"}, {"recurrence", "Recurrence"},
}

// jobKeep are the parameters of the Job List page that its links carry;
// others are ignored.
var jobKeep = []string{"state", "job_type", "owner", "name", "sort", "limit"}

type jobColumn struct {
	Key, Label, SortURL, Dir string
}

type jobRow struct {
	job.View
	URL        string
	StateClass string
}

type jobsView struct {
	base
	pager
	Columns     []jobColumn
	Rows        []jobRow
	Filter      map[string]string
	States      []string
	ClearURL    string
	FilterError string
}

func stateClass(s string) string {
	switch s {
	case store.JobSuccess:
		return "success"
	case store.JobFailure:
		return "failure"
	case store.JobInProgress:
		return "running"
	case store.JobCanceled:
		return "canceled"
	}
	return "scheduled"
}

// jobRowOf is j as a row that links to its page.
func jobRowOf(j store.Job, now time.Time) jobRow {
	return jobRow{View: job.ViewOf(j, now), URL: "/jobs/" + strconv.FormatInt(j.ID, 10), StateClass: stateClass(j.State)}
}

// showJobs is the Job List page.
func (h *Handler) showJobs(w http.ResponseWriter, r *http.Request) (answer, error) {
	v := r.URL.Query()
	l := newListing("/jobs", v, jobKeep)
	view := jobsView{base: base{Title: "Jobs", Nav: "jobs"}, Filter: l.hidden(), pager: pager{Page: l.page}, ClearURL: "/jobs",
		States: []string{store.JobScheduled, store.JobInProgress, store.JobSuccess, store.JobFailure, store.JobCanceled}}
	params := l.values()
	if c := v.Get("cursor"); c != "" {
		params.Set("cursor", c)
	}
	q, err := query.ParseJobs(params)
	current := q.Sort
	if err != nil {
		current = store.DefaultJobSort
	}
	for _, c := range jobColumns {
		col := jobColumn{Key: c.Key, Label: c.Label}
		if c.Key != "recurrence" {
			col.SortURL, col.Dir = l.sortLink(c.Key, sorting{current: current.String()})
		}
		view.Columns = append(view.Columns, col)
	}
	if err != nil {
		view.FilterError = err.Error()
		return show("jobs", &view).withStatus(http.StatusBadRequest), nil
	}
	result, err := h.jobs.List(r.Context(), accounts.FromContext(r.Context()), q)
	if err != nil {
		return nil, err
	}
	now := h.now()
	for _, j := range result.Jobs {
		view.Rows = append(view.Rows, jobRowOf(j, now))
	}
	view.pager = l.pager(token(result.Next), token(result.Prev))
	return show("jobs", &view), nil
}

type jobDetailView struct {
	base
	JobID       int64
	Job         *jobRow
	Occurrences []jobRow
	Rows        []gridRow
	Total       string
	CanAudit    bool
	CanCancel   bool
	CanRetry    bool
	CanResched  bool
	DownloadURL string // the file of a finished export job, for its owner
	BackURL     string
	Error       string
}

// showJob shows one job: its fields, its occurrences and its audit logs.
// A job id that audit logs name but no job row holds (history recorded
// before jobs were) still lists those audit logs.
func (h *Handler) showJob(w http.ResponseWriter, r *http.Request) (answer, error) {
	return h.jobPage(r, http.StatusOK, "")
}

// jobPage is the page of the job in r's path with status, and msg saying
// why an action on it was refused.
func (h *Handler) jobPage(r *http.Request, status int, msg string) (answer, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	req := accounts.FromContext(r.Context())
	back := backURL(r)
	if r.URL.Query().Get("back") == "" {
		back = "/jobs"
	}
	v := jobDetailView{base: base{Title: "Job " + strconv.FormatInt(id, 10), Nav: "jobs"}, JobID: id, BackURL: back,
		CanAudit: req.Subject.Can(access.ViewAuditLogs), Error: msg}
	j, err := h.jobs.Get(r.Context(), req, id)
	switch {
	case err == nil:
		h.describeJob(r, req, &v, j)
	case errors.Is(err, store.ErrNotFound) && v.CanAudit:
		// Its audit logs may still name it.
	default:
		return nil, err
	}
	if v.CanAudit {
		l, err := h.logs.List(r.Context(), scopeOf(r), store.Query{Filter: store.Filter{JobID: []int64{id}}, Sort: store.DefaultSort, Limit: 200})
		if err != nil {
			return nil, err
		}
		v.Total, _ = formatTotal(l.Total)
		v.Rows = gridRows(l.Entries, back)
		if v.Job == nil && len(v.Rows) == 0 {
			return nil, store.ErrNotFound
		}
	}
	return show("job", &v).withStatus(status), nil
}

// describeJob fills the job's part of its page: its fields, what the
// viewer may do with it, and the occurrences of a recurring job.
func (h *Handler) describeJob(r *http.Request, req accounts.Request, v *jobDetailView, j store.Job) {
	now := h.now()
	row := jobRow{View: job.ViewOf(j, now), StateClass: stateClass(j.State)}
	v.Job = &row
	mine := req.Subject.Can(access.ManageJobs) || j.Owner == req.Subject.Name
	v.CanCancel = mine && !job.Finished(j.State)
	v.CanResched = mine && j.State == store.JobScheduled
	v.CanRetry = mine && (j.State == store.JobFailure || j.State == store.JobCanceled)
	if j.Owner == req.Subject.Name {
		v.DownloadURL = exportjob.DownloadURL(j)
	}
	if j.Recurrence == "" {
		return
	}
	occ, err := h.jobs.List(r.Context(), req, store.JobQuery{Filter: store.JobFilter{ParentID: j.ID},
		Sort: store.JobSort{Field: store.JobSortScheduledStart, Desc: true}, Limit: 50})
	if err == nil {
		for _, o := range occ.Jobs {
			v.Occurrences = append(v.Occurrences, jobRowOf(o, now))
		}
	}
}

// jobAction runs a form's action on a job and returns to its page; a
// refused action shows on the job's page.
func (h *Handler) jobAction(w http.ResponseWriter, r *http.Request) (answer, error) {
	id, err := pathID(r, "id")
	if err != nil || !parseForm(w, r) {
		return nil, notFound
	}
	req := accounts.FromContext(r.Context())
	var j store.Job
	switch r.PathValue("action") {
	case "cancel":
		j, err = h.jobs.CancelJob(r.Context(), req, id)
	case "retry":
		j, err = h.jobs.RetryJob(r.Context(), req, id)
	case "reschedule":
		var at time.Time
		if at, err = time.Parse(time.RFC3339Nano, r.PostFormValue("scheduled_start")); err != nil {
			err = &job.FieldError{Field: "scheduled_start", Reason: "must be a date and time"}
		} else {
			j, err = h.jobs.RescheduleJob(r.Context(), req, id, at)
		}
	default:
		return nil, notFound
	}
	var te *job.TransitionError
	var fe *job.FieldError
	switch {
	case err == nil:
		back := "/jobs"
		if r.URL.Query().Get("back") != "" {
			back = backURL(r)
		}
		return seeOther("/jobs/" + strconv.FormatInt(j.ID, 10) + "?back=" + url.QueryEscape(back)), nil
	case errors.As(err, &te):
		return h.jobPage(r, http.StatusConflict, te.Error())
	case errors.As(err, &fe):
		return h.jobPage(r, http.StatusBadRequest, fe.Error())
	case errors.Is(err, job.ErrForbidden):
		return h.jobPage(r, http.StatusForbidden, "Only the job's owner or a Job Administrator may change it.")
	}
	return nil, err
}
