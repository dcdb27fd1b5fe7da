package server_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/server"
	"github.com/logbookhq/logbook/internal/server/servertest"
	"github.com/logbookhq/logbook/internal/store"
)

// secClock is a clock the test moves by hand.
type secClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *secClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *secClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// secCheckEntry asserts what every access event entry holds.
func secCheckEntry(t *testing.T, en audit.Entry, user, ip string) {
	t.Helper()
	if en.UserName != user || en.UserIP != ip || en.Application != "Logbook" || en.Domain != audit.RootDomain {
		t.Errorf("entry %d %q: user %q ip %q application %q domain %q, want user %q ip %q application Logbook domain Global",
			en.ID, en.Task, en.UserName, en.UserIP, en.Application, en.Domain, user, ip)
	}
}

// secEntriesOf keeps the entries of one user.
func secEntriesOf(es []audit.Entry, user string) []audit.Entry {
	return slices.DeleteFunc(slices.Clone(es), func(e audit.Entry) bool { return e.UserName != user })
}

func secBasic(name, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(name+":"+password))
}

const secWrongLogin = "Wrong user name or password, or the account is locked."

func TestLockout(t *testing.T) {
	e := servertest.NewEnv(t, nil)
	e.AddUser("locky", []string{"user"}, audit.RootDomain)
	e.AddUser("root", []string{"super-admin"}, audit.RootDomain)

	open := e.Login(t, "locky", servertest.Password)
	c := e.Client()
	for i := range 4 {
		r := c.TryLogin(t, "locky", "wrong-password-"+strconv.Itoa(i))
		if r.Status != http.StatusUnauthorized || r.Cookie(server.SessionCookie) != nil || !strings.Contains(r.Body, secWrongLogin) {
			t.Fatalf("wrong password %d: got %d, want 401 with the login page saying so", i+1, r.Status)
		}
	}
	r := c.TryLogin(t, "locky", servertest.Password)
	if r.Status != http.StatusUnauthorized || r.Cookie(server.SessionCookie) != nil {
		t.Fatalf("the right password after 4 wrong ones: got %d, want 401 and no session", r.Status)
	}
	if !strings.Contains(r.Body, secWrongLogin) {
		t.Errorf("a locked account is answered unlike a wrong password:\n%s", r.Body)
	}
	if r := open.Get(t, "/account"); !r.IsLoginRedirect("/account") {
		t.Errorf("a session opened before the lockout still works (%d)", r.Status)
	}

	admin := e.Login(t, "root", servertest.Password)
	userState := func(t *testing.T) (locked bool, failed int) {
		t.Helper()
		r := admin.Get(t, "/api/v1/users")
		var body struct {
			Users []struct {
				Name         string `json:"name"`
				Locked       bool   `json:"locked"`
				FailedLogins int    `json:"failed_logins"`
			} `json:"users"`
		}
		r.Decode(t, &body)
		for _, u := range body.Users {
			if u.Name == "locky" {
				return u.Locked, u.FailedLogins
			}
		}
		t.Fatalf("GET /api/v1/users does not list locky:\n%s", r.Body)
		return false, 0
	}
	if locked, failed := userState(t); !locked || failed != 4 {
		t.Errorf("locky: locked %v after %d failed logins, want locked after 4", locked, failed)
	}
	if p := admin.Get(t, "/admin/users"); !regexp.MustCompile(`(?s)<tr data-user="locky">.*?Locked`).MatchString(p.Body) {
		t.Errorf("the users page does not show locky as Locked")
	}

	if r := admin.Do(t, "POST", "/api/v1/users/locky/unlock", ""); r.Status != http.StatusOK {
		t.Fatalf("unlock: got %d:\n%s", r.Status, r.Body)
	}
	if locked, failed := userState(t); locked || failed != 0 {
		t.Errorf("after unlocking: locked %v, %d failed logins", locked, failed)
	}
	e.Login(t, "locky", servertest.Password)

	failures := slices.DeleteFunc(secEntriesOf(e.Logs(t, "Login"), "locky"), func(e audit.Entry) bool { return e.Result != audit.ResultFailure })
	wantReasons := []string{"bad password.", "bad password.", "bad password.",
		"bad password; the account is now locked after 4 failed attempts.", "the account is locked."}
	if len(failures) != len(wantReasons) {
		t.Fatalf("%d Login Failure entries for locky, want %d", len(failures), len(wantReasons))
	}
	for i, en := range failures {
		secCheckEntry(t, en, "locky", "127.0.0.1")
		if !strings.HasSuffix(en.Description, "through the login page: "+wantReasons[i]) {
			t.Errorf("failure %d: %q, want the reason %q", i+1, en.Description, wantReasons[i])
		}
	}
	unlocks := e.Logs(t, "Unlock User")
	if len(unlocks) != 1 {
		t.Fatalf("%d Unlock User entries, want 1", len(unlocks))
	}
	secCheckEntry(t, unlocks[0], "root", "127.0.0.1")
	if len(unlocks[0].AffectedObjects) != 1 || unlocks[0].AffectedObjects[0].Name != "locky" {
		t.Errorf("the Unlock User entry names %+v, want user locky", unlocks[0].AffectedObjects)
	}
	if n := len(secEntriesOf(slices.DeleteFunc(e.Logs(t, "Login"), func(e audit.Entry) bool { return e.Result != audit.ResultSuccess }), "locky")); n != 2 {
		t.Errorf("%d Login Success entries for locky, want 2 (before the lockout and after the unlock)", n)
	}
}

