// Package web serves Logbook's user interface: server-rendered pages from
// html/template (every value escaped), embedded static files under content
// hash names, and a small script that only enhances pages that work
// without it (local times, the detail dialog, live counts, keyboard keys).
package web

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/auditlog"
	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/live"
	"github.com/logbookhq/logbook/internal/store"
)

//go:embed templates
var templateFS embed.FS

// pages are the templates rendered inside the layout.
var pages = []string{"auditlogs", "statistics", "detail", "configchange", "job", "jobs", "object", "error", "login", "account", "users", "domains", "tokens",
	"archivepurge", "settings", "forwarding", "integrity"}

// Handler serves the UI. It reads audit log entries through the read
// service and jobs through the job service, never from the store.
type Handler struct {
	logs   *auditlog.Service
	auth   *accounts.Service
	jobs   *job.Service
	hub    *live.Hub
	log    *slog.Logger
	now    func() time.Time
	assets *assets
	tmpl   map[string]*template.Template

	suggestMu sync.Mutex
	suggest   map[string]suggestionSet

	// The verifiable log's state (RegisterIntegrity); nil until then.
	logStatus func(context.Context) (LogStatus, error)
	refusing  func() int
}

// New parses every template once, so that a broken template stops the
// server at start rather than on the first visit.
func New(logs *auditlog.Service, a *accounts.Service, jobs *job.Service, hub *live.Hub, log *slog.Logger, now func() time.Time) (*Handler, error) {
	if now == nil {
		now = time.Now
	}
	as, err := loadAssets()
	if err != nil {
		return nil, fmt.Errorf("error loading static files: %w", err)
	}
	h := &Handler{logs: logs, auth: a, jobs: jobs, hub: hub, log: log, now: now, assets: as, tmpl: map[string]*template.Template{}, suggest: map[string]suggestionSet{}}
	funcs := template.FuncMap{"list": func(v ...string) []string { return v }, "asset": as.url, "pathEscape": url.PathEscape, "isoTime": isoTime, "barWidth": barWidth}
	for _, p := range pages {
		t, err := template.New(p).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html")
		if err != nil {
			return nil, fmt.Errorf("error parsing template %s: %w", p, err)
		}
		h.tmpl[p] = t
	}
	return h, nil
}

// Register adds the UI routes to mux. Every page but the login page and
// static files needs a signed-in user, and names the action it needs;
// every page handler returns its view or an error through serve.
func (h *Handler) Register(mux *http.ServeMux) {
	signedIn := func(fn handlerFunc) http.HandlerFunc { return h.signedIn(h.serve(fn)) }
	need := func(a access.Action, fn handlerFunc) http.HandlerFunc { return h.need(a, h.serve(fn)) }
	mux.HandleFunc("GET /{$}", signedIn(h.home))
	mux.HandleFunc("GET /login", h.serve(h.showLogin))
	mux.HandleFunc("POST /login", h.serve(h.login))
	mux.HandleFunc("POST /logout", h.serve(h.logout))
	mux.HandleFunc("GET /account", signedIn(h.showAccount))
	mux.HandleFunc("POST /account/password", signedIn(h.changePassword))
	mux.HandleFunc("GET /statistics", need(access.ViewAuditLogs, h.showStatistics))
	mux.HandleFunc("GET /audit-logs", need(access.ViewAuditLogs, h.showAuditLogs))
	mux.HandleFunc("GET /audit-logs/live", h.need(access.ViewAuditLogs, h.streamNewCount))
	mux.HandleFunc("POST /audit-logs/saved", need(access.ViewAuditLogs, h.saveSearch))
	mux.HandleFunc("POST /audit-logs/saved/delete", need(access.ViewAuditLogs, h.deleteSearch))
	mux.HandleFunc("GET /audit-logs/{id}", need(access.ViewAuditLogs, h.showAuditLog))
	mux.HandleFunc("GET /audit-logs/{id}/config-change", need(access.ViewAuditLogs, h.showConfigChange))
	mux.HandleFunc("GET /audit-logs/{id}/config-change/{n}/{what}", need(access.ViewAuditLogs, h.downloadConfig))
	mux.HandleFunc("GET /objects/{type}/{name}", need(access.ViewAuditLogs, h.showObject))
	mux.HandleFunc("GET /jobs", signedIn(h.showJobs))
	mux.HandleFunc("GET /jobs/{id}", signedIn(h.showJob))
	mux.HandleFunc("POST /jobs/{id}/{action}", signedIn(h.jobAction))
	mux.HandleFunc("GET /admin/users", need(access.ManageUsers, h.showUsers))
	mux.HandleFunc("POST /admin/users", need(access.ManageUsers, h.addUser))
	mux.HandleFunc("POST /admin/users/{name}/lock", need(access.ManageUsers, h.lockUser))
	mux.HandleFunc("POST /admin/users/{name}/unlock", need(access.ManageUsers, h.unlockUser))
	mux.HandleFunc("GET /admin/domains", need(access.ManageDomains, h.showDomains))
	mux.HandleFunc("POST /admin/domains", need(access.ManageDomains, h.addDomain))
	mux.HandleFunc("GET /admin/tokens", need(access.ManageTokens, h.showTokens))
	mux.HandleFunc("POST /admin/tokens", need(access.ManageTokens, h.addToken))
	mux.HandleFunc("POST /admin/tokens/{id}/revoke", need(access.ManageTokens, h.revokeToken))
	mux.HandleFunc("GET /static/{name}", h.assets.serve)
}

