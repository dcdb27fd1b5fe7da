package server_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/auth"
	"github.com/logbookhq/logbook/internal/server"
)

// csrfSessionToken is the CSRF token of c's session, as its pages show it.
func csrfSessionToken(t *testing.T, c *secClient) string {
	t.Helper()
	u, _ := url.Parse(c.base)
	ck := secSessionCookie(c.hc.Jar.Cookies(u))
	if ck == nil {
		t.Fatal("the client has no session cookie")
	}
	return auth.CSRFToken(ck.Value)
}

// TestCSRFTokenGuardsCookieWrites checks the second guard behind
// http.CrossOriginProtection: a write authenticated by the session cookie
// and carrying no Origin or Sec-Fetch-Site header (which the first guard
// lets through) is refused without the session's token, whatever its
// Content-Type, and goes through with it; API tokens and HTTP Basic need
// none. The API answers JSON, the pages the error page.
func TestCSRFTokenGuardsCookieWrites(t *testing.T) {
	e := newSecEnv(t, nil)
	e.addUser("csrf-root", []string{"super-admin"}, audit.RootDomain)
	e.addUser("csrf-victim", []string{"user"}, audit.RootDomain)
	c := e.login(t, "csrf-root", secPassword)
	token := csrfSessionToken(t, c)
	other := csrfSessionToken(t, e.login(t, "csrf-root", secPassword))
	noToken := []string{auth.CSRFHeader, ""}
	locked := func(t *testing.T) bool {
		t.Helper()
		u, err := e.f.Store.GetUser(e.ctx, "csrf-victim")
		if err != nil {
			t.Fatal(err)
		}
		return u.Locked
	}
	apiRefused := func(t *testing.T, what string, r secResp) {
		t.Helper()
		var answer struct{ Error string }
		if r.status != http.StatusForbidden || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s: got %d %q, want 403 JSON:\n%s", what, r.status, r.header.Get("Content-Type"), r.body)
		}
		secDecode(t, r, &answer)
		if !strings.Contains(answer.Error, auth.CSRFHeader) {
			t.Errorf("%s: the error %q does not name the %s header", what, answer.Error, auth.CSRFHeader)
		}
		if locked(t) {
			t.Fatalf("%s locked the user", what)
		}
	}

	t.Run("API", func(t *testing.T) {
		const lock = `{"locked":true}`
		const path = "/api/v1/users/csrf-victim"
		apiRefused(t, "text/plain without a token", c.do(t, "PATCH", path, lock, append(noToken, "Content-Type", "text/plain")...))
		apiRefused(t, "JSON without a token", c.do(t, "PATCH", path, lock, noToken...))
		apiRefused(t, "JSON with another session's token", c.do(t, "PATCH", path, lock, auth.CSRFHeader, other))
		apiRefused(t, "JSON with the token in the query", c.do(t, "PATCH", path+"?csrf_token="+url.QueryEscape(token), lock, noToken...))
		apiRefused(t, "a body-less POST without a token", c.do(t, "POST", "/api/v1/users/csrf-victim/unlock", "", noToken...))
		for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", ""} {
			r := c.do(t, "PATCH", path, lock, auth.CSRFHeader, token, "Content-Type", ct)
			if r.status != http.StatusUnsupportedMediaType || !strings.Contains(r.body, "Content-Type must be application/json") || locked(t) {
				t.Fatalf("Content-Type %q with the token: got %d, want 415 naming Content-Type:\n%s", ct, r.status, r.body)
			}
		}
		if r := c.do(t, "PATCH", path, lock, auth.CSRFHeader, token); r.status != http.StatusOK || !locked(t) {
			t.Fatalf("JSON with the token: got %d:\n%s", r.status, r.body)
		}
		// Credentials a browser never adds by itself need no token.
		if r := e.tokenClient(e.f.AdminToken).do(t, "PATCH", path, `{"locked":false}`, noToken...); r.status != http.StatusOK || locked(t) {
			t.Fatalf("an API token without a CSRF token: got %d:\n%s", r.status, r.body)
		}
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("csrf-root:"+secPassword))
		if r := e.client().do(t, "PATCH", path, lock, append(noToken, "Authorization", basic)...); r.status != http.StatusOK || !locked(t) {
			t.Fatalf("HTTP Basic without a CSRF token: got %d:\n%s", r.status, r.body)
		}
	})

	t.Run("export job form", func(t *testing.T) {
		form := url.Values{"query": {"?format=csv"}}
		if r := c.do(t, "POST", "/api/v1/audit-logs/export-jobs", form.Encode(), noToken...); r.status != http.StatusForbidden {
			t.Errorf("the export form without its token: got %d, want 403", r.status)
		}
		form.Set(auth.CSRFField, token)
		if r := c.do(t, "POST", "/api/v1/audit-logs/export-jobs", form.Encode(), noToken...); r.status != http.StatusSeeOther ||
			!strings.HasPrefix(r.header.Get("Location"), "/jobs/") {
			t.Errorf("the export form with its token: got %d Location %q:\n%s", r.status, r.header.Get("Location"), r.body)
		}
	})

	t.Run("pages", func(t *testing.T) {
		exists := func(name string) bool { _, err := e.f.Store.GetUser(e.ctx, name); return err == nil }
		form := url.Values{"name": {"csrf-new"}, "password": {secPassword}, "roles": {"user"}, "domains": {"Global"}}
		for _, tc := range []struct {
			what, token string
		}{{"without a token", ""}, {"with another session's token", other}} {
			f := form
			if tc.token != "" {
				f = url.Values{auth.CSRFField: {tc.token}}
				for k, v := range form {
					f[k] = v
				}
			}
			r := c.do(t, "POST", "/admin/users", f.Encode(), noToken...)
			if r.status != http.StatusForbidden || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(r.body, "Form expired") {
				t.Errorf("a form %s: got %d %q, want 403 with the error page:\n%.500s", tc.what, r.status, r.header.Get("Content-Type"), r.body)
			}
			if exists("csrf-new") {
				t.Fatalf("a form %s created a user", tc.what)
			}
		}
		form.Set(auth.CSRFField, token)
		if r := c.do(t, "POST", "/admin/users", form.Encode(), noToken...); r.status != http.StatusSeeOther || !exists("csrf-new") {
			t.Fatalf("a form with its token: got %d:\n%.500s", r.status, r.body)
		}
		if r := c.do(t, "POST", "/logout", "", noToken...); r.status != http.StatusForbidden {
			t.Errorf("logout without a token: got %d, want 403", r.status)
		}
		if r := c.get(t, "/account"); r.status != http.StatusOK {
			t.Errorf("a refused logout ended the session (%d)", r.status)
		}
	})

	t.Run("sign-in form", func(t *testing.T) {
		form := url.Values{"name": {"csrf-root"}, "password": {secPassword}, "next": {"/account"}}
		// Sent by hand: the client's helper would give it a login cookie.
		try := func(cookie, token string) secResp {
			t.Helper()
			req, err := http.NewRequest("POST", e.f.URL+"/login", strings.NewReader(form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if cookie != "" {
				req.AddCookie(&http.Cookie{Name: server.LoginCookie, Value: cookie})
			}
			if token != "" {
				req.Header.Set(auth.CSRFHeader, token)
			}
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return secResp{status: resp.StatusCode, header: resp.Header, body: string(b), cookies: resp.Cookies()}
		}
		logins := len(e.logs(t, "Login"))
		for _, tc := range []struct{ what, cookie, token string }{
			{"without the login cookie", "", auth.CSRFToken("guess")},
			{"without a token", "login-secret", ""},
			{"with the token of another cookie", "login-secret", auth.CSRFToken("other-secret")},
		} {
			r := try(tc.cookie, tc.token)
			if r.status != http.StatusForbidden || secSessionCookie(r.cookies) != nil || !strings.Contains(r.body, "sign-in form had expired") {
				t.Errorf("signing in %s: got %d, want 403 and no session:\n%.500s", tc.what, r.status, r.body)
			}
		}
		if n := len(e.logs(t, "Login")); n != logins {
			t.Errorf("refused sign-in forms recorded %d Login entries", n-logins)
		}
		if r := try("login-secret", auth.CSRFToken("login-secret")); r.status != http.StatusSeeOther || secSessionCookie(r.cookies) == nil {
			t.Errorf("signing in with the login cookie's token: got %d:\n%.500s", r.status, r.body)
		}
		form.Set(auth.CSRFField, auth.CSRFToken("login-secret"))
		if r := try("login-secret", ""); r.status != http.StatusSeeOther {
			t.Errorf("signing in with the token in the form: got %d:\n%.500s", r.status, r.body)
		}
		// The login page gives the cookie and puts its token in the form.
		a := e.client()
		page := a.get(t, "/login")
		var lc *http.Cookie
		for _, k := range page.cookies {
			if k.Name == server.LoginCookie {
				lc = k
			}
		}
		if lc == nil || !lc.HttpOnly || lc.SameSite != http.SameSiteStrictMode || lc.Path != "/login" {
			t.Fatalf("the login page's cookie: %+v", lc)
		}
		if !strings.Contains(page.body, `name="csrf_token" value="`+auth.CSRFToken(lc.Value)+`"`) {
			t.Fatalf("the login form lacks the token of its cookie:\n%s", page.body)
		}
		if again := a.get(t, "/login"); len(again.cookies) != 0 || !strings.Contains(again.body, auth.CSRFToken(lc.Value)) {
			t.Errorf("a second view of the login page replaces the cookie: %+v", again.cookies)
		}
	})
}

var (
	csrfFormRE  = regexp.MustCompile(`(?s)<form\b([^>]*)>(.*?)</form>`)
	csrfFieldRE = regexp.MustCompile(`<input type="hidden" name="csrf_token" value="([^"]*)">`)
)

// TestEveryFormCarriesCSRFToken renders every page that has forms, with
// fixtures that make each of its forms appear, as a signed-in Super
// Administrator, and checks that every form that posts carries the
// session's token (the sign-in form that of the login cookie).
func TestEveryFormCarriesCSRFToken(t *testing.T) {
	e := newSecEnv(t, nil)
	e.addUser("forms-root", []string{"super-admin"}, audit.RootDomain)
	e.addUser("forms-user", []string{"user"}, audit.RootDomain)
	e.addToken("forms-token", []string{"read"}, audit.RootDomain)
	e.seed(audit.Entry{UserName: "alice"})
	c := e.login(t, "forms-root", secPassword)
	token := csrfSessionToken(t, c)
	must := func(r secResp, status int, what string) secResp {
		t.Helper()
		if r.status != status {
			t.Fatalf("%s: got %d, want %d:\n%.500s", what, r.status, status, r.body)
		}
		return r
	}
	must(c.do(t, "POST", "/api/v1/forwarding-criteria", criterionJSON("forms-siem", closedPort(t))), http.StatusCreated, "create criterion")
	must(c.do(t, "POST", "/audit-logs/saved", url.Values{"name": {"forms-search"}, "query": {"q=alice"}}.Encode()), http.StatusSeeOther, "save search")
	var scheduled, canceled struct{ ID int64 }
	secDecode(t, must(c.do(t, "POST", "/api/v1/jobs", `{"name":"later","job_type":"Backup","scheduled_start":"2030-01-01T00:00:00Z"}`), http.StatusCreated, "create job"), &scheduled)
	secDecode(t, must(c.do(t, "POST", "/api/v1/jobs", `{"name":"dropped","job_type":"Backup","scheduled_start":"2030-01-01T00:00:00Z"}`), http.StatusCreated, "create job"), &canceled)
	must(c.do(t, "POST", "/api/v1/jobs/"+strconv.FormatInt(canceled.ID, 10)+"/cancel", ""), http.StatusOK, "cancel job")

	for _, p := range []struct {
		path  string
		forms int // forms that post, the layout's logout form included
	}{
		{"/account", 2},
		{"/admin/users", 4}, // lock forms-root, lock forms-user, add, logout
		{"/admin/domains", 2},
		{"/admin/tokens", 4}, // revoke the fixture's token and forms-token, add, logout
		{"/admin/forwarding", 4},
		{"/admin/archive-purge", 2},
		{"/admin/settings", 2},
		{"/audit-logs", 4}, // export job, delete saved search, save search, logout
		{"/statistics", 1},
		{"/jobs", 1},
		{"/jobs/" + strconv.FormatInt(scheduled.ID, 10), 3}, // cancel, reschedule, logout
		{"/jobs/" + strconv.FormatInt(canceled.ID, 10), 2},  // retry, logout
		{"/login", 2},
	} {
		r := must(c.get(t, p.path), http.StatusOK, "GET "+p.path)
		n := 0
		for _, m := range csrfFormRE.FindAllStringSubmatch(r.body, -1) {
			if !strings.Contains(m[1], `method="post"`) {
				continue
			}
			n++
			want := token
			if strings.Contains(m[1], `action="/login"`) {
				u, _ := url.Parse(e.f.URL + "/login")
				lc := ""
				for _, k := range c.hc.Jar.Cookies(u) {
					if k.Name == server.LoginCookie {
						lc = k.Value
					}
				}
				want = auth.CSRFToken(lc)
			}
			f := csrfFieldRE.FindAllStringSubmatch(m[2], -1)
			if len(f) != 1 || f[0][1] != want {
				t.Errorf("%s: the form <form%s> carries %d csrf_token fields %v, want one with the token of the session", p.path, m[1], len(f), f)
			}
		}
		if n != p.forms {
			t.Errorf("%s: %d forms that post, want %d (a fixture is missing, or a form is new: add it here)", p.path, n, p.forms)
		}
	}
}
