package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/query"
)

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
	j, err := h.jobs.Create(r.Context(), accounts.FromContext(r.Context()), h.auth.Tree(), in)
	if err != nil {
		return nil, jobError(err)
	}
	return created{job.ViewOf(j, h.now())}, nil
}

func (h *Handler) getJob(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := jobID(r)
	if err != nil {
		return nil, err
	}
	j, err := h.jobs.Get(r.Context(), accounts.FromContext(r.Context()), id)
	if err != nil {
		return nil, err
	}
	return job.ViewOf(j, h.now()), nil
}

type jobListResponse struct {
	Jobs       []job.View `json:"jobs"`
	NextCursor string     `json:"next_cursor,omitempty"`
	PrevCursor string     `json:"prev_cursor,omitempty"`
}

func (h *Handler) listJobs(w http.ResponseWriter, r *http.Request) (any, error) {
	q, err := query.ParseJobs(r.URL.Query())
	if err != nil {
		return nil, err
	}
	page, err := h.jobs.List(r.Context(), accounts.FromContext(r.Context()), q)
	if err != nil {
		return nil, err
	}
	resp := jobListResponse{Jobs: []job.View{}}
	now := h.now()
	for _, j := range page.Jobs {
		resp.Jobs = append(resp.Jobs, job.ViewOf(j, now))
	}
	if page.Next != nil {
		resp.NextCursor = page.Next.Encode()
	}
	if page.Prev != nil {
		resp.PrevCursor = page.Prev.Encode()
	}
	return resp, nil
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
	j, err := h.jobs.Progress(r.Context(), accounts.FromContext(r.Context()), id, c)
	if err != nil {
		return nil, jobError(err)
	}
	return job.ViewOf(j, h.now()), nil
}

func (h *Handler) cancelJob(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := jobID(r)
	if err != nil {
		return nil, err
	}
	j, err := h.jobs.CancelJob(r.Context(), accounts.FromContext(r.Context()), id)
	if err != nil {
		return nil, jobError(err)
	}
	return job.ViewOf(j, h.now()), nil
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
	j, err := h.jobs.RescheduleJob(r.Context(), accounts.FromContext(r.Context()), id, at)
	if err != nil {
		return nil, jobError(err)
	}
	return job.ViewOf(j, h.now()), nil
}

func (h *Handler) retryJob(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := jobID(r)
	if err != nil {
		return nil, err
	}
	j, err := h.jobs.RetryJob(r.Context(), accounts.FromContext(r.Context()), id)
	if err != nil {
		return nil, jobError(err)
	}
	return created{job.ViewOf(j, h.now())}, nil
}
