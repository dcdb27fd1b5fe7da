package web

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
)

type accountView struct {
	base
	Roles   []string
	Domains []string
	Done    bool
	Error   string
}

func (h *Handler) showAccount(w http.ResponseWriter, r *http.Request) (answer, error) {
	return h.accountPage(r, r.URL.Query().Get("done") == "1", ""), nil
}

func (h *Handler) accountPage(r *http.Request, done bool, msg string) page {
	s := accounts.FromContext(r.Context()).Subject
	v := accountView{base: base{Title: "My account", Nav: "account"}, Domains: s.Domains, Done: done, Error: msg}
	for _, role := range s.Roles {
		v.Roles = append(v.Roles, role.Label())
	}
	return show("account", &v)
}

func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) (answer, error) {
	if accounts.FromContext(r.Context()).Subject.Kind != access.KindUser {
		return nil, forbidden("Only a signed-in user has a password to change.")
	}
	if !parseForm(w, r) {
		return h.accountPage(r, false, "The form could not be read.").withStatus(http.StatusBadRequest), nil
	}
	if r.PostFormValue("new_password") != r.PostFormValue("confirm_password") {
		return h.accountPage(r, false, "The new password and its confirmation differ.").withStatus(http.StatusBadRequest), nil
	}
	req := accounts.FromContext(r.Context())
	err := h.auth.ChangeOwnPassword(r.Context(), req.Actor(), r.PostFormValue("current_password"), r.PostFormValue("new_password"))
	if msg, ok := refusal(err); ok {
		return h.accountPage(r, false, msg).withStatus(http.StatusBadRequest), nil
	}
	if err != nil {
		return nil, err
	}
	// Changing the password ends every session, this one too.
	return seeOther("/login?next=%2Faccount"), nil
}

// refusal is the message of input the account service refused, shown on
// the form that sent it; ok is false for any other error.
func refusal(err error) (msg string, ok bool) {
	var inv *accounts.InvalidError
	if errors.As(err, &inv) {
		return inv.Error(), true
	}
	return "", false
}

type usersView struct {
	base
	Users   []accounts.UserView
	Roles   []access.Role
	Domains []accounts.DomainView
	Error   string
	Form    accounts.NewUser
}

func (h *Handler) showUsers(w http.ResponseWriter, r *http.Request) (answer, error) {
	return h.usersPage(r, "", accounts.NewUser{})
}