func TestFailedLoginReasons(t *testing.T) {
	e := servertest.NewEnv(t, nil)
	e.AddUser("basic-user", []string{"audit-log-admin"}, audit.RootDomain)

	c := e.Client()
	unknown := c.TryLogin(t, "ghost", servertest.Password)
	if unknown.Status != http.StatusUnauthorized || !strings.Contains(unknown.Body, secWrongLogin) {
		t.Fatalf("unknown user: got %d", unknown.Status)
	}
	ghost := secEntriesOf(e.Logs(t, "Login"), "ghost")
	if len(ghost) != 1 || ghost[0].Result != audit.ResultFailure ||
		ghost[0].Description != "Login failed for user ghost through the login page: unknown user." {
		t.Fatalf("entries for an unknown user: %+v", ghost)
	}
	secCheckEntry(t, ghost[0], "ghost", "127.0.0.1")

	// HTTP Basic: a wrong password is refused like a failed login, counted
	// towards lockout and recorded; an unknown user is answered alike.
	bad := c.Do(t, "GET", "/api/v1/audit-logs", "", "Authorization", secBasic("basic-user", "not-the-password"))
	if bad.Status != http.StatusUnauthorized || !strings.HasPrefix(bad.Header.Get("WWW-Authenticate"), "Basic ") {
		t.Fatalf("Basic with a wrong password: got %d WWW-Authenticate %q", bad.Status, bad.Header.Get("WWW-Authenticate"))
	}
	if strings.Contains(bad.Body, "audit_logs") {
		t.Errorf("the refusal lists entries:\n%s", bad.Body)
	}
	noUser := c.Do(t, "GET", "/api/v1/audit-logs", "", "Authorization", secBasic("basic-ghost", "not-the-password"))
	if noUser.Status != bad.Status || noUser.Body != bad.Body {
		t.Errorf("Basic for an unknown user is answered %d %q, unlike a wrong password (%d %q)", noUser.Status, noUser.Body, bad.Status, bad.Body)
	}
	u, err := e.Store.GetUser(e.Ctx, "basic-user")
	if err != nil {
		t.Fatal(err)
	}
	if u.FailedLogins != 1 {
		t.Errorf("failed logins after a wrong Basic password: %d, want 1", u.FailedLogins)
	}
	logins := e.Logs(t, "Login")
	for user, reason := range map[string]string{"basic-user": "bad password", "basic-ghost": "unknown user"} {
		es := secEntriesOf(logins, user)
		if len(es) != 1 || es[0].Result != audit.ResultFailure ||
			es[0].Description != "Login failed for user "+user+" through HTTP Basic authentication: "+reason+"." {
			t.Errorf("entries for a failed Basic login of %s: %+v", user, es)
			continue
		}
		secCheckEntry(t, es[0], user, "127.0.0.1")
	}

	ok := c.Do(t, "GET", "/api/v1/audit-logs", "", "Authorization", secBasic("basic-user", servertest.Password))
	if ok.Status != http.StatusOK {
		t.Fatalf("Basic with the right password: got %d:\n%s", ok.Status, ok.Body)
	}
	if u, _ := e.Store.GetUser(e.Ctx, "basic-user"); u.FailedLogins != 0 {
		t.Errorf("failed logins after a right Basic password: %d, want 0", u.FailedLogins)
	}
	for _, h := range []string{"Basic !!!not-base64", "Token abc", "Bearer"} {
		if r := c.Do(t, "GET", "/api/v1/audit-logs", "", "Authorization", h); r.Status != http.StatusUnauthorized {
			t.Errorf("Authorization %q: got %d, want 401", h, r.Status)
		}
	}
}

func TestSessionExpiry(t *testing.T) {
	clock := &secClock{now: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)}
	e := servertest.NewEnv(t, func(o *server.Options) { o.Auth.Now = clock.Now })
	idle, maxAge := server.DefaultOptions().Auth.SessionIdle, server.DefaultOptions().Auth.SessionMax
	e.AddUser("sleepy", []string{"user"}, audit.RootDomain)
	e.AddUser("marathon", []string{"user"}, audit.RootDomain)

	expired := func(t *testing.T, user string) []audit.Entry {
		t.Helper()
		return secEntriesOf(e.Logs(t, "Session Expired"), user)
	}
	signedIn := func(t *testing.T, c *servertest.Client, at string) {
		t.Helper()
		if r := c.Get(t, "/account"); r.Status != http.StatusOK {
			t.Fatalf("%s: got %d Location %q, want the page", at, r.Status, r.Header.Get("Location"))
		}
	}
	signedOut := func(t *testing.T, c *servertest.Client, at string) {
		t.Helper()
		if r := c.Get(t, "/account"); !r.IsLoginRedirect("/account") {
			t.Fatalf("%s: got %d Location %q, want a redirect to the login page", at, r.Status, r.Header.Get("Location"))
		}
	}

	t.Run("idle", func(t *testing.T) {
		c := e.Login(t, "sleepy", servertest.Password)
		// Activity keeps the session open past SessionIdle in total.
		clock.advance(idle - time.Minute)
		signedIn(t, c, "idle just under the limit")
		clock.advance(idle - time.Minute)
		signedIn(t, c, "idle just under the limit again")
		if n := len(expired(t, "sleepy")); n != 0 {
			t.Fatalf("%d Session Expired entries while the session was in use", n)
		}
		clock.advance(idle + time.Second)
		signedOut(t, c, "idle past the limit")
		es := expired(t, "sleepy")
		if len(es) != 1 || !strings.Contains(es[0].Description, "idle for too long") {
			t.Fatalf("Session Expired entries: %+v, want one saying idle for too long", es)
		}
		secCheckEntry(t, es[0], "sleepy", "127.0.0.1")
		if !es[0].Timestamp.Equal(clock.Now()) {
			t.Errorf("the entry is stamped %v, want the clock's %v", es[0].Timestamp, clock.Now())
		}
		// The session is gone: coming back is no new expiry.
		signedOut(t, c, "later")
		if n := len(expired(t, "sleepy")); n != 1 {
			t.Errorf("%d Session Expired entries after a second visit, want 1", n)
		}
	})

	t.Run("absolute", func(t *testing.T) {
		c := e.Login(t, "marathon", servertest.Password)
		step := idle - 5*time.Minute
		var open time.Duration
		for open+step <= maxAge {
			clock.advance(step)
			open += step
			signedIn(t, c, "open for "+open.String())
		}
		clock.advance(step)
		signedOut(t, c, "open for "+(open+step).String())
		es := expired(t, "marathon")
		if len(es) != 1 || !strings.Contains(es[0].Description, "open for too long") {
			t.Fatalf("Session Expired entries: %+v, want one saying open for too long", es)
		}
		secCheckEntry(t, es[0], "marathon", "127.0.0.1")
	})
}