// scopeOf is the set of domains the viewer may see.
func scopeOf(r *http.Request) store.Scope { return accounts.FromContext(r.Context()).Scope }

// base is what every page's view holds: its title, the navigation entry
// it belongs to, and who is looking.
type base struct {
	Title, Nav string
	Viewer     viewer
}

func (b *base) setViewer(v viewer) { b.Viewer = v }

// viewer is the signed-in person as the layout shows them.
type viewer struct {
	Name                string
	SignedIn            bool
	CanAudit, CanAdmin  bool
	CanUsers, CanTokens bool
	CanExport           bool
	CanPurge            bool // archive/purge page
	CanSettings         bool // audit log settings page
	CanForward          bool
	// LogAlert, for Super and Audit Log Administrators, says that
	// witnesses refuse the log; "" when none does.
	LogAlert string
	// CSRFToken is the anti-forgery token of the viewer's session, which
	// every form that posts carries (the "csrf" template of the layout);
	// "" when the viewer is not signed in with the session cookie.
	CSRFToken string
}

func viewerOf(r *http.Request) viewer {
	req := accounts.FromContext(r.Context())
	s := req.Subject
	return viewer{Name: s.Name, SignedIn: req.Authenticated() && s.Kind == access.KindUser,
		CanAudit: s.Can(access.ViewAuditLogs), CanUsers: s.Can(access.ManageUsers),
		CanTokens: s.Can(access.ManageTokens), CanExport: s.Can(access.ExportAuditLogs), CanAdmin: s.Can(access.ManageUsers) || s.Can(access.ManageDomains) || s.Can(access.ManageTokens),
		CanPurge: s.Can(access.PurgeAuditLogs), CanSettings: s.Can(access.ManageAuditSettings), CanForward: s.Can(access.ManageForwarding),
		CSRFToken: req.CSRFToken()}
}

// render writes page p inside the layout, or only the named block.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, p, block string, data any) {
	if v, ok := data.(interface{ setViewer(viewer) }); ok {
		vw := viewerOf(r)
		if vw.CanPurge && h.refusing != nil {
			if n := h.refusing(); n > 0 {
				vw.LogAlert = "A witness refuses this log's checkpoints: the database may have been rolled back or rewritten."
			}
		}
		v.setViewer(vw)
	}
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

// backURL returns the grid URL a page returns to: the back parameter when
// it names a page of this site, else the grid.
func backURL(r *http.Request) string {
	b := r.URL.Query().Get("back")
	if (strings.HasPrefix(b, "/audit-logs") || strings.HasPrefix(b, "/jobs")) && safeNext(b) == b {
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
