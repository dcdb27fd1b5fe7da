package api

import (
	"net/http"

	"github.com/logbookhq/logbook/internal/query"
)

// auditLogStats answers counts grouped by a column, or per interval.
func (h *Handler) auditLogStats(w http.ResponseWriter, r *http.Request) (any, error) {
	s, err := query.ParseStats(r.URL.Query(), h.now())
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if s.By != "" {
		groups, err := h.logs.Stats(r.Context(), scopeOf(r), s.Filter, s.By, s.Top)
		if err != nil {
			return nil, err
		}
		out["group_by"], out["groups"] = s.By, groups
	}
	if s.Interval > 0 {
		buckets, err := h.logs.Histogram(r.Context(), scopeOf(r), s.Filter, s.Interval)
		if err != nil {
			return nil, err
		}
		out["interval"], out["buckets"] = r.URL.Query().Get("interval"), buckets
	}
	return out, nil
}