func TestLogout(t *testing.T) {
	e := servertest.NewEnv(t, nil)
	e.AddUser("leaver", []string{"user"}, audit.RootDomain)
	c := e.Login(t, "leaver", servertest.Password)
	old := c.Cookie(server.SessionCookie, "/")
	if old == nil {
		t.Fatal("no session cookie after login")
	}

	r := c.Do(t, "POST", "/logout", "")
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("logout: got %d Location %q, want 303 to /login", r.Status, r.Header.Get("Location"))
	}
	if ck := r.Cookie(server.SessionCookie); ck == nil || ck.MaxAge >= 0 || ck.Value != "" {
		t.Errorf("logout does not delete the session cookie: %+v", ck)
	}
	// A stolen copy of the cookie is worth nothing now.
	replay := e.Client()
	replay.SetCookie(old.Name, old.Value)
	if r := replay.Get(t, "/account"); !r.IsLoginRedirect("/account") {
		t.Errorf("the old cookie after logout: got %d, want a redirect to the login page", r.Status)
	}
	if r := replay.Get(t, "/api/v1/users"); r.Status != http.StatusUnauthorized {
		t.Errorf("the old cookie on the API after logout: got %d, want 401", r.Status)
	}
	es := e.Logs(t, "Logout")
	if len(es) != 1 || es[0].Description != "User leaver logged out." {
		t.Fatalf("Logout entries: %+v", es)
	}
	secCheckEntry(t, es[0], "leaver", "127.0.0.1")

	// Signing out again, or without a session, records nothing.
	replay.Do(t, "POST", "/logout", "")
	e.Client().Do(t, "POST", "/logout", "")
	if n := len(e.Logs(t, "Logout")); n != 1 {
		t.Errorf("%d Logout entries after logouts without a session, want 1", n)
	}
}

func TestCSRF(t *testing.T) {
	e := servertest.NewEnv(t, nil)
	e.AddUser("csrf-admin", []string{"user-admin"}, audit.RootDomain)
	e.AddUser("csrf-target", []string{"user"}, audit.RootDomain)
	c := e.Login(t, "csrf-admin", servertest.Password)
	cross := []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}
	newUser := func(name string) string {
		return url.Values{"name": {name}, "password": {servertest.Password}, "roles": {"user"}, "domains": {"Global"}}.Encode()
	}
	exists := func(t *testing.T, name string) bool {
		t.Helper()
		_, err := e.Store.GetUser(e.Ctx, name)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	locked := func(t *testing.T) bool {
		t.Helper()
		u, err := e.Store.GetUser(e.Ctx, "csrf-target")
		if err != nil {
			t.Fatal(err)
		}
		return u.Locked
	}

	t.Run("cross-site", func(t *testing.T) {
		if r := c.Do(t, "POST", "/admin/users", newUser("csrf-cross"), cross...); r.Status != http.StatusForbidden {
			t.Errorf("POST /admin/users: got %d, want 403", r.Status)
		}
		if exists(t, "csrf-cross") {
			t.Error("a cross-site form created a user")
		}
		// Without Sec-Fetch-Site, a foreign Origin alone is refused too.
		if r := c.Do(t, "POST", "/admin/users", newUser("csrf-origin"), "Origin", "https://evil.example"); r.Status != http.StatusForbidden {
			t.Errorf("POST /admin/users from a foreign Origin: got %d, want 403", r.Status)
		}
		if exists(t, "csrf-origin") {
			t.Error("a form from a foreign Origin created a user")
		}
		if r := c.Do(t, "PATCH", "/api/v1/users/csrf-target", `{"locked":true}`, cross...); r.Status != http.StatusForbidden {
			t.Errorf("PATCH /api/v1/users with the session cookie: got %d, want 403", r.Status)
		}
		if locked(t) {
			t.Error("a cross-site PATCH locked the user")
		}
		if r := c.Do(t, "POST", "/logout", "", cross...); r.Status != http.StatusForbidden {
			t.Errorf("POST /logout: got %d, want 403", r.Status)
		}
		if r := c.Get(t, "/account"); r.Status != http.StatusOK {
			t.Errorf("after a cross-site logout the session is gone (%d)", r.Status)
		}
		if n := len(e.Logs(t, "Logout")) + len(e.Logs(t, "Add User")) + len(e.Logs(t, "Lock User")); n != 2 {
			// The two users of the set-up only.
			t.Errorf("refused cross-site requests recorded %d access entries", n-2)
		}
	})

	t.Run("same-origin", func(t *testing.T) {
		if r := c.Do(t, "POST", "/admin/users", newUser("csrf-plain")); r.Status != http.StatusSeeOther || !exists(t, "csrf-plain") {
			t.Errorf("POST /admin/users without fetch metadata: got %d", r.Status)
		}
		if r := c.Do(t, "POST", "/admin/users", newUser("csrf-same"), "Sec-Fetch-Site", "same-origin", "Origin", e.URL); r.Status != http.StatusSeeOther || !exists(t, "csrf-same") {
			t.Errorf("POST /admin/users same-origin: got %d", r.Status)
		}
		if r := c.Do(t, "PATCH", "/api/v1/users/csrf-target", `{"locked":true}`, "Sec-Fetch-Site", "same-origin"); r.Status != http.StatusOK || !locked(t) {
			t.Errorf("PATCH /api/v1/users same-origin: got %d:\n%s", r.Status, r.Body)
		}
		if r := c.Do(t, "POST", "/logout", "", "Sec-Fetch-Site", "same-origin"); r.Status != http.StatusSeeOther {
			t.Errorf("POST /logout same-origin: got %d", r.Status)
		}
		if r := c.Get(t, "/account"); !r.IsLoginRedirect("/account") {
			t.Errorf("after a same-origin logout: got %d", r.Status)
		}
	})
}

