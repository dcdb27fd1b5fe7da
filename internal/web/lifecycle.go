package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/archive"
	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/settings"
	"github.com/logbookhq/logbook/internal/store"
)

// lifecycle serves /admin/archive-purge and /admin/settings.
type lifecycle struct {
	h        *Handler
	settings *settings.Service
	archive  *archive.Service
}

// RegisterLifecycle adds the archive/purge and settings pages to mux.
func (h *Handler) RegisterLifecycle(mux *http.ServeMux, s *settings.Service, a *archive.Service) {
	l := &lifecycle{h: h, settings: s, archive: a}
	need := func(a access.Action, fn handlerFunc) http.HandlerFunc { return h.need(a, h.serve(fn)) }
	mux.HandleFunc("GET /admin/archive-purge", need(access.PurgeAuditLogs, l.showPurge))
	mux.HandleFunc("POST /admin/archive-purge", need(access.PurgeAuditLogs, l.schedulePurge))
	mux.HandleFunc("GET /admin/settings", need(access.ManageAuditSettings, l.showSettings))
	mux.HandleFunc("POST /admin/settings", need(access.ManageAuditSettings, l.saveSettings))
}

// purgeForm is the archive/purge form as submitted, to show it again.
type purgeForm struct {
	Mode, OlderThanDays, Before, Domain, Format       string
	AllDomains, Archive                               bool
	Host, Port, User, HostKey, Dir, Start, Recurrence string
}

type purgeView struct {
	base
	Anchors    []store.Anchor
	Domains    []string
	ArchiveDir string
	Form       purgeForm
	Errors     []string
}

func (l *lifecycle) showPurge(w http.ResponseWriter, r *http.Request) (answer, error) {
	return l.purgePage(r, http.StatusOK, purgeForm{Mode: "days", OlderThanDays: "90", Format: "csv", Archive: true}, nil)
}

func (l *lifecycle) purgePage(r *http.Request, status int, f purgeForm, errs []string) (answer, error) {
	as, err := l.archive.Anchors(r.Context(), accounts.FromContext(r.Context()), 50)
	if err != nil {
		return nil, err
	}
	v := purgeView{base: base{Title: "Archive/Purge", Nav: "archive-purge"}, Anchors: as,
		Domains: accounts.FromContext(r.Context()).Subject.Domains, ArchiveDir: l.archive.Dir(), Form: f, Errors: errs}
	return show("archivepurge", &v).withStatus(status), nil
}

func (l *lifecycle) schedulePurge(w http.ResponseWriter, r *http.Request) (answer, error) {
	if !parseForm(w, r) {
		return l.purgePage(r, http.StatusBadRequest, purgeForm{}, []string{"The form could not be read."})
	}
	f, in, errs := readPurgeForm(r)
	if len(errs) > 0 {
		return l.purgePage(r, http.StatusBadRequest, f, errs)
	}
	j, err := l.archive.Schedule(r.Context(), accounts.FromContext(r.Context()), l.h.auth.Tree(), in)
	var inv *job.InvalidError
	switch {
	case errors.Is(err, archive.ErrForbidden):
		return l.purgePage(r, http.StatusForbidden, f, []string{err.Error()})
	case errors.As(err, &inv):
		for _, fe := range inv.Fields {
			errs = append(errs, fe.Field+": "+fe.Reason)
		}
		return l.purgePage(r, http.StatusBadRequest, f, errs)
	case err != nil:
		return nil, err
	}
	return seeOther(fmt.Sprintf("/jobs/%d", j.ID)), nil
}

