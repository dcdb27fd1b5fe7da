package web

import (
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "logbook_session"

// LoginCookie holds a random value from the first view of the login page;
// the sign-in form carries its CSRF token, so that a form another site
// posts, which cannot read the cookie, does not sign the browser in to an
// account of the other site's choosing. It is HttpOnly, SameSite=Strict
// and sent only to /login.
const LoginCookie = "logbook_login"

// signedIn wraps a page that any signed-in user may see; anonymous
// viewers are sent to the login page and come back afterwards.
func (h *Handler) signedIn(fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req := accounts.FromContext(r.Context())
		if !req.Authenticated() {
			if r.Header.Get("Accept") == "text/event-stream" {
				http.Error(w, "sign in again", http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		fn(w, r)
	}
}

// need wraps a page that needs action; others see a page saying which
// role it takes, and nothing of the page itself.
func (h *Handler) need(action access.Action, fn http.HandlerFunc) http.HandlerFunc {
	return h.signedIn(func(w http.ResponseWriter, r *http.Request) {
		if !accounts.FromContext(r.Context()).Subject.Can(action) {
			h.fail(w, r, forbidden(roleMessage(action)))
			return
		}
		fn(w, r)
	})
}

func roleMessage(a access.Action) string {
	switch a {
	case access.ViewAuditLogs, access.ExportAuditLogs, access.PurgeAuditLogs, access.ManageForwarding:
		return "To view audit logs, you need the Audit Log Administrator role. Ask a User Administrator to give it to you."
	case access.ViewAllJobs, access.ManageJobs:
		return "This page needs the Job Administrator role."
	}
	return "This page needs the User Administrator role."
}

// home sends each user to the first page they may use.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) (answer, error) {
	s := accounts.FromContext(r.Context()).Subject
	switch {
	case s.Can(access.ViewAuditLogs):
		return redirect{url: "/statistics", status: http.StatusFound}, nil
	case s.Can(access.ManageUsers):
		return redirect{url: "/admin/users", status: http.StatusFound}, nil
	}
	return redirect{url: "/jobs", status: http.StatusFound}, nil
}

type loginView struct {
	base
	Next, Name, Error string
	// LoginToken is the CSRF token of the login cookie.
	LoginToken string
}

// safeNext keeps a post-login redirect on this site: a path of its own,
// without scheme, host, backslashes or control characters (browsers drop
// tabs and line breaks, so "/\t/evil.example" would mean "//evil.example").
func safeNext(n string) string {
	for _, r := range n {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(n)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") ||
		strings.HasPrefix(n, "//") || strings.HasPrefix(u.Path, "/login") {
		return "/"
	}
	return n
}

func (h *Handler) showLogin(w http.ResponseWriter, r *http.Request) (answer, error) {
	v := loginView{base: base{Title: "Sign in"}, Next: safeNext(r.URL.Query().Get("next")), LoginToken: loginToken(w, r)}
	return show("login", &v), nil
}

// loginToken returns the CSRF token of the browser's login cookie,
// setting a new cookie when it has none. An existing cookie is kept, so
// that login pages open in two tabs both work.
func loginToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(LoginCookie); err == nil && c.Value != "" {
		return accounts.CSRFToken(c.Value)
	}
	secret := rand.Text()
	http.SetCookie(w, &http.Cookie{Name: LoginCookie, Value: secret, Path: "/login", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	return accounts.CSRFToken(secret)
}

// Refuse answers a page request that may not go on with the error page:
// the server's anti-forgery check uses it for forms that lack their token.
func (h *Handler) Refuse(w http.ResponseWriter, r *http.Request, status int, heading, message string) {
	v := errorView{base: base{Title: heading}, Heading: heading, Message: message}
	h.render(w, r, status, "error", "", &v)
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) (answer, error) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return nil, errFormUnreadable
	}
	req := accounts.FromContext(r.Context())
	name, password := r.PostFormValue("name"), r.PostFormValue("password")
	v := loginView{base: base{Title: "Sign in"}, Next: safeNext(r.PostFormValue("next")), Name: name, LoginToken: loginToken(w, r)}
	if !h.auth.Attempts.Allow(req.IP) {
		v.Error = accounts.ErrTooManyAttempts.Error()
		return show("login", &v).withStatus(http.StatusTooManyRequests), nil
	}
	id, _, err := h.auth.Login(r.Context(), name, password, req.IP)
	if errors.Is(err, accounts.ErrBadCredentials) {
		v.Error = "Wrong user name or password, or the account is locked."
		return show("login", &v).withStatus(http.StatusUnauthorized), nil
	}
	if err != nil {
		return nil, err
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: id, Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	return seeOther(v.Next), nil
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) (answer, error) {
	req := accounts.FromContext(r.Context())
	if req.SessionID != "" {
		if err := h.auth.Logout(r.Context(), req.SessionID, req.IP); err != nil {
			return nil, err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	return seeOther("/login"), nil
}