func TestTokenScopes(t *testing.T) {
	e := servertest.NewEnv(t, nil)
	e.AddUser("token-admin", []string{"user-admin"}, audit.RootDomain)
	ingestTok := e.AddToken("scope-ingest", []string{"ingest"}, audit.RootDomain)
	readTok := e.AddToken("scope-read", []string{"read"}, audit.RootDomain)
	unused := e.AddToken("scope-unused", []string{"read"}, audit.RootDomain)
	ingest, read := e.TokenClient(ingestTok.Secret), e.TokenClient(readTok.Secret)
	admin := e.TokenClient(e.AdminToken)
	const entry = `{"user_name":"scoped","application":"REST","task":"Scope Probe","result":"Success"}`
	ids := e.Seed(audit.Entry{UserName: "scope-seed"})
	one := "/api/v1/audit-logs/" + strconv.FormatInt(ids[0], 10)

	ingestAs, readAs := servertest.Token("scope-ingest"), servertest.Token("scope-read")
	servertest.Run(t, e, []servertest.Scenario{
		{Identity: ingestAs, Method: "POST", URL: "/api/v1/audit-logs", Body: entry, ExpectedStatus: 201},
		{Identity: ingestAs, URL: "/api/v1/audit-logs", ExpectedStatus: 403, NotExpectedContent: []string{"scope-seed"}},
		{Identity: ingestAs, URL: one, ExpectedStatus: 403, NotExpectedContent: []string{"scope-seed"}},
		{Identity: ingestAs, URL: "/api/v1/tokens", ExpectedStatus: 403, NotExpectedContent: []string{"scope-unused"}},
		{Identity: readAs, URL: "/api/v1/audit-logs", ExpectedStatus: 200},
		{Identity: readAs, URL: one, ExpectedStatus: 200, ExpectedContent: []string{"scope-seed"}},
		{Identity: readAs, Method: "POST", URL: "/api/v1/audit-logs", Body: entry, ExpectedStatus: 403},
		{Identity: readAs, Method: "POST", URL: "/api/v1/tokens", Body: `{"name":"escalate","scopes":["admin"],"domains":["Global"]}`, ExpectedStatus: 403},
	})
	if n := e.Count(t, "scoped"); n != 1 {
		t.Errorf("%d entries stored, want the ingest token's 1", n)
	}

	type tokenRow struct {
		Name       string `json:"name"`
		LastUsedAt string `json:"last_used_at"`
		RevokedAt  string `json:"revoked_at"`
		Secret     string `json:"secret"`
	}
	tokens := func(t *testing.T) map[string]tokenRow {
		t.Helper()
		var l struct {
			Tokens []tokenRow `json:"tokens"`
		}
		admin.Get(t, "/api/v1/tokens").Decode(t, &l)
		out := map[string]tokenRow{}
		for _, tok := range l.Tokens {
			if tok.Secret != "" {
				t.Errorf("the token list shows the secret of %s", tok.Name)
			}
			out[tok.Name] = tok
		}
		return out
	}
	used := tokens(t)
	for _, name := range []string{"scope-ingest", "scope-read"} {
		if used[name].LastUsedAt == "" {
			t.Errorf("token %s was used but has no last_used_at", name)
		}
	}
	if v := used["scope-unused"].LastUsedAt; v != "" {
		t.Errorf("an unused token has last_used_at %q", v)
	}

	t.Run("revoked through the API", func(t *testing.T) {
		// The ingest token was just recognised, so it is in the cache.
		if r := admin.Do(t, "DELETE", "/api/v1/tokens/"+strconv.FormatInt(ingestTok.ID, 10), ""); r.Status != http.StatusOK {
			t.Fatalf("revoke: got %d:\n%s", r.Status, r.Body)
		}
		r := ingest.Do(t, "POST", "/api/v1/audit-logs", entry)
		if r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("the revoked token: got %d, want 401 with a challenge", r.Status)
		}
		if tokens(t)["scope-ingest"].RevokedAt == "" {
			t.Error("the revoked token has no revoked_at")
		}
		if r := admin.Do(t, "DELETE", "/api/v1/tokens/99999", ""); r.Status != http.StatusNotFound {
			t.Errorf("revoking a missing token: got %d, want 404", r.Status)
		}
	})
	t.Run("revoked on the tokens page", func(t *testing.T) {
		if r := read.Get(t, "/api/v1/audit-logs"); r.Status != http.StatusOK {
			t.Fatalf("before: got %d", r.Status)
		}
		page := e.Login(t, "token-admin", servertest.Password)
		if r := page.Do(t, "POST", "/admin/tokens/"+strconv.FormatInt(readTok.ID, 10)+"/revoke", ""); r.Status != http.StatusSeeOther {
			t.Fatalf("revoke: got %d", r.Status)
		}
		if r := read.Get(t, "/api/v1/audit-logs"); r.Status != http.StatusUnauthorized {
			t.Errorf("the revoked token: got %d, want 401", r.Status)
		}
		if r := e.TokenClient(unused.Secret).Get(t, "/api/v1/audit-logs"); r.Status != http.StatusOK {
			t.Errorf("another token after a revocation: got %d, want 200", r.Status)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		if r := e.TokenClient("lbk_not-a-token").Get(t, "/api/v1/audit-logs"); r.Status != http.StatusUnauthorized {
			t.Errorf("an unknown token: got %d, want 401", r.Status)
		}
	})
}

