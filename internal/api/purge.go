package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/archive"
	"github.com/logbookhq/logbook/internal/query"
	"github.com/logbookhq/logbook/internal/settings"
	"github.com/logbookhq/logbook/internal/store"
)

// Lifecycle serves archive/purge and the audit log settings.
type Lifecycle struct {
	h        *Handler
	settings *settings.Service
	archive  *archive.Service
}

// NewLifecycle returns the archive/purge and settings API on top of h.
func NewLifecycle(h *Handler, s *settings.Service, a *archive.Service) *Lifecycle {
	return &Lifecycle{h: h, settings: s, archive: a}
}

// Register adds the routes to mux.
func (l *Lifecycle) Register(mux *http.ServeMux) {
	purge := "archive/purge needs the Audit Log Administrator role"
	mux.HandleFunc("POST /api/v1/archive-purge", l.h.needFunc(can(access.PurgeAuditLogs), purge, l.archivePurge))
	mux.HandleFunc("GET /api/v1/archive-purge", l.h.needFunc(can(access.PurgeAuditLogs), purge, l.listPurges))
	set := "the audit log settings need the Audit Log Administrator role"
	mux.HandleFunc("GET /api/v1/settings/audit-log", l.h.needFunc(can(access.ManageAuditSettings), set, l.getSettings))
	mux.HandleFunc("PUT /api/v1/settings/audit-log", l.h.needFunc(can(access.ManageAuditSettings), set, l.putSettings))
}

func can(a access.Action) func(access.Subject) bool {
	return func(s access.Subject) bool { return s.Can(a) }
}

type jobAccepted struct {
	JobID int64 `json:"job_id"`
}

// archivePurge schedules an archive/purge job: 202 with its id, 400
// naming every bad field, 403 for a domain outside the caller's.
func (l *Lifecycle) archivePurge(w http.ResponseWriter, r *http.Request) (any, error) {
	var in archive.Request
	if err := decodeBody(w, r, &in); err != nil {
		return nil, err
	}
	j, err := l.archive.Schedule(r.Context(), accounts.FromContext(r.Context()), l.h.auth.Tree(), in)
	if errors.Is(err, archive.ErrForbidden) {
		return nil, &Error{Status: http.StatusForbidden, Message: err.Error()}
	}
	if err != nil {
		return nil, jobError(err)
	}
	return accepted{jobAccepted{JobID: j.ID}}, nil
}

type purgeList struct {
	Purges []store.Anchor `json:"purges"`
}

// listPurges answers the anchors of past purges, newest first.
func (l *Lifecycle) listPurges(w http.ResponseWriter, r *http.Request) (any, error) {
	limit := 100
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > query.MaxLimit {
			return nil, badRequest("limit", "must be an integer from 1 to 1000")
		}
		limit = n
	}
	as, err := l.archive.Anchors(r.Context(), accounts.FromContext(r.Context()), limit)
	if err != nil {
		return nil, err
	}
	return purgeList{Purges: as}, nil
}