func (h *Handler) usersPage(r *http.Request, msg string, form accounts.NewUser) (answer, error) {
	actor := accounts.FromContext(r.Context()).Actor()
	us, err := h.auth.ListUsers(r.Context(), actor)
	if err != nil {
		return nil, err
	}
	ds, err := h.auth.ListDomains(r.Context(), actor)
	if err != nil {
		return nil, err
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
	return formPage("users", &v, msg), nil
}

// formPage shows a management page, with 400 Bad Request when msg says
// what was wrong with the form it shows again.
func formPage(name string, data any, msg string) page {
	if msg != "" {
		return show(name, data).withStatus(http.StatusBadRequest)
	}
	return show(name, data)
}

func (h *Handler) addUser(w http.ResponseWriter, r *http.Request) (answer, error) {
	if !parseForm(w, r) {
		return h.usersPage(r, "The form could not be read.", accounts.NewUser{})
	}
	nu := accounts.NewUser{Name: strings.TrimSpace(r.PostFormValue("name")), Password: r.PostFormValue("password"),
		Roles: r.PostForm["roles"], Domains: r.PostForm["domains"]}
	_, err := h.auth.CreateUser(r.Context(), accounts.FromContext(r.Context()).Actor(), nu)
	if msg, ok := refusal(err); ok {
		nu.Password = ""
		return h.usersPage(r, msg, nu)
	}
	if err != nil {
		return nil, err
	}
	return seeOther("/admin/users"), nil
}

func (h *Handler) lockUser(w http.ResponseWriter, r *http.Request) (answer, error) {
	return h.setLocked(r, true)
}

func (h *Handler) unlockUser(w http.ResponseWriter, r *http.Request) (answer, error) {
	return h.setLocked(r, false)
}

func (h *Handler) setLocked(r *http.Request, locked bool) (answer, error) {
	_, err := h.auth.UpdateUser(r.Context(), accounts.FromContext(r.Context()).Actor(), r.PathValue("name"), accounts.UserChange{Locked: &locked})
	if msg, ok := refusal(err); ok {
		return h.usersPage(r, msg, accounts.NewUser{})
	}
	if err != nil {
		return nil, err
	}
	return seeOther("/admin/users"), nil
}

type domainsView struct {
	base
	Domains []accounts.DomainView
	Error   string
	Form    accounts.DomainView
}

func (h *Handler) showDomains(w http.ResponseWriter, r *http.Request) (answer, error) {
	return h.domainsPage(r, "", accounts.DomainView{})
}

func (h *Handler) domainsPage(r *http.Request, msg string, form accounts.DomainView) (answer, error) {
	ds, err := h.auth.ListDomains(r.Context(), accounts.FromContext(r.Context()).Actor())
	if err != nil {
		return nil, err
	}
	v := domainsView{base: base{Title: "Domains", Nav: "domains"}, Domains: ds, Error: msg, Form: form}
	return formPage("domains", &v, msg), nil
}

func (h *Handler) addDomain(w http.ResponseWriter, r *http.Request) (answer, error) {
	if !parseForm(w, r) {
		return h.domainsPage(r, "The form could not be read.", accounts.DomainView{})
	}
	d := accounts.DomainView{Name: strings.TrimSpace(r.PostFormValue("name")), ParentRead: r.PostFormValue("parent_read") == "on"}
	_, err := h.auth.CreateDomain(r.Context(), accounts.FromContext(r.Context()).Actor(), d)
	if msg, ok := refusal(err); ok {
		return h.domainsPage(r, msg, d)
	}
	if err != nil {
		return nil, err
	}
	return seeOther("/admin/domains"), nil
}

type tokensView struct {
	base
	Tokens  []accounts.TokenView
	Domains []accounts.DomainView
	Scopes  []string
	Created *accounts.TokenView
	Error   string
}

func (h *Handler) showTokens(w http.ResponseWriter, r *http.Request) (answer, error) {
	return h.tokensPage(r, "", takeCreatedToken(w, r))
}

func (h *Handler) tokensPage(r *http.Request, msg string, created *accounts.TokenView) (answer, error) {
	actor := accounts.FromContext(r.Context()).Actor()
	ts, err := h.auth.ListTokens(r.Context(), actor)
	if err != nil {
		return nil, err
	}
	ds, err := h.auth.ListDomains(r.Context(), actor)
	if err != nil {
		return nil, err
	}
	v := tokensView{base: base{Title: "API tokens", Nav: "tokens"}, Tokens: ts, Domains: ds,
		Scopes: []string{string(access.ScopeIngest), string(access.ScopeRead), string(access.ScopeIntegrity), string(access.ScopeAdmin)}, Created: created, Error: msg}
	return formPage("tokens", &v, msg), nil
}

func (h *Handler) addToken(w http.ResponseWriter, r *http.Request) (answer, error) {
	if !parseForm(w, r) {
		return h.tokensPage(r, "The form could not be read.", nil)
	}
	req := accounts.FromContext(r.Context())
	t, err := h.auth.CreateToken(r.Context(), req.Actor(), req.Subject, accounts.NewToken{Name: strings.TrimSpace(r.PostFormValue("name")),
		Scopes: r.PostForm["scopes"], Domains: r.PostForm["domains"]})
	if msg, ok := refusal(err); ok {
		return h.tokensPage(r, msg, nil)
	}
	if err != nil {
		return nil, err
	}
	// The secret goes to the next page in a cookie that lives a minute and
	// is deleted when shown, so that reloading that page cannot make a
	// second token (post, redirect, get) and any replica can show it.
	b, _ := json.Marshal(t)
	http.SetCookie(w, &http.Cookie{Name: createdTokenCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/admin/tokens",
		MaxAge: 60, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	return seeOther("/admin/tokens"), nil
}

// createdTokenCookie carries a new token's secret to the page that shows it.
const createdTokenCookie = "logbook_new_token"

// takeCreatedToken returns the token the previous request created, once.
func takeCreatedToken(w http.ResponseWriter, r *http.Request) *accounts.TokenView {
	c, err := r.Cookie(createdTokenCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: createdTokenCookie, Value: "", Path: "/admin/tokens", MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	var t accounts.TokenView
	if err != nil || json.Unmarshal(b, &t) != nil || t.Secret == "" {
		return nil
	}
	return &t
}

func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request) (answer, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	err = h.auth.RevokeToken(r.Context(), accounts.FromContext(r.Context()).Actor(), id)
	if msg, ok := refusal(err); ok {
		return h.tokensPage(r, msg, nil)
	}
	if err != nil {
		return nil, err
	}
	return seeOther("/admin/tokens"), nil
}