// TestTokenCacheBound checks that a token revoked behind the service's
// back (by another replica) stops working once the cache entry expires.
func TestTokenCacheBound(t *testing.T) {
	clock := &secClock{now: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)}
	e := servertest.NewEnv(t, func(o *server.Options) { o.Auth.Now = clock.Now })
	tok := e.AddToken("replica", []string{"read"}, audit.RootDomain)
	c := e.TokenClient(tok.Secret)
	if r := c.Get(t, "/api/v1/audit-logs"); r.Status != http.StatusOK {
		t.Fatalf("got %d", r.Status)
	}
	if err := e.Store.RevokeToken(e.Ctx, tok.ID, clock.Now()); err != nil {
		t.Fatal(err)
	}
	clock.advance(6 * time.Second)
	if r := c.Get(t, "/api/v1/audit-logs"); r.Status != http.StatusUnauthorized {
		t.Errorf("6 s after a revocation elsewhere: got %d, want 401", r.Status)
	}
}

func TestTrustedProxies(t *testing.T) {
	loginIPs := func(t *testing.T, e *servertest.Env, user string) []string {
		t.Helper()
		var ips []string
		for _, en := range secEntriesOf(e.Logs(t, "Login"), user) {
			ips = append(ips, en.UserIP)
		}
		return ips
	}

	t.Run("trusted", func(t *testing.T) {
		e := servertest.NewEnv(t, func(o *server.Options) {
			o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		})
		e.AddUser("proxied", []string{"user"}, audit.RootDomain)
		c := e.Client()
		if r := c.TryLogin(t, "proxied", servertest.Password, "X-Forwarded-For", "203.0.113.9"); r.Status != http.StatusSeeOther {
			t.Fatalf("login: got %d", r.Status)
		}
		// The last hop that is not a trusted proxy is the client; what
		// it claims before that could be made up.
		c.TryLogin(t, "proxied", "not-the-password", "X-Forwarded-For", "198.51.100.1, 203.0.113.10, 127.0.0.1")
		if got, want := loginIPs(t, e, "proxied"), []string{"203.0.113.9", "203.0.113.10"}; !slices.Equal(got, want) {
			t.Errorf("recorded user_ip %q, want %q", got, want)
		}
	})
	t.Run("untrusted", func(t *testing.T) {
		e := servertest.NewEnv(t, nil)
		e.AddUser("direct", []string{"user"}, audit.RootDomain)
		if r := e.Client().TryLogin(t, "direct", servertest.Password, "X-Forwarded-For", "203.0.113.9"); r.Status != http.StatusSeeOther {
			t.Fatalf("login: got %d", r.Status)
		}
		if got := loginIPs(t, e, "direct"); !slices.Equal(got, []string{"127.0.0.1"}) {
			t.Errorf("recorded user_ip %q, want the peer 127.0.0.1", got)
		}
	})
}

func TestLoginRateLimit(t *testing.T) {
	perMinute := server.DefaultOptions().Auth.LoginsPerMinute
	e := servertest.NewEnv(t, func(o *server.Options) { o.Auth.LoginsPerMinute = perMinute })
	e.AddUser("limited", []string{"audit-log-admin"}, audit.RootDomain)
	c := e.Client()
	loginEntries := func(t *testing.T) int { t.Helper(); return len(e.Logs(t, "Login")) }

	start := time.Now()
	accepted := 0
	var refused servertest.Response
	for range 3 * perMinute {
		r := c.TryLogin(t, "nobody", "not-the-password")
		if r.Status == http.StatusTooManyRequests {
			refused = r
			break
		}
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: got %d", accepted+1, r.Status)
		}
		accepted++
	}
	// The limiter refills one attempt every 60/perMinute seconds; a slow
	// machine may have earned a few during the burst.
	refill := time.Duration(float64(time.Minute) / float64(perMinute))
	if most := perMinute + int(time.Since(start)/refill); accepted < perMinute || accepted > most {
		t.Fatalf("%d attempts let through before a 429, want %d to %d", accepted, perMinute, most)
	}
	if !strings.Contains(refused.Body, "too many sign-in attempts") || refused.Cookie(server.SessionCookie) != nil {
		t.Errorf("the 429 page does not say why:\n%s", refused.Body)
	}
	if n := loginEntries(t); n != accepted {
		t.Errorf("%d Login entries for %d attempts let through", n, accepted)
	}

	// Whatever the credentials and the way in, the address is held back.
	// At most one attempt can have been refilled in the meantime.
	before := loginEntries(t)
	passed := 0
	if r := c.TryLogin(t, "limited", servertest.Password); r.Status != http.StatusTooManyRequests {
		passed++
	} else if r.Cookie(server.SessionCookie) != nil {
		t.Error("a refused login opened a session")
	}
	if r := c.Do(t, "GET", "/api/v1/audit-logs", "", "Authorization", secBasic("limited", "not-the-password")); r.Status != http.StatusTooManyRequests {
		passed++
	} else if r.Header.Get("Retry-After") == "" {
		t.Error("a 429 to HTTP Basic has no Retry-After")
	}
	if passed > 1 {
		t.Errorf("%d of 2 attempts right after a 429 were let through", passed)
	}
	if n := loginEntries(t) - before; n != passed {
		t.Errorf("refused attempts recorded %d Login entries", n-passed)
	}
}

