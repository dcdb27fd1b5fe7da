package api

import (
	"net/http"
	"strconv"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/auditlog"
	"github.com/logbookhq/logbook/internal/query"
)

// CountCap is where totals stop being exact (auditlog.CountCap).
const CountCap = auditlog.CountCap

type listResponse struct {
	AuditLogs   []audit.Entry `json:"audit_logs"`
	NextCursor  string        `json:"next_cursor,omitempty"`
	PrevCursor  string        `json:"prev_cursor,omitempty"`
	Total       int           `json:"total"`
	TotalCapped bool          `json:"total_capped"`
	// TotalEstimate estimates the total when it is capped.
	TotalEstimate int64 `json:"total_estimate,omitempty"`
}

func (h *Handler) listAuditLogs(w http.ResponseWriter, r *http.Request) (any, error) {
	q, err := query.Parse(r.URL.Query(), h.now())
	if err != nil {
		return nil, err
	}
	l, err := h.logs.List(r.Context(), scopeOf(r), q)
	if err != nil {
		return nil, err
	}
	resp := listResponse{AuditLogs: l.Entries, Total: l.Total.N, TotalCapped: l.Total.Capped, TotalEstimate: l.Total.Estimate}
	if resp.AuditLogs == nil {
		resp.AuditLogs = []audit.Entry{}
	}
	if l.Next != nil {
		resp.NextCursor = l.Next.Encode()
	}
	if l.Prev != nil {
		resp.PrevCursor = l.Prev.Encode()
	}
	return resp, nil
}

func (h *Handler) getAuditLog(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, badRequest("id", "must be a positive integer")
	}
	return h.logs.Get(r.Context(), scopeOf(r), id)
}
