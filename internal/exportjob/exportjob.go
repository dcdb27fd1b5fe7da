// Package exportjob is Logbook's export job: an export that runs in the
// background through the audit log read service, writes its file into a
// directory, shows in the job list, and is downloaded by the user who
// asked for it once the job is done. The job keeps the parsed export
// (query.Export in its JSON form) and the requester's scope, so that it
// exports what was asked, within what that user could see, whenever it
// runs.
package exportjob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/auditlog"
	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/query"
	"github.com/logbookhq/logbook/internal/store"
)

// Kind is the handler name of export jobs.
const Kind = "export"

// Keep is how long finished export files are kept.
const Keep = 7 * 24 * time.Hour

// Errors a caller maps to answers.
var (
	// ErrGone is a download of a file that was removed after Keep.
	ErrGone = fmt.Errorf("the export's file is gone (files are kept for %d days); run the export again", int(Keep.Hours()/24))
)

// NotReadyError is a download of an export whose job has not succeeded.
type NotReadyError struct{ State string }

func (e *NotReadyError) Error() string {
	return "the export is " + e.State + "; its file is ready when the job has succeeded"
}

// Options configure the service.
type Options struct {
	// Dir is where the files go. Replicas sharing a PostgreSQL database
	// need it on shared storage for any of them to serve a download.
	Dir string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Log receives what the service does not return.
	Log *slog.Logger
}

// Service schedules, runs and serves export jobs.
type Service struct {
	logs *auditlog.Service
	jobs *job.Service
	opts Options
}

// New returns the export jobs on the read service logs.
func New(logs *auditlog.Service, jobs *job.Service, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Service{logs: logs, jobs: jobs, opts: opts}
}

// params are the parameters of an export job: the parsed export, and who
// asked with what they could see when they asked. Jobs scheduled before
// the parsed form was kept hold the export's query string in Query
// instead; they run as they always did, parsed when they run.
type params struct {
	Export *query.Export `json:"export,omitempty"`
	Query  string        `json:"query,omitempty"`
	Scope  store.Scope   `json:"scope"`
	User   string        `json:"user"`
	IP     string        `json:"ip"`
}

// readParams reads a job's parameters, in either form, and returns the
// export with the query text its audit record names.
func readParams(raw json.RawMessage, now time.Time) (params, query.Export, string, error) {
	var p params
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, query.Export{}, "", fmt.Errorf("the job's parameters do not parse: %w", err)
	}
	if p.Export != nil {
		return p, *p.Export, p.Export.Values().Encode(), nil
	}
	v, err := url.ParseQuery(p.Query)
	if err != nil {
		return p, query.Export{}, "", fmt.Errorf("the job's query does not parse: %w", err)
	}
	x, err := query.ParseExport(v, now)
	return p, x, p.Query, err
}

// Schedule creates an export job for x by req. text is the query string
// it was asked with, which the job's summary shows.
func (s *Service) Schedule(ctx context.Context, req accounts.Request, tree *access.Tree, x query.Export, text string) (store.Job, error) {
	b, err := json.Marshal(params{Export: &x, Scope: req.Scope, User: req.Subject.Name, IP: req.IP})
	if err != nil {
		return store.Job{}, err
	}
	filters := text
	if filters == "" {
		filters = "(none)"
	}
	return s.jobs.CreateLogbookJob(ctx, req, tree, job.NewJob{
		Name: "Export Audit Logs", JobType: "Export", Handler: Kind, Params: b,
		Summary: auditlog.Truncate(fmt.Sprintf("%s export of %s", x.Format.Label(), filters), job.MaxSummaryLen)})
}

// URL is where the file of export job id is downloaded.
func URL(id int64) string { return "/api/v1/jobs/" + strconv.FormatInt(id, 10) + "/download" }

// DownloadURL is where the file of a finished export job is downloaded,
// or "" when j is no export job that succeeded.
func DownloadURL(j store.Job) string {
	if j.Handler != Kind || j.State != store.JobSuccess {
		return ""
	}
	return URL(j.ID)
}

// path is the file of job id in format f.
func (s *Service) path(id int64, f query.Format) string {
	return filepath.Join(s.opts.Dir, fmt.Sprintf("logbook-export-%d.%s", id, f.Ext()))
}

// File is the file of a finished export job, open for reading.
type File struct {
	*os.File
	Format  query.Format
	ModTime time.Time
}

// Open opens the file of export job id for the user who asked for it, and
// for nobody else: it holds what that user could see. Another user's job,
// or no export job, is store.ErrNotFound.
func (s *Service) Open(ctx context.Context, req accounts.Request, id int64) (*File, error) {
	j, err := s.jobs.Get(ctx, req, id)
	if err != nil {
		return nil, err
	}
	if j.Handler != Kind || j.Owner != req.Subject.Name {
		return nil, store.ErrNotFound
	}
	if j.State != store.JobSuccess {
		return nil, &NotReadyError{State: j.State}
	}
	_, x, _, err := readParams(j.Params, s.opts.Now())
	if err != nil {
		return nil, err
	}
	f, err := os.Open(s.path(id, x.Format))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrGone
	}
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &File{File: f, Format: x.Format, ModTime: info.ModTime()}, nil
}
