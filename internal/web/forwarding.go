package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/forward"
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
	need := func(fn handlerFunc) http.HandlerFunc { return h.need(access.ManageForwarding, h.serve(fn)) }
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
	Fields   []accounts.FieldError
	Done     string
}

// newCriterion is the form of a criterion not yet saved.
var newCriterion = forward.View{Port: forward.DefaultPort, Protocol: forward.ProtocolTCP, Format: forward.FormatCEF, Enabled: true}

func (p *forwardingPages) show(w http.ResponseWriter, r *http.Request) (answer, error) {
	v := newCriterion
	if id, err := strconv.ParseInt(r.URL.Query().Get("edit"), 10, 64); err == nil {
		if v, err = p.svc.Get(r.Context(), scopeOf(r), id); err != nil {
			return nil, notFound
		}
	}
	return p.page(r, editForm{view: v}, r.URL.Query().Get("done"))
}

// editForm is the form of the page: a criterion and why it was not saved.
type editForm struct {
	view forward.View
	err  error
}

// refusedForm shows v again with err, a refusal of the form's input;
// anything but refused input is the error page's.
func refusedForm(v forward.View, err error) (editForm, bool) {
	var inv *accounts.InvalidError
	return editForm{view: v, err: err}, errors.As(err, &inv)
}

func (p *forwardingPages) page(r *http.Request, f editForm, done string) (answer, error) {
	cs, err := p.svc.List(r.Context(), scopeOf(r))
	if err != nil {
		return nil, err
	}
	v := forwardingView{base: base{Title: "Audit log forwarding", Nav: "forwarding"}, Criteria: cs, Edit: f.view, Done: done}
	var inv *accounts.InvalidError
	if errors.As(f.err, &inv) {
		v.Error, v.Fields = "Nothing was saved: "+inv.Error(), inv.Fields
	} else if f.err != nil {
		v.Error = f.err.Error()
	}
	if f.err != nil {
		return show("forwarding", &v).withStatus(http.StatusBadRequest), nil
	}
	return show("forwarding", &v), nil
}

// save creates a criterion, or replaces the one the form's id names.
func (p *forwardingPages) save(w http.ResponseWriter, r *http.Request) (answer, error) {
	r.Body = http.MaxBytesReader(w, r.Body, 4*forward.MaxPEMLen+64<<10)
	if r.ParseForm() != nil {
		return p.page(r, editForm{err: errors.New("the form could not be read")}, "")
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
	req := accounts.FromContext(r.Context())
	id, _ := strconv.ParseInt(f.Get("id"), 10, 64)
	if id > 0 {
		_, err = p.svc.Update(r.Context(), req.Actor(), req.Scope, id, in)
	} else {
		_, err = p.svc.Create(r.Context(), req.Actor(), req.Scope, in)
	}
	if err != nil {
		// The form again, as sent, without the private key.
		back := forward.View{ID: id, Name: in.Name, Description: in.Description, Host: in.Host, Port: port, Protocol: in.Protocol,
			Format: in.Format, Filter: in.Filter, Enabled: enabled}
		if in.TLS != nil {
			back.TLS = forward.TLSView{CAPEM: in.TLS.CAPEM, ClientCertPEM: in.TLS.ClientCertPEM, ServerName: in.TLS.ServerName}
		}
		if form, ok := refusedForm(back, err); ok {
			return p.page(r, form, "")
		}
		return nil, err
	}
	return seeOther("/admin/forwarding?done=saved"), nil
}

func (p *forwardingPages) delete(w http.ResponseWriter, r *http.Request) (answer, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, notFound
	}
	req := accounts.FromContext(r.Context())
	if err := p.svc.Delete(r.Context(), req.Actor(), req.Scope, id); err != nil {
		return nil, err
	}
	return seeOther("/admin/forwarding?done=deleted"), nil
}

// replay moves a criterion's cursor to an entry id or to a time (UTC, or
// with an offset, as the form's datetime-local field sends it with the
// browser's zone added by the page script).
func (p *forwardingPages) replay(w http.ResponseWriter, r *http.Request) (answer, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || !parseForm(w, r) {
		return nil, notFound
	}
	blank := forward.View{Port: forward.DefaultPort, Enabled: true}
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
			form, _ := refusedForm(blank, &accounts.InvalidError{Fields: []accounts.FieldError{{Field: "from_time", Reason: "must be a time such as 2026-11-25T10:00 (UTC)"}}})
			return p.page(r, form, "")
		}
		rp.FromTime = &t
	}
	req := accounts.FromContext(r.Context())
	if _, err = p.svc.Replay(r.Context(), req.Actor(), req.Scope, id, rp); err != nil {
		if form, ok := refusedForm(blank, err); ok {
			return p.page(r, form, "")
		}
		return nil, err
	}
	return seeOther("/admin/forwarding?done=replayed"), nil
}

func parseFormTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("bad time")
}
