package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/auditlog"
)

// RegisterIntegrity adds the proofs of the verifiable log to mux: the
// inclusion proof of an entry, for those who may see the entry, and
// consistency proofs between tree sizes.
func (h *Handler) RegisterIntegrity(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/audit-logs/{id}/proof", h.need(access.ViewAuditLogs, h.getProof))
	mux.HandleFunc("GET /api/v1/integrity/consistency", h.needFunc(func(s access.Subject) bool { return s.Can(access.ReadLog) },
		"consistency proofs need an API token with the integrity or read scope, or the Audit Log Administrator role", h.getConsistency))
}

func (h *Handler) getProof(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, badRequest("id", "must be a positive integer")
	}
	p, err := h.logs.Proof(r.Context(), scopeOf(r), id)
	return p, notSigned(w, err)
}

func (h *Handler) getConsistency(w http.ResponseWriter, r *http.Request) (any, error) {
	from, err := strconv.ParseInt(r.URL.Query().Get("from"), 10, 64)
	if err != nil || from < 1 {
		return nil, badRequest("from", "must be a tree size of at least 1")
	}
	to, err := strconv.ParseInt(r.URL.Query().Get("to"), 10, 64)
	if err != nil || to < from {
		return nil, badRequest("to", "must be a tree size of at least from")
	}
	c, err := h.logs.Consistency(r.Context(), from, to)
	return c, notSigned(w, err)
}

// notSigned answers 409 with Retry-After for what no checkpoint covers
// yet.
func notSigned(w http.ResponseWriter, err error) error {
	if errors.Is(err, auditlog.ErrNotSigned) {
		w.Header().Set("Retry-After", "1")
		return &Error{Status: http.StatusConflict, Message: err.Error() + "; a checkpoint is signed within a second or so"}
	}
	return err
}