func TestUserAdminCannotEscalate(t *testing.T) {
	e := servertest.NewEnv(t, nil)
	e.AddDomain("Global/EMEA", false)
	e.AddDomain("Global/APAC", false)
	e.AddUser("emea-uadmin", []string{"user-admin"}, "Global/EMEA")
	e.AddUser("emea-member", []string{"user"}, "Global/EMEA")
	for _, n := range []string{"root-roles", "root-password", "root-lock", "root-ui-lock"} {
		e.AddUser(n, []string{"super-admin"}, audit.RootDomain)
	}
	c := e.Login(t, "emea-uadmin", servertest.Password)
	newUser := func(name, role, domain string) string {
		return `{"name":"` + name + `","password":"` + servertest.Password + `","roles":["` + role + `"],"domains":["` + domain + `"]}`
	}
	exists := func(name string) bool { _, err := e.Store.GetUser(e.Ctx, name); return err == nil }

	t.Run("create", func(t *testing.T) {
		for _, tc := range []struct{ name, role, domain, field string }{
			{"evil-super", "super-admin", "Global/EMEA", "roles"},
			{"evil-apac", "user", "Global/APAC", "domains"},
			{"evil-global", "audit-log-admin", "Global", "domains"},
		} {
			r := c.Do(t, "POST", "/api/v1/users", newUser(tc.name, tc.role, tc.domain))
			if r.Status != http.StatusBadRequest || !slices.Contains(r.Fields(t), tc.field) {
				t.Errorf("create %s (%s in %s): got %d, want 400 naming %s:\n%s", tc.name, tc.role, tc.domain, r.Status, tc.field, r.Body)
			}
			if exists(tc.name) {
				t.Errorf("user %s was created", tc.name)
			}
		}
		form := url.Values{"name": {"evil-ui"}, "password": {servertest.Password}, "roles": {"super-admin"}, "domains": {"Global/EMEA"}}
		if r := c.Do(t, "POST", "/admin/users", form.Encode()); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "super-admin role") {
			t.Errorf("the form for a super-admin: got %d", r.Status)
		}
		if exists("evil-ui") {
			t.Error("user evil-ui was created through the form")
		}
		// What is within reach works, so the refusals above are about reach.
		if r := c.Do(t, "POST", "/api/v1/users", newUser("emea-new", "audit-log-admin", "Global/EMEA")); r.Status != http.StatusCreated {
			t.Errorf("create a user in Global/EMEA: got %d:\n%s", r.Status, r.Body)
		}
	})

	t.Run("modify within reach", func(t *testing.T) {
		for _, tc := range []struct{ body, field string }{
			{`{"roles":["super-admin"]}`, "roles"},
			{`{"domains":["Global"]}`, "domains"},
			{`{"domains":["Global/APAC"]}`, "domains"},
		} {
			r := c.Do(t, "PATCH", "/api/v1/users/emea-member", tc.body)
			if r.Status != http.StatusBadRequest || !slices.Contains(r.Fields(t), tc.field) {
				t.Errorf("PATCH emea-member %s: got %d, want 400 naming %s:\n%s", tc.body, r.Status, tc.field, r.Body)
			}
		}
		if u, _ := e.Store.GetUser(e.Ctx, "emea-member"); !slices.Equal(u.Roles, []string{"user"}) || !slices.Equal(u.Domains, []string{"Global/EMEA"}) {
			t.Errorf("emea-member changed: roles %v domains %v", u.Roles, u.Domains)
		}
	})

	t.Run("modify a Global super-admin", func(t *testing.T) {
		changed := func(t *testing.T, name string, before store.User) bool {
			t.Helper()
			after, err := e.Store.GetUser(e.Ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			return after.PasswordHash != before.PasswordHash || after.Locked != before.Locked ||
				!slices.Equal(after.Roles, before.Roles) || !slices.Equal(after.Domains, before.Domains)
		}
		for _, tc := range []struct {
			user, method, path, body string
			bug                      string
		}{
			{user: "root-roles", method: "PATCH", path: "/api/v1/users/root-roles", body: `{"roles":["user"]}`},
			{user: "root-password", method: "PATCH", path: "/api/v1/users/root-password", body: `{"password":"taken-over-password"}`,
				bug: "a User Administrator of Global/EMEA sets the password of a Global Super Administrator (PATCH /api/v1/users/{name} {\"password\":...} answers 200): accounts.Service.UpdateUser calls checkUserReach only when roles or domains change"},
			{user: "root-lock", method: "PATCH", path: "/api/v1/users/root-lock", body: `{"locked":true}`,
				bug: "a User Administrator of Global/EMEA locks a Global Super Administrator (PATCH {\"locked\":true} answers 200): accounts.Service.UpdateUser calls checkUserReach only when roles or domains change"},
			{user: "root-ui-lock", method: "POST", path: "/admin/users/root-ui-lock/lock",
				bug: "a User Administrator of Global/EMEA locks a Global Super Administrator from the users page (POST /admin/users/{name}/lock answers 303): accounts.Service.UpdateUser calls checkUserReach only when roles or domains change"},
		} {
			t.Run(tc.user, func(t *testing.T) {
				before, err := e.Store.GetUser(e.Ctx, tc.user)
				if err != nil {
					t.Fatal(err)
				}
				r := c.Do(t, tc.method, tc.path, tc.body)
				if tc.bug != "" && r.Status < 400 && changed(t, tc.user, before) {
					t.Fatal(tc.bug)
				}
				if r.Status != http.StatusBadRequest && r.Status != http.StatusForbidden {
					t.Errorf("got %d, want a refusal (400 or 403):\n%.500s", r.Status, r.Body)
				}
				if strings.HasPrefix(tc.path, "/api/") && r.Status == http.StatusBadRequest && !slices.Contains(r.Fields(t), "name") {
					t.Errorf("the refusal does not name the user: %s", r.Body)
				}
				if changed(t, tc.user, before) {
					t.Errorf("%s changed", tc.user)
				}
			})
		}
	})

	t.Run("domains", func(t *testing.T) {
		if r := c.Do(t, "POST", "/api/v1/domains", `{"name":"Global/EMEA/Lab"}`); r.Status != http.StatusCreated {
			t.Errorf("a domain below Global/EMEA: got %d:\n%s", r.Status, r.Body)
		}
		r := c.Do(t, "POST", "/api/v1/domains", `{"name":"Global/APAC/Rogue"}`)
		if r.Status < 400 && e.Server.Auth.Tree().Exists("Global/APAC/Rogue") {
			t.Fatal("a User Administrator of Global/EMEA creates domain Global/APAC/Rogue (POST /api/v1/domains answers 201): accounts.Service.CreateDomain does not check that the new domain is within the actor's domains")
		}
		if r.Status != http.StatusBadRequest && r.Status != http.StatusForbidden {
			t.Errorf("a domain below Global/APAC: got %d, want a refusal", r.Status)
		}
	})

	t.Run("tokens", func(t *testing.T) {
		r := c.Do(t, "POST", "/api/v1/tokens", `{"name":"emea-wide","scopes":["read"],"domains":["Global"]}`)
		if r.Status != http.StatusBadRequest || !slices.Contains(r.Fields(t), "domains") {
			t.Errorf("a token bound to Global: got %d, want 400 naming domains:\n%s", r.Status, r.Body)
		}
		global := e.AddToken("global-ingest", []string{"ingest"}, audit.RootDomain)
		r = c.Do(t, "DELETE", "/api/v1/tokens/"+strconv.FormatInt(global.ID, 10), "")
		if r.Status < 400 {
			t.Fatal("a User Administrator of Global/EMEA revokes a token bound to Global (DELETE /api/v1/tokens/{id} answers 200): accounts.Service.RevokeToken does not check the token's domains against the actor's")
		}
		if r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
			t.Errorf("revoking a token bound to Global: got %d, want 403 or 404", r.Status)
		}
	})
}

