package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/auth"
	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/store"
)

// ExportJobKind is the kind of Logbook job that writes an export to a
// file: large exports run in the background, show in the job list, and
// their file is downloaded when the job is done.
const ExportJobKind = "export"

// ExportKeep is how long finished export files are kept.
const ExportKeep = 7 * 24 * time.Hour

// exportParams are the parameters of an export job: the export's query
// string and who asked, with what they could see when they asked.
type exportParams struct {
	Query string      `json:"query"`
	Scope store.Scope `json:"scope"`
	User  string      `json:"user"`
	IP    string      `json:"ip"`
}

// ExportJobs runs export jobs, writing their files into a directory.
type ExportJobs struct {
	h   *Handler
	dir string
}

// NewExportJobs returns the export jobs of h, whose files go into dir.
// Replicas sharing a PostgreSQL database need dir on shared storage for
// any of them to serve a download.
func NewExportJobs(h *Handler, dir string) *ExportJobs { return &ExportJobs{h: h, dir: dir} }

// Register adds the routes of export jobs to mux.
func (x *ExportJobs) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/audit-logs/export-jobs", x.h.need(access.ExportAuditLogs, x.create))
	mux.HandleFunc("GET /api/v1/jobs/{id}/download", x.h.needFunc(anyone, "", x.download))
}

// maxExportJobBody bounds the form an export job is asked for with: its
// query string is kept with the job, and a GET export's query string is
// bounded by the server's limit on request headers (64 KiB) anyway.
// Without it Go reads a form of up to 10 MB, and the filters' lists are
// split before their length is checked.
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
	xr, err := parseExport(v)
	if err != nil {
		return nil, err
	}
	req := auth.FromContext(r.Context())
	params, err := json.Marshal(exportParams{Query: raw, Scope: req.Scope, User: req.Subject.Name, IP: req.IP})
	if err != nil {
		return nil, err
	}
	filters := raw
	if filters == "" {
		filters = "(none)"
	}
	j, err := x.h.jobs.CreateLogbookJob(r.Context(), req, x.h.auth.Tree(), job.NewJob{
		Name: "Export Audit Logs", JobType: "Export", Handler: ExportJobKind, Params: params,
		Summary: truncate(fmt.Sprintf("%s export of %s", xr.format.name, filters), job.MaxSummaryLen)})
	if err != nil {
		return nil, err
	}
	if r.PostForm.Get("query") != "" || strings.Contains(r.Header.Get("Accept"), "text/html") {
		http.Redirect(w, r, "/jobs/"+strconv.FormatInt(j.ID, 10), http.StatusSeeOther)
		return nil, errAnswered
	}
	return accepted{exportJobAccepted{JobID: j.ID, DownloadURL: downloadURL(j.ID)}}, nil
}

type exportJobAccepted struct {
	JobID       int64  `json:"job_id"`
	DownloadURL string `json:"download_url"`
}

func downloadURL(id int64) string { return "/api/v1/jobs/" + strconv.FormatInt(id, 10) + "/download" }

// DownloadURL is where the file of a finished export job is downloaded,
// or "" when j is no export job that succeeded.
func DownloadURL(j store.Job) string {
	if j.Handler != ExportJobKind || j.State != store.JobSuccess {
		return ""
	}
	return downloadURL(j.ID)
}

// path is the file of job id in format ext.
func (x *ExportJobs) path(id int64, ext string) string {
	return filepath.Join(x.dir, fmt.Sprintf("logbook-export-%d.%s", id, ext))
}

// Handler runs export jobs.
func (x *ExportJobs) Handler() job.HandlerFunc {
	return func(ctx context.Context, j store.Job, report func(int)) (string, error) {
		var p exportParams
		if err := json.Unmarshal(j.Params, &p); err != nil {
			return "", fmt.Errorf("the job's parameters do not parse: %w", err)
		}
		v, err := url.ParseQuery(p.Query)
		if err != nil {
			return "", fmt.Errorf("the job's query does not parse: %w", err)
		}
		xr, err := parseExport(v)
		if err != nil {
			return "", err
		}
		xr.rawQuery = p.Query
		x.removeOld()
		n, size, err := x.write(ctx, j.ID, p.Scope, xr, report)
		req := auth.Request{Subject: access.Subject{Name: p.User}, IP: p.IP}
		x.h.recordExport(context.WithoutCancel(ctx), req, xr, n, err, false)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("Exported %d entries as %s (%s); the file is kept for %d days", n, xr.format.name, byteSize(size), int(ExportKeep.Hours()/24)), nil
	}
}

