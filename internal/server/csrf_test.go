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

	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/server"
	"github.com/logbookhq/logbook/internal/server/servertest"
)

// TestCSRFTokenGuardsCookieWrites checks the second guard behind
// http.CrossOriginProtection: a write authenticated by the session cookie
// and carrying no Origin or Sec-Fetch-Site header (which the first guard
// lets through) is refused without the session's token, whatever its
// Content-Type, and goes through with it; API tokens and HTTP Basic need
// none. The API answers JSON, the pages the error page.
func TestCSRFTokenGuardsCookieWrites(t *testing.T) {
	e := servertest.NewEnv(t, nil)
	e.AddUser("csrf-root", []string{"super-admin"}, audit.RootDomain)
	e.AddUser("csrf-victim", []string{"user"}, audit.RootDomain)
	c := e.Login(t, "csrf-root", servertest.Password)
	token := c.CSRFToken(t)
	other := e.Login(t, "csrf-root", servertest.Password).CSRFToken(t)
	noToken := []string{accounts.CSRFHeader, ""}
	locked := func(t *testing.T) bool {
		t.Helper()
		u, err := e.Store.GetUser(e.Ctx, "csrf-victim")
		if err != nil {
			t.Fatal(err)
		}
		return u.Locked
	}
	apiRefused := func(t *testing.T, what string, r servertest.Response) {
		t.Helper()
		var answer struct{ Error string }
		if r.Status != http.StatusForbidden || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s: got %d %q, want 403 JSON:\n%s", what, r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		r.Decode(t, &answer)
		if !strings.Contains(answer.Error, accounts.CSRFHeader) {
			t.Errorf("%s: the error %q does not name the %s header", what, answer.Error, accounts.CSRFHeader)
		}
		if locked(t) {
			t.Fatalf("%s locked the user", what)
		}
	}

	t.Run("API", func(t *testing.T) {
		const lock = `{"locked":true}`
		const path = "/api/v1/users/csrf-victim"
		apiRefused(t, "text/plain without a token", c.Do(t, "PATCH", path, lock, append(noToken, "Content-Type", "text/plain")...))
		apiRefused(t, "JSON without a token", c.Do(t, "PATCH", path, lock, noToken...))
		apiRefused(t, "JSON with another session's token", c.Do(t, "PATCH", path, lock, accounts.CSRFHeader, other))
		apiRefused(t, "JSON with the token in the query", c.Do(t, "PATCH", path+"?csrf_token="+url.QueryEscape(token), lock, noToken...))
		apiRefused(t, "a body-less POST without a token", c.Do(t, "POST", "/api/v1/users/csrf-victim/unlock", "", noToken...))
		for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", ""} {
			r := c.Do(t, "PATCH", path, lock, accounts.CSRFHeader, token, "Content-Type", ct)
			if r.Status != http.StatusUnsupportedMediaType || !strings.Contains(r.Body, "Content-Type must be application/json") || locked(t) {
				t.Fatalf("Content-Type %q with the token: got %d, want 415 naming Content-Type:\n%s", ct, r.Status, r.Body)
			}
		}
		if r := c.Do(t, "PATCH", path, lock, accounts.CSRFHeader, token); r.Status != http.StatusOK || !locked(t) {
			t.Fatalf("JSON with the token: got %d:\n%s", r.Status, r.Body)
		}
		// Credentials a browser never adds by itself need no token.
		if r := e.TokenClient(e.AdminToken).Do(t, "PATCH", path, `{"locked":false}`, noToken...); r.Status != http.StatusOK || locked(t) {
			t.Fatalf("an API token without a CSRF token: got %d:\n%s", r.Status, r.Body)
		}
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("csrf-root:"+servertest.Password))
		if r := e.Client().Do(t, "PATCH", path, lock, append(noToken, "Authorization", basic)...); r.Status != http.StatusOK || !locked(t) {
			t.Fatalf("HTTP Basic without a CSRF token: got %d:\n%s", r.Status, r.Body)
		}
	})

	t.Run("export job form", func(t *testing.T) {
		form := url.Values{"query": {"?format=csv"}}
		if r := c.Do(t, "POST", "/api/v1/audit-logs/export-jobs", form.Encode(), noToken...); r.Status != http.StatusForbidden {
			t.Errorf("the export form without its token: got %d, want 403", r.Status)
		}
		form.Set(accounts.CSRFField, token)
		if r := c.Do(t, "POST", "/api/v1/audit-logs/export-jobs", form.Encode(), noToken...); r.Status != http.StatusSeeOther ||
			!strings.HasPrefix(r.Header.Get("Location"), "/jobs/") {
			t.Errorf("the export form with its token: got %d Location %q:\n%s", r.Status, r.Header.Get("Location"), r.Body)
		}
	})

	t.Run("pages", func(t *testing.T) {
		exists := func(name string) bool { _, err := e.Store.GetUser(e.Ctx, name); return err == nil }
		form := url.Values{"name": {"csrf-new"}, "password": {servertest.Password}, "roles": {"user"}, "domains": {"Global"}}
		for _, tc := range []struct {
			what, token string
		}{{"without a token", ""}, {"with another session's token", other}} {
			f := form
			if tc.token != "" {
				f = url.Values{accounts.CSRFField: {tc.token}}
				for k, v := range form {
					f[k] = v
				}
			}
			r := c.Do(t, "POST", "/admin/users", f.Encode(), noToken...)
			if r.Status != http.StatusForbidden || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || !strings.Contains(r.Body, "Form expired") {
				t.Errorf("a form %s: got %d %q, want 403 with the error page:\n%.500s", tc.what, r.Status, r.Header.Get("Content-Type"), r.Body)
			}
			if exists("csrf-new") {
				t.Fatalf("a form %s created a user", tc.what)
			}
		}
		form.Set(accounts.CSRFField, token)
		if r := c.Do(t, "POST", "/admin/users", form.Encode(), noToken...); r.Status != http.StatusSeeOther || !exists("csrf-new") {
			t.Fatalf("a form with its token: got %d:\n%.500s", r.Status, r.Body)
		}
		if r := c.Do(t, "POST", "/logout", "", noToken...); r.Status != http.StatusForbidden {
			t.Errorf("logout without a token: got %d, want 403", r.Status)
		}
		if r := c.Get(t, "/account"); r.Status != http.StatusOK {
			t.Errorf("a refused logout ended the session (%d)", r.Status)
		}
	})

	t.Run("sign-in form", func(t *testing.T) {
		form := url.Values{"name": {"csrf-root"}, "password": {servertest.Password}, "next": {"/account"}}
		// Sent by hand: the client's helper would give it a login cookie.
		try := func(cookie, token string) servertest.Response {
			t.Helper()
			req, err := http.NewRequest("POST", e.URL+"/login", strings.NewReader(form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if cookie != "" {
				req.AddCookie(&http.Cookie{Name: server.LoginCookie, Value: cookie})
			}
			if token != "" {
				req.Header.Set(accounts.CSRFHeader, token)
			}
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return servertest.Response{Status: resp.StatusCode, Header: resp.Header, Body: string(b), Cookies: resp.Cookies()}
		}
		logins := len(e.Logs(t, "Login"))
		for _, tc := range []struct{ what, cookie, token string }{
			{"without the login cookie", "", accounts.CSRFToken("guess")},
			{"without a token", "login-secret", ""},
			{"with the token of another cookie", "login-secret", accounts.CSRFToken("other-secret")},
		} {
			r := try(tc.cookie, tc.token)
			if r.Status != http.StatusForbidden || r.Cookie(server.SessionCookie) != nil || !strings.Contains(r.Body, "sign-in form had expired") {
				t.Errorf("signing in %s: got %d, want 403 and no session:\n%.500s", tc.what, r.Status, r.Body)
			}
		}
		if n := len(e.Logs(t, "Login")); n != logins {
			t.Errorf("refused sign-in forms recorded %d Login entries", n-logins)
		}
		if r := try("login-secret", accounts.CSRFToken("login-secret")); r.Status != http.StatusSeeOther || r.Cookie(server.SessionCookie) == nil {
			t.Errorf("signing in with the login cookie's token: got %d:\n%.500s", r.Status, r.Body)
		}
		form.Set(accounts.CSRFField, accounts.CSRFToken("login-secret"))
		if r := try("login-secret", ""); r.Status != http.StatusSeeOther {
			t.Errorf("signing in with the token in the form: got %d:\n%.500s", r.Status, r.Body)
		}
		// The login page gives the cookie and puts its token in the form.
		a := e.Client()
		page := a.Get(t, "/login")
		var lc *http.Cookie
		for _, k := range page.Cookies {
			if k.Name == server.LoginCookie {
				lc = k
			}
		}
		if lc == nil || !lc.HttpOnly || lc.SameSite != http.SameSiteStrictMode || lc.Path != "/login" {
			t.Fatalf("the login page's cookie: %+v", lc)
		}
		if !strings.Contains(page.Body, `name="csrf_token" value="`+accounts.CSRFToken(lc.Value)+`"`) {
			t.Fatalf("the login form lacks the token of its cookie:\n%s", page.Body)
		}
		if again := a.Get(t, "/login"); len(again.Cookies) != 0 || !strings.Contains(again.Body, accounts.CSRFToken(lc.Value)) {
			t.Errorf("a second view of the login page replaces the cookie: %+v", again.Cookies)
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
	e := servertest.NewEnv(t, nil)
	e.AddUser("forms-root", []string{"super-admin"}, audit.RootDomain)
	e.AddUser("forms-user", []string{"user"}, audit.RootDomain)
	e.AddToken("forms-token", []string{"read"}, audit.RootDomain)
	e.Seed(audit.Entry{UserName: "alice"})
	c := e.Login(t, "forms-root", servertest.Password)
	token := c.CSRFToken(t)
	must := func(r servertest.Response, status int, what string) servertest.Response {
		t.Helper()
		if r.Status != status {
			t.Fatalf("%s: got %d, want %d:\n%.500s", what, r.Status, status, r.Body)
		}
		return r
	}
	must(c.Do(t, "POST", "/api/v1/forwarding-criteria", criterionJSON("forms-siem", closedPort(t))), http.StatusCreated, "create criterion")
	must(c.Do(t, "POST", "/audit-logs/saved", url.Values{"name": {"forms-search"}, "query": {"q=alice"}}.Encode()), http.StatusSeeOther, "save search")
	var scheduled, canceled struct{ ID int64 }
	must(c.Do(t, "POST", "/api/v1/jobs", `{"name":"later","job_type":"Backup","scheduled_start":"2030-01-01T00:00:00Z"}`), http.StatusCreated, "create job").Decode(t, &scheduled)
	must(c.Do(t, "POST", "/api/v1/jobs", `{"name":"dropped","job_type":"Backup","scheduled_start":"2030-01-01T00:00:00Z"}`), http.StatusCreated, "create job").Decode(t, &canceled)
	must(c.Do(t, "POST", "/api/v1/jobs/"+strconv.FormatInt(canceled.ID, 10)+"/cancel", ""), http.StatusOK, "cancel job")

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
		r := must(c.Get(t, p.path), http.StatusOK, "GET "+p.path)
		n := 0
		for _, m := range csrfFormRE.FindAllStringSubmatch(r.Body, -1) {
			if !strings.Contains(m[1], `method="post"`) {
				continue
			}
			n++
			want := token
			if strings.Contains(m[1], `action="/login"`) {
				u, _ := url.Parse(e.URL + "/login")
				lc := ""
				for _, k := range c.HTTP.Jar.Cookies(u) {
					if k.Name == server.LoginCookie {
						lc = k.Value
					}
				}
				want = accounts.CSRFToken(lc)
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
