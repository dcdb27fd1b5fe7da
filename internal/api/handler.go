package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/auditlog"
	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/store"
)

// MaxBodyBytes bounds an ingest request body: 1,000 entries of typical size
// fit many times over, one entry at every field limit does too.
const MaxBodyBytes = 16 << 20

// MaxBatch is the most entries one ingest request may carry.
const MaxBatch = 1000

// Submitter stores validated entries durably; the ingest writer is one.
type Submitter interface {
	Submit(ctx context.Context, entries []audit.Entry) ([]int64, error)
}

// Handler serves /api/v1.
type Handler struct {
	// logs reads audit log entries; jobs also says which job ids exist
	// when ingested entries name jobs.
	logs   *auditlog.Service
	writer Submitter
	auth   *accounts.Service
	jobs   *job.Service
	log    *slog.Logger
	now    func() time.Time
}

// New returns the API handler: audit log reads through logs, ingest
// through writer (checking job ids with jobs). now is the clock for
// default timestamps and relative searches.
func New(logs *auditlog.Service, writer Submitter, a *accounts.Service, jobs *job.Service, log *slog.Logger, now func() time.Time) *Handler {
	if now == nil {
		now = time.Now
	}
	return &Handler{logs: logs, writer: writer, auth: a, jobs: jobs, log: log, now: now}
}

// Register adds the API routes to mux. Every route names the action it
// needs; need refuses anonymous callers (401) and callers without it (403).
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/audit-logs", h.need(access.IngestAuditLogs, h.ingestAuditLogs))
	mux.HandleFunc("GET /api/v1/audit-logs", h.need(access.ViewAuditLogs, h.listAuditLogs))
	mux.HandleFunc("GET /api/v1/audit-logs/stats", h.need(access.ViewAuditLogs, h.auditLogStats))
	mux.HandleFunc("GET /api/v1/audit-logs/export", h.needStream(access.ExportAuditLogs, h.exportAuditLogs))
	mux.HandleFunc("GET /api/v1/audit-logs/{id}", h.need(access.ViewAuditLogs, h.getAuditLog))
	mux.HandleFunc("GET /api/v1/audit-logs/{id}/config-change", h.need(access.ViewAuditLogs, h.getConfigChange))
	mux.HandleFunc("POST /api/v1/users", h.need(access.ManageUsers, h.createUser))
	mux.HandleFunc("GET /api/v1/users", h.need(access.ManageUsers, h.listUsers))
	mux.HandleFunc("PATCH /api/v1/users/{name}", h.need(access.ManageUsers, h.updateUser))
	mux.HandleFunc("POST /api/v1/users/{name}/unlock", h.need(access.ManageUsers, h.unlockUser))
	mux.HandleFunc("POST /api/v1/domains", h.need(access.ManageDomains, h.createDomain))
	mux.HandleFunc("GET /api/v1/domains", h.need(access.ManageDomains, h.listDomains))
	mux.HandleFunc("POST /api/v1/tokens", h.need(access.ManageTokens, h.createToken))
	mux.HandleFunc("GET /api/v1/tokens", h.need(access.ManageTokens, h.listTokens))
	mux.HandleFunc("DELETE /api/v1/tokens/{id}", h.need(access.ManageTokens, h.revokeToken))
	mux.HandleFunc("POST /api/v1/jobs", h.needFunc(job.CanRegister, "registering jobs needs an API token with the ingest scope or the Job Administrator role", h.createJob))
	mux.HandleFunc("GET /api/v1/jobs", h.needFunc(anyone, "", h.listJobs))
	mux.HandleFunc("GET /api/v1/jobs/{id}", h.needFunc(anyone, "", h.getJob))
	mux.HandleFunc("PATCH /api/v1/jobs/{id}", h.needFunc(anyone, "", h.patchJob))
	mux.HandleFunc("POST /api/v1/jobs/{id}/cancel", h.needFunc(anyone, "", h.cancelJob))
	mux.HandleFunc("POST /api/v1/jobs/{id}/reschedule", h.needFunc(anyone, "", h.rescheduleJob))
	mux.HandleFunc("POST /api/v1/jobs/{id}/retry", h.needFunc(anyone, "", h.retryJob))
	mux.HandleFunc("/api/", h.wrap(func(http.ResponseWriter, *http.Request) (any, error) {
		return nil, &Error{Status: http.StatusNotFound, Message: "no such API endpoint"}
	}))
}

// need wraps fn so that it runs only for callers allowed action.
func (h *Handler) need(action access.Action, fn handlerFunc) http.HandlerFunc {
	return h.needFunc(func(s access.Subject) bool { return s.Can(action) }, neededRole(action), fn)
}

// anyone lets every authenticated caller through; the handler decides
// (jobs: a plain user sees and changes only their own).
func anyone(access.Subject) bool { return true }

// needFunc wraps fn so that it runs only for authenticated callers that
// allowed accepts; why says what it takes.
func (h *Handler) needFunc(allowed func(access.Subject) bool, why string, fn handlerFunc) http.HandlerFunc {
	return h.wrap(func(w http.ResponseWriter, r *http.Request) (any, error) {
		req := accounts.FromContext(r.Context())
		if !req.Authenticated() {
			w.Header().Set("WWW-Authenticate", `Basic realm="Logbook", charset="UTF-8"`)
			return nil, &Error{Status: http.StatusUnauthorized, Message: "authentication required: a session, HTTP Basic or an API token"}
		}
		if !allowed(req.Subject) {
			return nil, &Error{Status: http.StatusForbidden, Message: "forbidden: " + why}
		}
		return fn(w, r)
	})
}

// neededRole says which role or token scope grants an action.
func neededRole(a access.Action) string {
	switch a {
	case access.IngestAuditLogs:
		return "recording audit logs needs an API token with the ingest scope"
	case access.ViewAuditLogs, access.ExportAuditLogs, access.PurgeAuditLogs, access.ManageForwarding:
		return "this needs the Audit Log Administrator role"
	case access.ViewAllJobs, access.ManageJobs:
		return "this needs the Job Administrator role"
	default:
		return "this needs the User Administrator role"
	}
}

// scopeOf is the set of domains the caller may see.
func scopeOf(r *http.Request) store.Scope { return accounts.FromContext(r.Context()).Scope }

// sourceOf names who reported an entry.
func sourceOf(r *http.Request) string { return accounts.FromContext(r.Context()).Subject.Source() }