// readPurgeForm reads the archive/purge form into the request it makes,
// with what could not be read.
func readPurgeForm(r *http.Request) (purgeForm, archive.Request, []string) {
	pf := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := purgeForm{Mode: pf("mode"), OlderThanDays: pf("older_than_days"), Before: pf("before"), Domain: pf("domain"),
		Format: pf("format"), AllDomains: r.PostFormValue("all_domains") == "on", Archive: r.PostFormValue("archive") == "on",
		Host: pf("remote_host"), Port: pf("remote_port"), User: pf("remote_user"), HostKey: pf("remote_host_key"),
		Dir: pf("remote_dir"), Start: pf("start"), Recurrence: strings.ReplaceAll(r.PostFormValue("recurrence"), "\r\n", "\n")}
	in := archive.Request{AllDomains: f.AllDomains, Domain: f.Domain, Format: f.Format, Archive: &f.Archive}
	var errs []string
	if f.Mode == "before" {
		in.Before = &f.Before
	} else {
		n, err := strconv.Atoi(f.OlderThanDays)
		if err != nil {
			errs = append(errs, "Older than (days): must be a whole number.")
		}
		in.OlderThanDays = &n
	}
	if f.Host != "" {
		port := 22
		if f.Port != "" {
			var err error
			if port, err = strconv.Atoi(f.Port); err != nil {
				errs = append(errs, "Port: must be a whole number.")
			}
		}
		in.Remote = &archive.Remote{Host: f.Host, Port: port, User: f.User, Password: r.PostFormValue("remote_password"),
			PrivateKey: r.PostFormValue("remote_private_key"), HostKey: f.HostKey, Dir: f.Dir}
	}
	if f.Start != "" || strings.TrimSpace(f.Recurrence) != "" {
		in.Schedule = &archive.Schedule{Recurrence: strings.TrimSpace(f.Recurrence)}
		if f.Start != "" {
			in.Schedule.Start = &f.Start
		}
	}
	return f, in, errs
}

type settingsView struct {
	base
	Settings       settings.AuditSettings
	RetentionJobID int64
	MayChange      bool
	Saved          bool
	Errors         []string
}

func (l *lifecycle) showSettings(w http.ResponseWriter, r *http.Request) (answer, error) {
	s, err := l.settings.Get(r.Context())
	if err != nil {
		return nil, err
	}
	return l.settingsPage(r, http.StatusOK, s, r.URL.Query().Get("saved") == "1", nil)
}

func (l *lifecycle) settingsPage(r *http.Request, status int, s settings.AuditSettings, saved bool, errs []string) (answer, error) {
	id, err := l.settings.RetentionJobID(r.Context())
	if err != nil {
		return nil, err
	}
	v := settingsView{base: base{Title: "Audit log settings", Nav: "settings"}, Settings: s, RetentionJobID: id,
		MayChange: settings.MayChange(accounts.FromContext(r.Context())), Saved: saved, Errors: errs}
	return show("settings", &v).withStatus(status), nil
}

func (l *lifecycle) saveSettings(w http.ResponseWriter, r *http.Request) (answer, error) {
	cur, err := l.settings.Get(r.Context())
	if err != nil {
		return nil, err
	}
	if !parseForm(w, r) {
		return l.settingsPage(r, http.StatusBadRequest, cur, false, []string{"The form could not be read."})
	}
	on := func(k string) *bool { v := r.PostFormValue(k) == "on"; return &v }
	var errs []string
	num := func(k, label string) *int {
		n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(k)))
		if err != nil {
			errs = append(errs, label+": must be a whole number.")
			return nil
		}
		return &n
	}
	c := settings.Change{RecordHTTPGet: on("record_http_get"), LogSuccess: on("log_success"), RetentionArchive: on("retention_archive"),
		ForwardingIntervalSeconds: num("forwarding_interval_seconds", "Forwarding interval"), RetentionDays: num("retention_days", "Retention")}
	if len(errs) > 0 {
		return l.settingsPage(r, http.StatusBadRequest, cur, false, errs)
	}
	_, err = l.settings.Update(r.Context(), accounts.FromContext(r.Context()), c)
	var inv *settings.InvalidError
	switch {
	case errors.Is(err, settings.ErrForbidden):
		return l.settingsPage(r, http.StatusForbidden, cur, false, []string{err.Error()})
	case errors.As(err, &inv):
		for _, fe := range inv.Fields {
			errs = append(errs, fe.Field+": "+fe.Reason)
		}
		return l.settingsPage(r, http.StatusBadRequest, cur, false, errs)
	case err != nil:
		return nil, err
	}
	return seeOther("/admin/settings?saved=1"), nil
}
