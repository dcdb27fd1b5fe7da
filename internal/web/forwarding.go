package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/auth"
	"github.com/logbookhq/logbook/internal/forward"
	"github.com/logbookhq/logbook/internal/store"
)

// forwardingPages serves /admin/forwarding: the forwarding criteria with
// their status, and forms to add, edit, delete and replay them.
type forwardingPages struct {
	h   *Handler
	svc *forward.Service
}

// RegisterForwarding adds the forwarding admin pages on svc to mux.
func (h *Handler) RegisterForwarding(mux *http.ServeMux, svc *forward.Service) {
	p := &forwardingPages{h: h, svc: svc}
	need := func(fn http.HandlerFunc) http.HandlerFunc { return h.need(access.ManageForwarding, fn) }
	mux.HandleFunc("GET /admin/forwarding", need(p.show))
	mux.HandleFunc("POST /admin/forwarding", need(p.save))
	mux.HandleFunc("POST /admin/forwarding/{id}/delete", need(p.delete))
	mux.HandleFunc("POST /admin/forwarding/{id}/replay", need(p.replay))
}

type forwardingView struct {
	base
	Criteria []forward.View
	Edit     forward.View // the form: a criterion being edited (ID set) or a new one
	Error    string
	Fields   []auth.FieldError
	Done     string
}

func (p *forwardingPages) show(w http.ResponseWriter, r *http.Request) {
	v := forward.View{Port: forward.DefaultPort, Protocol: forward.ProtocolTCP, Format: forward.FormatCEF, Enabled: true}
	if id, err := strconv.ParseInt(r.URL.Query().Get("edit"), 10, 64); err == nil {
		got, err := p.svc.Get(r.Context(), scopeOf(r), id)
		if err != nil {
			p.h.fail(w, r, http.StatusNotFound, err)
			return
		}
		v = got
	}
	p.render(w, r, http.StatusOK, v, nil, r.URL.Query().Get("done"))
}

func (p *forwardingPages) render(w http.ResponseWriter, r *http.Request, status int, edit forward.View, err error, done string) {
	cs, lerr := p.svc.List(r.Context(), scopeOf(r))
	if lerr != nil {
		p.h.fail(w, r, http.StatusInternalServerError, lerr)
		return
	}
	v := forwardingView{base: base{Title: "Audit log forwarding", Nav: "forwarding"}, Criteria: cs, Edit: edit, Done: done}
	var inv *auth.InvalidError
	if errors.As(err, &inv) {
		v.Error, v.Fields = "Nothing was saved: "+inv.Error(), inv.Fields
	} else if err != nil {
		v.Error = err.Error()
	}
	p.h.render(w, r, status, "forwarding", "", &v)
}

// save creates a criterion, or replaces the one the form's id names.
func (p *forwardingPages) save(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4*forward.MaxPEMLen+64<<10)
	if r.ParseForm() != nil {
		p.render(w, r, http.StatusBadRequest, forward.View{}, errors.New("the form could not be read"), "")
		return
	}
	f := r.PostForm
	in := forward.Input{Name: strings.TrimSpace(f.Get("name")), Description: f.Get("description"), Host: strings.TrimSpace(f.Get("host")),
		Protocol: f.Get("protocol"), Format: f.Get("format"), Filter: f.Get("filter")}
	enabled := f.Get("enabled") == "on"
	in.Enabled = &enabled
	port, err := strconv.Atoi(strings.TrimSpace(f.Get("port")))
	if err != nil {
		port = -1 // named as a bad port by the service
	}
	in.Port = &port
	if in.Protocol == forward.ProtocolTLS {
		in.TLS = &forward.TLSView{CAPEM: f.Get("ca_pem"), ClientCertPEM: f.Get("client_cert_pem"), ClientKeyPEM: f.Get("client_key_pem"), ServerName: f.Get("server_name")}
	}
	req := auth.FromContext(r.Context())
	id, _ := strconv.ParseInt(f.Get("id"), 10, 64)
	if id > 0 {
		_, err = p.svc.Update(r.Context(), req.Actor(), req.Scope, id, in)
	} else {
		_, err = p.svc.Create(r.Context(), req.Actor(), req.Scope, in)
	}
	if errors.Is(err, store.ErrNotFound) {
		p.h.fail(w, r, http.StatusNotFound, err)
		return
	}
	if err != nil {
		var inv *auth.InvalidError
		if !errors.As(err, &inv) {
			p.h.fail(w, r, http.StatusInternalServerError, err)
			return
		}
		back := forward.View{ID: id, Name: in.Name, Description: in.Description, Host: in.Host, Port: port, Protocol: in.Protocol,
			Format: in.Format, Filter: in.Filter, Enabled: enabled}
		if in.TLS != nil {
			back.TLS = forward.TLSView{CAPEM: in.TLS.CAPEM, ClientCertPEM: in.TLS.ClientCertPEM, ServerName: in.TLS.ServerName}
		}
		p.render(w, r, http.StatusBadRequest, back, err, "")
		return
	}
	http.Redirect(w, r, "/admin/forwarding?done=saved", http.StatusSeeOther)
}

func (p *forwardingPages) delete(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		p.h.fail(w, r, http.StatusNotFound, err)
		return
	}
	req := auth.FromContext(r.Context())
	if err := p.svc.Delete(r.Context(), req.Actor(), req.Scope, id); errors.Is(err, store.ErrNotFound) {
		p.h.fail(w, r, http.StatusNotFound, err)
		return
	} else if err != nil {
		p.h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	http.Redirect(w, r, "/admin/forwarding?done=deleted", http.StatusSeeOther)
}

// replay moves a criterion's cursor to an entry id or to a time (UTC, or
// with an offset, as the form's datetime-local field sends it with the
// browser's zone added by the page script).
func (p *forwardingPages) replay(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || !parseForm(w, r) {
		p.h.fail(w, r, http.StatusNotFound, err)
		return
	}
	var rp forward.Replay
	if s := strings.TrimSpace(r.PostFormValue("from_id")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			n = 0
		}
		rp.FromID = &n
	}
	if s := strings.TrimSpace(r.PostFormValue("from_time")); s != "" {
		t, err := parseFormTime(s)
		if err != nil {
			p.render(w, r, http.StatusBadRequest, forward.View{Port: forward.DefaultPort, Enabled: true}, &auth.InvalidError{Fields: []auth.FieldError{{Field: "from_time", Reason: "must be a time such as 2026-11-25T10:00 (UTC)"}}}, "")
			return
		}
		rp.FromTime = &t
	}
	req := auth.FromContext(r.Context())
	_, err = p.svc.Replay(r.Context(), req.Actor(), req.Scope, id, rp)
	if errors.Is(err, store.ErrNotFound) {
		p.h.fail(w, r, http.StatusNotFound, err)
		return
	}
	if err != nil {
		var inv *auth.InvalidError
		if !errors.As(err, &inv) {
			p.h.fail(w, r, http.StatusInternalServerError, err)
			return
		}
		p.render(w, r, http.StatusBadRequest, forward.View{Port: forward.DefaultPort, Enabled: true}, err, "")
		return
	}
	http.Redirect(w, r, "/admin/forwarding?done=replayed", http.StatusSeeOther)
}

func parseFormTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("bad time")
}