// TestLoginNextStaysOnSite checks that the page a login returns to is on
// this site, however the next parameter is disguised. Browsers drop tabs
// and line breaks from URLs, so "/\t/evil.example" means "//evil.example".
func TestLoginNextStaysOnSite(t *testing.T) {
	e := servertest.NewEnv(t, nil)
	e.AddUser("traveller", []string{"user"}, audit.RootDomain)
	location := func(t *testing.T, next string) string {
		t.Helper()
		form := url.Values{"name": {"traveller"}, "password": {servertest.Password}, "next": {next}}
		req, err := http.NewRequest("POST", e.URL+"/login", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: server.LoginCookie, Value: "login-next-test"})
		req.Header.Set(accounts.CSRFHeader, accounts.CSRFToken("login-next-test"))
		// The transport, unlike a client, hands back a Location that does
		// not parse, which is what a browser would be given.
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: got %d", resp.StatusCode)
		}
		return resp.Header.Get("Location")
	}
	if got := location(t, "/audit-logs?user_name=x"); got != "/audit-logs?user_name=x" {
		t.Errorf("a page of this site: Location %q", got)
	}
	for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example/", "/\r\n/evil.example/", "/login?next=/x", "/\t/evil.example/"} {
		t.Run(strconv.Quote(next), func(t *testing.T) {
			loc := location(t, next)
			asBrowser := strings.Map(func(r rune) rune {
				if r == '\t' || r == '\n' || r == '\r' {
					return -1
				}
				return r
			}, loc)
			if !strings.HasPrefix(asBrowser, "/") || strings.HasPrefix(asBrowser, "//") || strings.HasPrefix(asBrowser, "/\\") {
				if strings.Contains(next, "\t") {
					t.Fatal("POST /login with next=\"/\\t/evil.example/\" redirects to Location \"/\\t/evil.example/\", which browsers read as //evil.example/: web.safeNext refuses \\ \\r \\n but not a tab (or other control characters)")
				}
				t.Errorf("next %q: Location %q leaves the site", next, loc)
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := servertest.NewEnv(t, nil)
	e.AddUser("headers", []string{"super-admin"}, audit.RootDomain)
	anon := e.Client()
	admin := e.TokenClient(e.AdminToken)
	c := e.Client()
	login := c.TryLogin(t, "headers", servertest.Password)

	answers := map[string]servertest.Response{
		"login page":         anon.Get(t, "/login"),
		"audit log page":     c.Get(t, "/audit-logs"),
		"API answer":         admin.Get(t, "/api/v1/audit-logs"),
		"API refusal":        anon.Get(t, "/api/v1/audit-logs"),
		"bad token":          e.TokenClient("lbk_nope").Get(t, "/api/v1/audit-logs"),
		"login redirect":     login,
		"unknown API path":   admin.Get(t, "/api/v1/nothing"),
		"404 page":           c.Get(t, "/audit-logs/99999"),
		"static file absent": anon.Get(t, "/static/none.js"),
	}
	scriptTag := regexp.MustCompile(`<script\b[^>]*>`)
	for name, r := range answers {
		csp := r.Header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %s", name, csp, want)
			}
		}
		for _, bad := range []string{"unsafe-inline", "unsafe-eval", "*"} {
			if strings.Contains(csp, bad) {
				t.Errorf("%s: CSP %q allows %s", name, csp, bad)
			}
		}
		if v := r.Header.Get("X-Content-Type-Options"); v != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", name, v)
		}
		if v := r.Header.Get("Referrer-Policy"); !slices.Contains([]string{"same-origin", "no-referrer", "strict-origin", "strict-origin-when-cross-origin"}, v) {
			t.Errorf("%s: Referrer-Policy %q", name, v)
		}
		if v := r.Header.Get("X-Frame-Options"); v != "DENY" {
			t.Errorf("%s: X-Frame-Options %q", name, v)
		}
		// The pages work under the CSP: no inline scripts or handlers.
		for _, tag := range scriptTag.FindAllString(r.Body, -1) {
			if !strings.Contains(tag, ` src="`) {
				t.Errorf("%s: inline script %s", name, tag)
			}
		}
		if m := regexp.MustCompile(`\son[a-z]+="`).FindString(r.Body); m != "" {
			t.Errorf("%s: inline event handler %q", name, m)
		}
	}
	if r := answers["API answer"]; r.Status != 200 || r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("API answer: %d Cache-Control %q", r.Status, r.Header.Get("Cache-Control"))
	}
	if r := answers["audit log page"]; r.Status != 200 || r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("audit log page: %d Cache-Control %q", r.Status, r.Header.Get("Cache-Control"))
	}

	ck := login.Cookie(server.SessionCookie)
	if ck == nil {
		t.Fatalf("no session cookie: %d %v", login.Status, login.Header)
	}
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
		t.Errorf("session cookie HttpOnly %v SameSite %v Path %q, want HttpOnly, SameSite=Lax, Path /", ck.HttpOnly, ck.SameSite, ck.Path)
	}
	if raw := strings.Join(login.Header.Values("Set-Cookie"), "\n"); !strings.Contains(raw, "HttpOnly") || !strings.Contains(raw, "SameSite=Lax") {
		t.Errorf("Set-Cookie %q", raw)
	}
	if len(ck.Value) < 40 {
		t.Errorf("the session id %q is short", ck.Value)
	}
	out := c.Do(t, "POST", "/logout", "")
	if ck := out.Cookie(server.SessionCookie); ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
		t.Errorf("the logout cookie: %+v", ck)
	}
}

