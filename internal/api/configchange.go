package api

import (
	"net/http"
	"strconv"

	"github.com/logbookhq/logbook/internal/configdiff"
)

// diffContext is the unchanged lines around each change in a unified diff.
const diffContext = 3

type diffStats struct {
	Added   int `json:"added"`
	Removed int `json:"removed"`
}

type configChangeJSON struct {
	Device             string    `json:"device"`
	Format             string    `json:"format"`
	Before             string    `json:"before"`
	After              string    `json:"after"`
	Unified            string    `json:"unified"`
	Stats              diffStats `json:"stats"`
	Binary             bool      `json:"binary,omitempty"`
	LineEndingsChanged bool      `json:"line_endings_changed,omitempty"`
}

// getConfigChange answers an entry's configuration changes with their
// unified diffs and counts of added and removed lines.
func (h *Handler) getConfigChange(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, badRequest("id", "must be a positive integer")
	}
	cs, err := h.logs.ConfigChanges(r.Context(), scopeOf(r), id)
	if err != nil {
		return nil, err
	}
	out := struct {
		AuditLogID int64              `json:"audit_log_id"`
		Changes    []configChangeJSON `json:"changes"`
	}{AuditLogID: id}
	for _, c := range cs {
		d := configdiff.Compute(c.Before, c.After, diffContext)
		out.Changes = append(out.Changes, configChangeJSON{Device: c.Device, Format: c.Format, Before: c.Before, After: c.After,
			Unified: configdiff.Unified(c.Before, c.After, "a/"+c.Device, "b/"+c.Device, diffContext),
			Stats:   diffStats{Added: d.Stats.Added, Removed: d.Stats.Removed}, Binary: d.Binary, LineEndingsChanged: d.LineEndingsChanged})
	}
	return out, nil
}
