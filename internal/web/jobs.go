package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/api"
	"github.com/logbookhq/logbook/internal/auth"
	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/store"
)

// jobColumns are the columns of Table 2 of the Job List page.
var jobColumns = []struct{ Key, Label string }{
	{"name", "Name"}, {"id", "Job ID"}, {"percent", "Percent"}, {"state", "State"}, {"job_type", "Job Type"},
	{"summary", "Summary"}, {"scheduled_start", "Scheduled Start Time"}, {"actual_start", "Actual Start Time"},
	{"end_time", "End Time"}, {"recurrence", "Recurrence"},
}

type jobColumn struct {
	Key, Label, SortURL, Dir string
}

type jobRow struct {
	api.JobJSON
	URL        string
	StateClass string
}

type jobsView struct {
	base
	Columns     []jobColumn
	Rows        []jobRow
	Filter      map[string]string
	States      []string
	NextURL     string
	PrevURL     string
	ClearURL    string
	FilterError string
	Page        int
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

// showJobs is the Job List page.
func (h *Handler) showJobs(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	page, _ := strconv.Atoi(v.Get("p"))
	page = max(page, 1)
	view := jobsView{base: base{Title: "Jobs", Nav: "jobs"}, Filter: map[string]string{}, Page: page,
		States: []string{store.JobScheduled, store.JobInProgress, store.JobSuccess, store.JobFailure, store.JobCanceled}}
	keep := url.Values{}
	for _, k := range []string{"state", "job_type", "owner", "name", "sort", "limit"} {
		if s := v.Get(k); s != "" {
			view.Filter[k] = s
			keep.Set(k, s)
		}
	}
	with := func(changes map[string]string) string {
		c := url.Values{}
		for k, s := range keep {
			c[k] = s
		}
		for k, s := range changes {
			if s == "" {
				c.Del(k)
			} else {
				c.Set(k, s)
			}
		}
		if len(c) == 0 {
			return "/jobs"
		}
		return "/jobs?" + c.Encode()
	}
	view.ClearURL = "/jobs"
	apiv := url.Values{}
	for k, s := range keep {
		apiv[k] = s
	}
	if c := v.Get("cursor"); c != "" {
		apiv.Set("cursor", c)
	}
	q, err := api.ParseJobQuery(apiv)
	sortNow := q.Sort
	if err != nil {
		sortNow, _ = store.ParseJobSort("")
	}
	for _, c := range jobColumns {
		col := jobColumn{Key: c.Key, Label: c.Label}
		if c.Key != "recurrence" {
			next := store.JobSort{Field: store.JobSortField(c.Key)}
			if sortNow.Field == next.Field {
				col.Dir = "ascending"
				if sortNow.Desc {
					col.Dir = "descending"
				} else {
					next.Desc = true
				}
			}
			col.SortURL = with(map[string]string{"sort": next.String()})
		}
		view.Columns = append(view.Columns, col)
	}
	if err != nil {
		view.FilterError = err.Error()
		h.render(w, r, http.StatusBadRequest, "jobs", "", &view)
		return
	}
	req := auth.FromContext(r.Context())
	result, err := h.jobs.List(r.Context(), req, q)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	now := h.now()
	for _, j := range result.Jobs {
		view.Rows = append(view.Rows, jobRow{JobJSON: api.JobView(j, now), URL: "/jobs/" + strconv.FormatInt(j.ID, 10), StateClass: stateClass(j.State)})
	}
	if result.Next != nil {
		view.NextURL = with(map[string]string{"cursor": result.Next.Encode(), "p": strconv.Itoa(page + 1)})
	}
	if result.Prev != nil {
		if page <= 2 {
			view.PrevURL = with(nil)
		} else {
			view.PrevURL = with(map[string]string{"cursor": result.Prev.Encode(), "p": strconv.Itoa(page - 1)})
		}
	}
	h.render(w, r, http.StatusOK, "jobs", "", &view)
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
func (h *Handler) showJob(w http.ResponseWriter, r *http.Request) {
	h.renderJob(w, r, http.StatusOK, "")
}

func (h *Handler) renderJob(w http.ResponseWriter, r *http.Request, status int, msg string) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.fail(w, r, http.StatusNotFound, err)
		return
	}
	req := auth.FromContext(r.Context())
	back := backURL(r)
	if r.URL.Query().Get("back") == "" {
		back = "/jobs"
	}
	v := jobDetailView{base: base{Title: "Job " + strconv.FormatInt(id, 10), Nav: "jobs"}, JobID: id, BackURL: back,
		CanAudit: req.Subject.Can(access.ViewAuditLogs), Error: msg}
	now := h.now()
	j, err := h.jobs.Get(r.Context(), req, id)
	switch {
	case err == nil:
		row := jobRow{JobJSON: api.JobView(j, now), StateClass: stateClass(j.State)}
		v.Job = &row
		mine := req.Subject.Can(access.ManageJobs) || j.Owner == req.Subject.Name
		v.CanCancel = mine && !job.Finished(j.State)
		v.CanResched = mine && j.State == store.JobScheduled
		if j.Owner == req.Subject.Name {
			v.DownloadURL = api.DownloadURL(j)
		}
		v.CanRetry = mine && (j.State == store.JobFailure || j.State == store.JobCanceled)
		if j.Recurrence != "" {
			occ, err := h.jobs.List(r.Context(), req, store.JobQuery{Filter: store.JobFilter{ParentID: j.ID},
				Sort: store.JobSort{Field: store.JobSortScheduledStart, Desc: true}, Limit: 50})
			if err == nil {
				for _, o := range occ.Jobs {
					v.Occurrences = append(v.Occurrences, jobRow{JobJSON: api.JobView(o, now), URL: "/jobs/" + strconv.FormatInt(o.ID, 10), StateClass: stateClass(o.State)})
				}
			}
		}
	case errors.Is(err, store.ErrNotFound):
		if !v.CanAudit {
			h.fail(w, r, http.StatusNotFound, err)
			return
		}
	default:
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	if v.CanAudit {
		scope := scopeOf(r)
		f := store.Filter{JobID: []int64{id}}
		page, err := h.store.List(r.Context(), scope, store.Query{Filter: f, Sort: store.DefaultSort, Limit: 200})
		if err != nil {
			h.fail(w, r, http.StatusInternalServerError, err)
			return
		}
		n, err := h.store.Count(r.Context(), scope, f, api.CountCap)
		if err != nil {
			h.fail(w, r, http.StatusInternalServerError, err)
			return
		}
		v.Total = formatCount(n)
		for _, e := range page.Entries {
			v.Rows = append(v.Rows, gridRow{ID: e.ID, UserName: e.UserName, Task: e.Task, Result: e.Result,
				ResultClass: resultClass(e.Result), Description: e.Description,
				TimeISO: isoTime(e.Timestamp), TimeUTC: utcTime(e.Timestamp),
				DetailURL: withBack("/audit-logs/"+strconv.FormatInt(e.ID, 10), back)})
		}
		if v.Job == nil && len(v.Rows) == 0 {
			h.fail(w, r, http.StatusNotFound, err)
			return
		}
	}
	h.render(w, r, status, "job", "", &v)
}

// jobAction runs a form's action on a job and returns to its page.
func (h *Handler) jobAction(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 || !parseForm(w, r) {
		h.fail(w, r, http.StatusNotFound, err)
		return
	}
	req := auth.FromContext(r.Context())
	var j store.Job
	switch r.PathValue("action") {
	case "cancel":
		j, err = h.jobs.CancelJob(r.Context(), req, id)
	case "retry":
		j, err = h.jobs.RetryJob(r.Context(), req, id)
	case "reschedule":
		var at time.Time
		at, err = time.Parse(time.RFC3339Nano, r.PostFormValue("scheduled_start"))
		if err != nil {
			err = &job.FieldError{Field: "scheduled_start", Reason: "must be a date and time"}
		} else {
			j, err = h.jobs.RescheduleJob(r.Context(), req, id, at)
		}
	default:
		h.fail(w, r, http.StatusNotFound, errors.New("no such action"))
		return
	}
	var te *job.TransitionError
	var fe *job.FieldError
	switch {
	case err == nil:
		back := "/jobs"
		if r.URL.Query().Get("back") != "" {
			back = backURL(r)
		}
		http.Redirect(w, r, "/jobs/"+strconv.FormatInt(j.ID, 10)+"?back="+url.QueryEscape(back), http.StatusSeeOther)
	case errors.As(err, &te):
		h.renderJob(w, r, http.StatusConflict, te.Error())
	case errors.As(err, &fe):
		h.renderJob(w, r, http.StatusBadRequest, fe.Error())
	case errors.Is(err, job.ErrForbidden):
		h.renderJob(w, r, http.StatusForbidden, "Only the job's owner or a Job Administrator may change it.")
	case errors.Is(err, store.ErrNotFound):
		h.fail(w, r, http.StatusNotFound, err)
	default:
		h.fail(w, r, http.StatusInternalServerError, err)
	}
}
