package web

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/auth"
	"github.com/logbookhq/logbook/internal/store"
)

type accountView struct {
	base
	Roles   []string
	Domains []string
	Done    bool
	Error   string
}

func (h *Handler) showAccount(w http.ResponseWriter, r *http.Request) {
	h.renderAccount(w, r, http.StatusOK, r.URL.Query().Get("done") == "1", "")
}

func (h *Handler) renderAccount(w http.ResponseWriter, r *http.Request, status int, done bool, msg string) {
	s := auth.FromContext(r.Context()).Subject
	v := accountView{base: base{Title: "My account", Nav: "account"}, Domains: s.Domains, Done: done, Error: msg}
	for _, role := range s.Roles {
		v.Roles = append(v.Roles, role.Label())
	}
	h.render(w, r, status, "account", "", &v)
}

func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) {
	if auth.FromContext(r.Context()).Subject.Kind != access.KindUser {
		v := errorView{base: base{Title: "Not allowed"}, Heading: "Not allowed", Message: "Only a signed-in user has a password to change."}
		h.render(w, r, http.StatusForbidden, "error", "", &v)
		return
	}
	if !parseForm(w, r) {
		h.renderAccount(w, r, http.StatusBadRequest, false, "The form could not be read.")
		return
	}
	if r.PostFormValue("new_password") != r.PostFormValue("confirm_password") {
		h.renderAccount(w, r, http.StatusBadRequest, false, "The new password and its confirmation differ.")
		return
	}
	req := auth.FromContext(r.Context())
	err := h.auth.ChangeOwnPassword(r.Context(), req.Actor(), r.PostFormValue("current_password"), r.PostFormValue("new_password"))
	var inv *auth.InvalidError
	if errors.As(err, &inv) {
		h.renderAccount(w, r, http.StatusBadRequest, false, inv.Error())
		return
	}
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	// Changing the password ends every session, this one too.
	http.Redirect(w, r, "/login?next=%2Faccount", http.StatusSeeOther)
}

func parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	return r.ParseForm() == nil
}

type usersView struct {
	base
	Users   []auth.UserView
	Roles   []access.Role
	Domains []auth.DomainView
	Error   string
	Form    auth.NewUser
}

func (h *Handler) showUsers(w http.ResponseWriter, r *http.Request) {
	h.renderUsers(w, r, http.StatusOK, "", auth.NewUser{})
}

func (h *Handler) renderUsers(w http.ResponseWriter, r *http.Request, status int, msg string, form auth.NewUser) {
	us, err := h.auth.ListUsers(r.Context(), auth.FromContext(r.Context()).Actor())
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	ds, err := h.auth.ListDomains(r.Context(), auth.FromContext(r.Context()).Actor())
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	for i := range us {
		for j, role := range us[i].Roles {
			us[i].Roles[j] = access.Role(role).Label()
		}
		if len(us[i].LastLoginAt) > 19 {
			us[i].LastLoginAt = strings.Replace(us[i].LastLoginAt[:19], "T", " ", 1)
		}
	}
	v := usersView{base: base{Title: "Users", Nav: "users"}, Users: us, Roles: access.Roles, Domains: ds, Error: msg, Form: form}
	h.render(w, r, status, "users", "", &v)
}

func (h *Handler) addUser(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		h.renderUsers(w, r, http.StatusBadRequest, "The form could not be read.", auth.NewUser{})
		return
	}
	nu := auth.NewUser{Name: strings.TrimSpace(r.PostFormValue("name")), Password: r.PostFormValue("password"),
		Roles: r.PostForm["roles"], Domains: r.PostForm["domains"]}
	_, err := h.auth.CreateUser(r.Context(), auth.FromContext(r.Context()).Actor(), nu)
	if h.adminError(w, r, err, func(msg string) { nu.Password = ""; h.renderUsers(w, r, http.StatusBadRequest, msg, nu) }) {
		return
	}
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

func (h *Handler) lockUser(w http.ResponseWriter, r *http.Request)   { h.setLocked(w, r, true) }
func (h *Handler) unlockUser(w http.ResponseWriter, r *http.Request) { h.setLocked(w, r, false) }