// write writes the export into the job's file: under a temporary name,
// synced, then renamed, so that a download never sees half a file.
func (x *ExportJobs) write(ctx context.Context, id int64, scope store.Scope, xr exportRequest, report func(int)) (int, int64, error) {
	last, _, err := x.h.store.Head(ctx)
	if err != nil {
		return 0, 0, err
	}
	total, err := x.h.store.Count(ctx, scope, xr.query.Filter, CountCap)
	if err != nil {
		return 0, 0, err
	}
	if total > CountCap {
		est, err := x.h.store.Estimate(ctx, scope, xr.query.Filter, CountCap)
		if err != nil {
			return 0, 0, err
		}
		total = int(est)
	}
	page, err := x.h.store.List(ctx, scope, xr.query)
	if err != nil {
		return 0, 0, err
	}
	if err := os.MkdirAll(x.dir, 0o750); err != nil {
		return 0, 0, fmt.Errorf("error creating the export directory: %w", err)
	}
	final := x.path(id, xr.format.ext)
	f, err := os.CreateTemp(x.dir, ".export-*")
	if err != nil {
		return 0, 0, fmt.Errorf("error creating the export file: %w", err)
	}
	defer os.Remove(f.Name()) // gone after the rename
	defer f.Close()
	buf := bufio.NewWriterSize(f, exportBufferSize)
	n, err := x.h.exportPages(ctx, scope, xr, page, last, buf, buf.Flush, func(n int) {
		if total > 0 {
			report(min(99, n*100/total))
		}
	})
	if err != nil {
		return n, 0, err
	}
	if err := f.Sync(); err != nil {
		return n, 0, err
	}
	info, err := f.Stat()
	if err != nil {
		return n, 0, err
	}
	if err := f.Close(); err != nil {
		return n, 0, err
	}
	if err := os.Rename(f.Name(), final); err != nil {
		return n, 0, err
	}
	return n, info.Size(), nil
}

// removeOld deletes export files older than ExportKeep.
func (x *ExportJobs) removeOld() {
	files, _ := filepath.Glob(filepath.Join(x.dir, "logbook-export-*"))
	for _, f := range files {
		if info, err := os.Stat(f); err == nil && time.Since(info.ModTime()) > ExportKeep {
			os.Remove(f)
		}
	}
}

// download serves the file of a finished export job to the user who
// asked for it, and to nobody else: it holds what that user could see.
func (x *ExportJobs) download(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, store.ErrNotFound
	}
	req := auth.FromContext(r.Context())
	j, err := x.h.jobs.Get(r.Context(), req, id)
	if err != nil {
		return nil, err
	}
	if j.Handler != ExportJobKind || j.Owner != req.Subject.Name {
		return nil, store.ErrNotFound
	}
	if j.State != store.JobSuccess {
		return nil, &Error{Status: http.StatusConflict, Message: "the export is " + j.State + "; its file is ready when the job has succeeded", State: j.State}
	}
	var p exportParams
	json.Unmarshal(j.Params, &p)
	v, _ := url.ParseQuery(p.Query)
	xr, err := parseExport(v)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(x.path(id, xr.format.ext))
	if errors.Is(err, os.ErrNotExist) {
		return nil, &Error{Status: http.StatusGone, Message: fmt.Sprintf("the export's file is gone (files are kept for %d days); run the export again", int(ExportKeep.Hours()/24))}
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	hdr := w.Header()
	hdr.Set("Content-Type", xr.format.mediaType)
	hdr.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="logbook-audit-logs-job-%d.%s"`, id, xr.format.ext))
	hdr.Set("Cache-Control", "no-store")
	http.ServeContent(w, r, "", info.ModTime(), f)
	return nil, errAnswered
}

// byteSize writes n bytes for people.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