func TestPasswordChange(t *testing.T) {
	e := servertest.NewEnv(t, nil)
	e.AddUser("changer", []string{"user"}, audit.RootDomain)
	c := e.Login(t, "changer", servertest.Password)
	other := e.Login(t, "changer", servertest.Password)
	const next = "a-brand-new-passphrase"
	change := func(current, newPW, confirm string) servertest.Response {
		return c.Do(t, "POST", "/account/password", url.Values{"current_password": {current}, "new_password": {newPW}, "confirm_password": {confirm}}.Encode())
	}

	for _, tc := range []struct{ name, current, next, confirm, message string }{
		{"wrong current password", "not-the-password", next, next, "is not your current password"},
		{"confirmation differs", servertest.Password, next, next + "x", "differ"},
		{"too short", servertest.Password, "short", "short", "at least 12"},
	} {
		r := change(tc.current, tc.next, tc.confirm)
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, tc.message) {
			t.Errorf("%s: got %d, want 400 saying %q", tc.name, r.Status, tc.message)
		}
	}
	if r := c.Get(t, "/account"); r.Status != http.StatusOK {
		t.Fatalf("a refused change ended the session (%d)", r.Status)
	}
	if n := len(e.Logs(t, "Change Password")); n != 0 {
		t.Errorf("refused changes recorded %d Change Password entries", n)
	}

	r := change(servertest.Password, next, next)
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login?next=%2Faccount" {
		t.Fatalf("change: got %d Location %q, want 303 to the login page", r.Status, r.Header.Get("Location"))
	}
	for name, s := range map[string]*servertest.Client{"this session": c, "another session": other} {
		if r := s.Get(t, "/account"); !r.IsLoginRedirect("/account") {
			t.Errorf("%s after the change: got %d, want a redirect to the login page", name, r.Status)
		}
	}
	if r := e.Client().TryLogin(t, "changer", servertest.Password); r.Status != http.StatusUnauthorized {
		t.Errorf("the old password: got %d, want 401", r.Status)
	}
	e.Login(t, "changer", next)

	es := e.Logs(t, "Change Password")
	if len(es) != 1 {
		t.Fatalf("%d Change Password entries, want 1", len(es))
	}
	secCheckEntry(t, es[0], "changer", "127.0.0.1")
	page, err := e.Store.List(e.Ctx, store.AllDomains, store.Query{Sort: store.DefaultSort, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range page.Entries {
		if strings.Contains(en.Description+en.AffectedObjectDetail, next) || strings.Contains(en.Description+en.AffectedObjectDetail, servertest.Password) {
			t.Errorf("entry %d %q holds a password", en.ID, en.Task)
		}
	}
}
