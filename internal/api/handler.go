package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
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
	store  store.Store
	writer Submitter
	log    *slog.Logger
	now    func() time.Time
}

// New returns the API handler. now is the clock for default timestamps.
func New(st store.Store, writer Submitter, log *slog.Logger, now func() time.Time) *Handler {
	if now == nil {
		now = time.Now
	}
	return &Handler{store: st, writer: writer, log: log, now: now}
}

// Register adds the API routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/audit-logs", h.wrap(h.ingestAuditLogs))
	mux.HandleFunc("GET /api/v1/audit-logs", h.wrap(h.listAuditLogs))
	mux.HandleFunc("GET /api/v1/audit-logs/{id}", h.wrap(h.getAuditLog))
	mux.HandleFunc("/api/", h.wrap(func(http.ResponseWriter, *http.Request) (any, error) {
		return nil, &Error{Status: http.StatusNotFound, Message: "no such API endpoint"}
	}))
}

// scopeOf is the set of domains the caller may see. Until access control
// lands every caller sees every domain; all reads already go through it.
func scopeOf(*http.Request) store.Scope { return store.AllDomains }

// sourceOf names who reported an entry.
func sourceOf(*http.Request) string { return "api" }
