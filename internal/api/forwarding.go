package api

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/forward"
)

// Forwarding serves /api/v1/forwarding-criteria: the criteria that send
// audit log entries to syslog receivers, and their replay.
type Forwarding struct {
	h   *Handler
	svc *forward.Service
}

// NewForwarding returns the forwarding API on svc.
func NewForwarding(svc *forward.Service, log *slog.Logger) *Forwarding {
	return &Forwarding{h: &Handler{log: log}, svc: svc}
}

// Register adds the forwarding routes to mux; each needs the Audit Log
// Administrator role (or a Super Administrator, or an admin token).
func (f *Forwarding) Register(mux *http.ServeMux) {
	need := func(fn handlerFunc) http.HandlerFunc { return f.h.need(access.ManageForwarding, fn) }
	mux.HandleFunc("POST /api/v1/forwarding-criteria", need(f.create))
	mux.HandleFunc("GET /api/v1/forwarding-criteria", need(f.list))
	mux.HandleFunc("GET /api/v1/forwarding-criteria/{id}", need(f.get))
	mux.HandleFunc("PUT /api/v1/forwarding-criteria/{id}", need(f.update))
	mux.HandleFunc("DELETE /api/v1/forwarding-criteria/{id}", need(f.delete))
	mux.HandleFunc("POST /api/v1/forwarding-criteria/{id}/replay", need(f.replay))
}

func criterionID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest("id", "must be a positive integer")
	}
	return id, nil
}

func (f *Forwarding) create(w http.ResponseWriter, r *http.Request) (any, error) {
	var in forward.Input
	if err := decodeBody(w, r, &in); err != nil {
		return nil, err
	}
	req := accounts.FromContext(r.Context())
	v, err := f.svc.Create(r.Context(), req.Actor(), req.Scope, in)
	if err != nil {
		return nil, accountError(err)
	}
	return created{v}, nil
}

func (f *Forwarding) list(w http.ResponseWriter, r *http.Request) (any, error) {
	vs, err := f.svc.List(r.Context(), scopeOf(r))
	return map[string]any{"forwarding_criteria": vs}, err
}

func (f *Forwarding) get(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := criterionID(r)
	if err != nil {
		return nil, err
	}
	return f.svc.Get(r.Context(), scopeOf(r), id)
}

func (f *Forwarding) update(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := criterionID(r)
	if err != nil {
		return nil, err
	}
	var in forward.Input
	if err := decodeBody(w, r, &in); err != nil {
		return nil, err
	}
	req := accounts.FromContext(r.Context())
	v, err := f.svc.Update(r.Context(), req.Actor(), req.Scope, id, in)
	if err != nil {
		return nil, accountError(err)
	}
	return v, nil
}

func (f *Forwarding) delete(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := criterionID(r)
	if err != nil {
		return nil, err
	}
	req := accounts.FromContext(r.Context())
	if err := f.svc.Delete(r.Context(), req.Actor(), req.Scope, id); err != nil {
		return nil, err
	}
	return map[string]any{"deleted": id}, nil
}

func (f *Forwarding) replay(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := criterionID(r)
	if err != nil {
		return nil, err
	}
	var in forward.Replay
	if err := decodeBody(w, r, &in); err != nil {
		return nil, err
	}
	req := accounts.FromContext(r.Context())
	v, err := f.svc.Replay(r.Context(), req.Actor(), req.Scope, id, in)
	if err != nil {
		return nil, accountError(err)
	}
	return v, nil
}
