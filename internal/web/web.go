// Package web serves Logbook's user interface: server-rendered pages from
// html/template (every value escaped), embedded static files under content
// hash names, and a small script that only enhances pages that work
// without it (local times, the detail dialog, live counts, keyboard keys).
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/live"
	"github.com/logbookhq/logbook/internal/store"
)

//go:embed templates
var templateFS embed.FS

// pages are the templates rendered inside the layout.
var pages = []string{"auditlogs", "detail", "job", "error"}

// Handler serves the UI.
type Handler struct {
	store  store.Store
	hub    *live.Hub
	log    *slog.Logger
	now    func() time.Time
	assets *assets
	tmpl   map[string]*template.Template
}

// New parses every template once, so that a broken template stops the
// server at start rather than on the first visit.
func New(st store.Store, hub *live.Hub, log *slog.Logger, now func() time.Time) (*Handler, error) {
	if now == nil {
		now = time.Now
	}
	a, err := loadAssets()
	if err != nil {
		return nil, fmt.Errorf("error loading static files: %w", err)
	}
	h := &Handler{store: st, hub: hub, log: log, now: now, assets: a, tmpl: map[string]*template.Template{}}
	funcs := template.FuncMap{"asset": a.url}
	for _, p := range pages {
		t, err := template.New(p).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html")
		if err != nil {
			return nil, fmt.Errorf("error parsing template %s: %w", p, err)
		}
		h.tmpl[p] = t
	}
	return h, nil
}

// Register adds the UI routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/audit-logs", http.StatusFound)
	})
	mux.HandleFunc("GET /audit-logs", h.showAuditLogs)
	mux.HandleFunc("GET /audit-logs/live", h.streamNewCount)
	mux.HandleFunc("GET /audit-logs/{id}", h.showAuditLog)
	mux.HandleFunc("GET /jobs/{id}", h.showJob)
	mux.HandleFunc("GET /static/{name}", h.assets.serve)
}

// scopeOf is the set of domains the viewer may see; every viewer sees
// every domain until access control lands.
func scopeOf(*http.Request) store.Scope { return store.AllDomains }

// render writes page p inside the layout, or only the named block.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, p, block string, data any) {
	var buf bytes.Buffer
	if block == "" {
		block = "layout"
	}
	if err := h.tmpl[p].ExecuteTemplate(&buf, block, data); err != nil {
		h.log.Error("error rendering page", "page", p, "error", err)
		http.Error(w, "The page could not be shown; the server log has the details.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type errorView struct {
	Title, Nav, Heading, Message string
}

// fail shows a readable error page; internal details go to the log only.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	v := errorView{Title: "Error", Nav: "audit-logs"}
	switch status {
	case http.StatusNotFound:
		v.Heading, v.Message = "Not found", "There is no such page or audit log entry, or it is not visible to you."
	case http.StatusBadRequest:
		v.Heading, v.Message = "Bad request", err.Error()
	default:
		h.log.Error("page failed", "path", r.URL.Path, "error", err)
		v.Heading, v.Message = "Something went wrong", "The server could not answer. Try again; if it keeps failing, the server log has the details."
	}
	h.render(w, r, status, "error", "", v)
}

// backURL returns the grid URL a page returns to: the back parameter when
// it names a page of this site, else the grid.
func backURL(r *http.Request) string {
	b := r.URL.Query().Get("back")
	if strings.HasPrefix(b, "/audit-logs") && !strings.HasPrefix(b, "//") && !strings.ContainsAny(b, "\\\r\n") {
		return b
	}
	return "/audit-logs"
}

// withBack adds the back parameter to a link.
func withBack(path, back string) string {
	return path + "?back=" + url.QueryEscape(back)
}

// entryTimes holds how a time is shown: ISO for scripts, UTC for people
// without scripts and for the hover title.
func isoTime(t time.Time) string { return audit.FormatTime(t) }
func utcTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

func resultClass(r audit.Result) string {
	switch r {
	case audit.ResultSuccess:
		return "success"
	case audit.ResultFailure:
		return "failure"
	case audit.ResultJobScheduled:
		return "scheduled"
	case audit.ResultRecurringJobScheduled:
		return "recurring"
	}
	return "other"
}
