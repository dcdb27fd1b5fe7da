package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/web"
)

// LoginCookie is the name of the cookie whose token the sign-in form carries.
const LoginCookie = web.LoginCookie

// maxTokenFormBytes bounds the form body read to find a form's token; the
// largest form (a forwarding criterion with its certificates) is a third
// of it.
const maxTokenFormBytes = 1 << 20

// withCSRFToken is the second guard against cross-site requests, behind
// http.CrossOriginProtection: a write (any method but GET, HEAD and
// OPTIONS) authenticated by the session cookie must carry the session's
// CSRF token (accounts.CSRFToken), in the X-CSRF-Token header or the
// csrf_token field of a form, and the sign-in form that of the login
// cookie. A browser attaches cookies to a forged request but another site
// cannot read the token; so a request that CrossOriginProtection lets
// through because it carries no Origin or Sec-Fetch-Site header still
// fails here. Requests authenticated with an API token or HTTP Basic carry
// their credential themselves, which a browser never adds on its own, and
// need no token.
func (s *Server) withCSRFToken(ui *web.Handler, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		req := accounts.FromContext(r.Context())
		secret := req.SessionID
		if r.URL.Path == "/login" {
			// The sign-in form is posted before there is a session (or
			// to replace one); its token is that of the login cookie.
			secret = ""
			if c, err := r.Cookie(LoginCookie); err == nil {
				secret = c.Value
			}
		} else if secret == "" {
			next.ServeHTTP(w, r) // no session cookie: nothing a browser adds by itself
			return
		}
		token, err := requestCSRFToken(r)
		if err != nil {
			s.refuseCSRF(ui, w, r, http.StatusRequestEntityTooLarge, "Form too large",
				fmt.Sprintf("The form is larger than %d bytes.", maxTokenFormBytes))
			return
		}
		if !accounts.ValidCSRFToken(secret, token) {
			s.log.Info("refused a write without its CSRF token", "method", r.Method, "path", r.URL.Path,
				"user", req.Subject.Name, "token_sent", token != "")
			msg := "The form was not sent from a page of your current session, or it was open since before you signed in again. Go back, reload the page and send it again."
			if r.URL.Path == "/login" {
				msg = "The sign-in form had expired. Open the sign-in page again and sign in."
			}
			s.refuseCSRF(ui, w, r, http.StatusForbidden, "Form expired", msg)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requestCSRFToken returns the token r carries: the X-CSRF-Token header,
// or the csrf_token field of a URL-encoded form. The form is read here and
// given back to the handler unread, so that its own size limit and parsing
// apply as before.
func requestCSRFToken(r *http.Request) (string, error) {
	if t := r.Header.Get(accounts.CSRFHeader); t != "" {
		return t, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" || r.Body == nil {
		return "", nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxTokenFormBytes+1))
	if err != nil {
		return "", nil // a body that cannot be read carries no token
	}
	if len(b) > maxTokenFormBytes {
		return "", fmt.Errorf("form body over %d bytes", maxTokenFormBytes)
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	v, _ := url.ParseQuery(string(b))
	return v.Get(accounts.CSRFField), nil
}

// refuseCSRF answers the API with a JSON error like its others, and the
// pages with the error page.
func (s *Server) refuseCSRF(ui *web.Handler, w http.ResponseWriter, r *http.Request, status int, heading, msg string) {
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		ui.Refuse(w, r, status, heading, msg)
		return
	}
	if status == http.StatusForbidden {
		msg = "forbidden: a write authenticated by the session cookie needs the session's CSRF token in the " +
			accounts.CSRFHeader + " header (or the " + accounts.CSRFField + " field of a form); API clients authenticate with a token or HTTP Basic instead"
	} else {
		msg = fmt.Sprintf("request body is larger than the limit of %d bytes", maxTokenFormBytes)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
