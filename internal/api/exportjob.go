package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/exportjob"
	"github.com/logbookhq/logbook/internal/query"
	"github.com/logbookhq/logbook/internal/store"
)

// ExportJobs serves export jobs: large exports that run in the background
// (package exportjob), show in the job list, and whose file is downloaded
// when the job is done.
type ExportJobs struct {
	h   *Handler
	svc *exportjob.Service
}

// NewExportJobs returns the export job API of h on svc.
func NewExportJobs(h *Handler, svc *exportjob.Service) *ExportJobs {
	return &ExportJobs{h: h, svc: svc}
}

// Register adds the routes of export jobs to mux.
func (x *ExportJobs) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/audit-logs/export-jobs", x.h.need(access.ExportAuditLogs, x.create))
	mux.HandleFunc("GET /api/v1/jobs/{id}/download", x.h.needFunc(anyone, "", x.download))
}

// maxExportJobBody bounds the form an export job is asked for with: a GET
// export's query string is bounded by the server's limit on request
// headers (64 KiB) anyway. Without it Go reads a form of up to 10 MB, and
// the filters' lists are split before their length is checked.
const maxExportJobBody = 64 << 10

// create schedules an export job for the export the query string asks for
// (the parameters of GET /api/v1/audit-logs/export). A browser's form post
// is sent on to the job's page.
func (x *ExportJobs) create(w http.ResponseWriter, r *http.Request) (any, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxExportJobBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, err
		}
		return nil, badRequest("body", "is not a form")
	}
	raw := r.URL.RawQuery
	if q := r.PostForm.Get("query"); q != "" {
		raw = strings.TrimPrefix(q, "?")
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return nil, badRequest("query", "is not a URL query string")
	}
	xr, err := query.ParseExport(v, x.h.now())
	if err != nil {
		return nil, err
	}
	j, err := x.svc.Schedule(r.Context(), accounts.FromContext(r.Context()), x.h.auth.Tree(), xr, raw)
	if err != nil {
		return nil, err
	}
	if r.PostForm.Get("query") != "" || strings.Contains(r.Header.Get("Accept"), "text/html") {
		http.Redirect(w, r, "/jobs/"+strconv.FormatInt(j.ID, 10), http.StatusSeeOther)
		return nil, errAnswered
	}
	return accepted{exportJobAccepted{JobID: j.ID, DownloadURL: exportjob.URL(j.ID)}}, nil
}

type exportJobAccepted struct {
	JobID       int64  `json:"job_id"`
	DownloadURL string `json:"download_url"`
}

// download serves the file of a finished export job to the user who
// asked for it, and to nobody else.
func (x *ExportJobs) download(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, store.ErrNotFound
	}
	f, err := x.svc.Open(r.Context(), accounts.FromContext(r.Context()), id)
	var notReady *exportjob.NotReadyError
	switch {
	case errors.As(err, &notReady):
		return nil, &Error{Status: http.StatusConflict, Message: notReady.Error(), State: notReady.State}
	case errors.Is(err, exportjob.ErrGone):
		return nil, &Error{Status: http.StatusGone, Message: err.Error()}
	case err != nil:
		return nil, err
	}
	defer f.Close()
	hdr := w.Header()
	hdr.Set("Content-Type", f.Format.MediaType())
	hdr.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="logbook-audit-logs-job-%d.%s"`, id, f.Format.Ext()))
	hdr.Set("Cache-Control", "no-store")
	http.ServeContent(w, r, "", f.ModTime, f)
	return nil, errAnswered
}