func (h *Handler) setLocked(w http.ResponseWriter, r *http.Request, locked bool) {
	_, err := h.auth.UpdateUser(r.Context(), auth.FromContext(r.Context()).Actor(), r.PathValue("name"), auth.UserChange{Locked: &locked})
	if h.adminError(w, r, err, func(msg string) { h.renderUsers(w, r, http.StatusBadRequest, msg, auth.NewUser{}) }) {
		return
	}
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// adminError answers err, if any: refused input shows on the page, a
// missing object is a 404, anything else is logged. It reports whether
// it answered.
func (h *Handler) adminError(w http.ResponseWriter, r *http.Request, err error, show func(string)) bool {
	if err == nil {
		return false
	}
	var inv *auth.InvalidError
	switch {
	case errors.As(err, &inv):
		show(inv.Error())
	case errors.Is(err, store.ErrNotFound):
		h.fail(w, r, http.StatusNotFound, err)
	default:
		h.fail(w, r, http.StatusInternalServerError, err)
	}
	return true
}

type domainsView struct {
	base
	Domains []auth.DomainView
	Error   string
	Form    auth.DomainView
}

func (h *Handler) showDomains(w http.ResponseWriter, r *http.Request) {
	h.renderDomains(w, r, http.StatusOK, "", auth.DomainView{})
}

func (h *Handler) renderDomains(w http.ResponseWriter, r *http.Request, status int, msg string, form auth.DomainView) {
	ds, err := h.auth.ListDomains(r.Context(), auth.FromContext(r.Context()).Actor())
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	v := domainsView{base: base{Title: "Domains", Nav: "domains"}, Domains: ds, Error: msg, Form: form}
	h.render(w, r, status, "domains", "", &v)
}

func (h *Handler) addDomain(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		h.renderDomains(w, r, http.StatusBadRequest, "The form could not be read.", auth.DomainView{})
		return
	}
	d := auth.DomainView{Name: strings.TrimSpace(r.PostFormValue("name")), ParentRead: r.PostFormValue("parent_read") == "on"}
	_, err := h.auth.CreateDomain(r.Context(), auth.FromContext(r.Context()).Actor(), d)
	if h.adminError(w, r, err, func(msg string) { h.renderDomains(w, r, http.StatusBadRequest, msg, d) }) {
		return
	}
	http.Redirect(w, r, "/admin/domains", http.StatusSeeOther)
}

type tokensView struct {
	base
	Tokens  []auth.TokenView
	Domains []auth.DomainView
	Scopes  []string
	Created *auth.TokenView
	Error   string
}

func (h *Handler) showTokens(w http.ResponseWriter, r *http.Request) {
	h.renderTokens(w, r, http.StatusOK, "", takeCreatedToken(w, r))
}

func (h *Handler) renderTokens(w http.ResponseWriter, r *http.Request, status int, msg string, created *auth.TokenView) {
	ts, err := h.auth.ListTokens(r.Context(), auth.FromContext(r.Context()).Actor())
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	ds, err := h.auth.ListDomains(r.Context(), auth.FromContext(r.Context()).Actor())
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	v := tokensView{base: base{Title: "API tokens", Nav: "tokens"}, Tokens: ts, Domains: ds,
		Scopes: []string{string(access.ScopeIngest), string(access.ScopeRead), string(access.ScopeAdmin)}, Created: created, Error: msg}
	h.render(w, r, status, "tokens", "", &v)
}

func (h *Handler) addToken(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		h.renderTokens(w, r, http.StatusBadRequest, "The form could not be read.", nil)
		return
	}
	req := auth.FromContext(r.Context())
	t, err := h.auth.CreateToken(r.Context(), req.Actor(), req.Subject, auth.NewToken{Name: strings.TrimSpace(r.PostFormValue("name")),
		Scopes: r.PostForm["scopes"], Domains: r.PostForm["domains"]})
	if h.adminError(w, r, err, func(msg string) { h.renderTokens(w, r, http.StatusBadRequest, msg, nil) }) {
		return
	}
	// The secret goes to the next page in a cookie that lives a minute and
	// is deleted when shown, so that reloading that page cannot make a
	// second token (post, redirect, get) and any replica can show it.
	b, _ := json.Marshal(t)
	http.SetCookie(w, &http.Cookie{Name: createdTokenCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/admin/tokens",
		MaxAge: 60, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/admin/tokens", http.StatusSeeOther)
}

// createdTokenCookie carries a new token's secret to the page that shows it.
const createdTokenCookie = "logbook_new_token"

// takeCreatedToken returns the token the previous request created, once.
func takeCreatedToken(w http.ResponseWriter, r *http.Request) *auth.TokenView {
	c, err := r.Cookie(createdTokenCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: createdTokenCookie, Value: "", Path: "/admin/tokens", MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	var t auth.TokenView
	if err != nil || json.Unmarshal(b, &t) != nil || t.Secret == "" {
		return nil
	}
	return &t
}

func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.fail(w, r, http.StatusNotFound, err)
		return
	}
	err = h.auth.RevokeToken(r.Context(), auth.FromContext(r.Context()).Actor(), id)
	if h.adminError(w, r, err, func(msg string) { h.renderTokens(w, r, http.StatusBadRequest, msg, nil) }) {
		return
	}
	http.Redirect(w, r, "/admin/tokens", http.StatusSeeOther)
}
