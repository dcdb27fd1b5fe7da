package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/auth"
	"github.com/logbookhq/logbook/internal/server"
	"github.com/logbookhq/logbook/internal/server/servertest"
	"github.com/logbookhq/logbook/internal/store"
)

// secPassword is the password of every user the access tests create.
const secPassword = "correct-horse-battery"

// secEnv is a running server with helpers to set up users, domains,
// tokens and entries, and to read back what the audit log recorded.
type secEnv struct {
	t   *testing.T
	f   *servertest.Fixture
	ctx context.Context
}

// newSecEnv starts a server whose login limiter does not get in the way of
// tests that sign in often; change adjusts the options further.
func newSecEnv(t *testing.T, change func(*server.Options)) *secEnv {
	t.Helper()
	opts := server.DefaultOptions()
	opts.Auth.LoginsPerMinute = 10000
	if change != nil {
		change(&opts)
	}
	return &secEnv{t: t, f: servertest.New(t, servertest.Options{Server: &opts}), ctx: context.Background()}
}

var secActor = auth.Actor{Name: "test"}

func (e *secEnv) addDomain(name string, parentRead bool) {
	e.t.Helper()
	if _, err := e.f.Server.Auth.CreateDomain(e.ctx, secActor, auth.DomainView{Name: name, ParentRead: parentRead}); err != nil {
		e.t.Fatalf("create domain %s: %v", name, err)
	}
}

func (e *secEnv) addUser(name string, roles []string, domains ...string) {
	e.t.Helper()
	if _, err := e.f.Server.Auth.CreateUser(e.ctx, secActor, auth.NewUser{Name: name, Password: secPassword, Roles: roles, Domains: domains}); err != nil {
		e.t.Fatalf("create user %s: %v", name, err)
	}
}

func (e *secEnv) addToken(name string, scopes []string, domains ...string) auth.TokenView {
	e.t.Helper()
	tv, err := e.f.Server.Auth.CreateToken(e.ctx, secActor, access.Subject{}, auth.NewToken{Name: name, Scopes: scopes, Domains: domains})
	if err != nil {
		e.t.Fatalf("create token %s: %v", name, err)
	}
	return tv
}

// seed appends entries directly to the store, filling the required fields
// an entry leaves empty.
func (e *secEnv) seed(entries ...audit.Entry) []int64 {
	e.t.Helper()
	for i := range entries {
		secFill(&entries[i])
	}
	ids, err := e.f.Store.Append(e.ctx, entries)
	if err != nil {
		e.t.Fatal(err)
	}
	return ids
}

func secFill(en *audit.Entry) {
	if en.Timestamp.IsZero() {
		en.Timestamp = time.Now().UTC().Truncate(time.Microsecond)
	}
	if en.Domain == "" {
		en.Domain = audit.RootDomain
	}
	if en.Application == "" {
		en.Application = "Network Management Platform"
	}
	if en.Task == "" {
		en.Task = "Apply CLI Configlet"
	}
	if en.Result == "" {
		en.Result = audit.ResultSuccess
	}
	if en.Source == "" {
		en.Source = "test"
	}
}

// logs returns the recorded entries of one task, oldest first, whatever
// their domain.
func (e *secEnv) logs(t *testing.T, task string) []audit.Entry {
	t.Helper()
	page, err := e.f.Store.List(e.ctx, store.AllDomains, store.Query{Filter: store.Filter{Task: []store.Match{{Value: task}}},
		Sort: store.Sort{Field: store.SortID}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return page.Entries
}

// secClient is one browser or API client. It keeps cookies and never
// follows redirects, so that every answer can be checked as it is.
type secClient struct {
	base   string
	hc     *http.Client
	bearer string
}

func (e *secEnv) client() *secClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &secClient{base: e.f.URL, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (e *secEnv) tokenClient(secret string) *secClient {
	c := e.client()
	c.bearer = secret
	return c
}

// secResp is an answer read whole.
type secResp struct {
	status  int
	header  http.Header
	body    string
	cookies []*http.Cookie
}

// do sends one request. A body starting with { or [ is JSON, any other
// non-empty body a form; hdr are header name and value pairs.
func (c *secClient) do(t *testing.T, method, path, body string, hdr ...string) secResp {
	t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case strings.HasPrefix(body, "{"), strings.HasPrefix(body, "["):
		req.Header.Set("Content-Type", "application/json")
	case body != "":
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	// Writes carry the CSRF token a page's form would: the session's, or
	// on the sign-in form that of a login cookie (given to the client
	// here, as GET /login would). hdr may override it.
	if method != http.MethodGet && method != http.MethodHead {
		name := server.SessionCookie
		if p, _, _ := strings.Cut(path, "?"); p == "/login" {
			name = server.LoginCookie
			if !slices.ContainsFunc(c.hc.Jar.Cookies(req.URL), func(k *http.Cookie) bool { return k.Name == name }) {
				secret, _ := access.NewSessionID()
				c.hc.Jar.SetCookies(req.URL, []*http.Cookie{{Name: name, Value: secret, Path: "/login"}})
			}
		}
		for _, k := range c.hc.Jar.Cookies(req.URL) {
			if k.Name == name {
				req.Header.Set(auth.CSRFHeader, auth.CSRFToken(k.Value))
			}
		}
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return secResp{status: resp.StatusCode, header: resp.Header, body: string(b), cookies: resp.Cookies()}
}

func (c *secClient) get(t *testing.T, path string) secResp {
	t.Helper()
	return c.do(t, http.MethodGet, path, "")
}

// head sends a request for a stream that does not end and reads only the
// status line and headers, abandoning the stream; a refusal, which does
// end, is read whole.
func (c *secClient) head(t *testing.T, method, path string) secResp {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	r := secResp{status: resp.StatusCode, header: resp.Header}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		r.body = string(b)
	}
	return r
}

// tryLogin posts the login form.
func (c *secClient) tryLogin(t *testing.T, name, password string, hdr ...string) secResp {
	t.Helper()
	form := url.Values{"name": {name}, "password": {password}, "next": {"/account"}}
	return c.do(t, http.MethodPost, "/login", form.Encode(), hdr...)
}

// login signs a user in through the login form and returns the client
// holding the session cookie.
func (e *secEnv) login(t *testing.T, name, password string) *secClient {
	t.Helper()
	c := e.client()
	r := c.tryLogin(t, name, password)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/account" {
		t.Fatalf("login of %s: got %d Location %q, want 303 to /account; body:\n%s", name, r.status, r.header.Get("Location"), r.body)
	}
	if secSessionCookie(r.cookies) == nil {
		t.Fatalf("login of %s set no %s cookie", name, server.SessionCookie)
	}
	return c
}

func secSessionCookie(cs []*http.Cookie) *http.Cookie {
	for _, c := range cs {
		if c.Name == server.SessionCookie {
			return c
		}
	}
	return nil
}

// secDecode reads a JSON answer into v.
func secDecode(t *testing.T, r secResp, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("answer is not JSON (%v):\n%s", err, r.body)
	}
}

// secListing is the part of an audit log listing the tests look at.
type secListing struct {
	AuditLogs []struct {
		ID       int64  `json:"id"`
		UserName string `json:"user_name"`
		Domain   string `json:"domain"`
	} `json:"audit_logs"`
	Total int `json:"total"`
}

// secIsLoginRedirect reports whether r sends an anonymous viewer to sign in
// and come back to path.
func secIsLoginRedirect(r secResp, path string) bool {
	return r.status == http.StatusSeeOther && r.header.Get("Location") == "/login?next="+url.QueryEscape(path)
}

// TestAuthorizationMatrix sends every route of the API and the UI as every
// kind of caller and checks who is let through: anonymous callers are
// asked to authenticate (401 on the API, the login page for pages), the
// signed-in without the role get 403, and the refusals show nothing.
func TestAuthorizationMatrix(t *testing.T) {
	e := newSecEnv(t, nil)
	ids := e.seed(
		audit.Entry{UserName: "matrix-seed-alice", Description: "matrix secret one", JobID: 424242},
		audit.Entry{UserName: "matrix-seed-bob", Domain: audit.RootDomain, Description: "matrix secret two", JobID: 424242},
	)
	e.addUser("matrix-target", []string{"user"}, audit.RootDomain)
	// Tokens, users, criteria, purges and jobs of Global, Global/EMEA and
	// Global/APAC, listed at the end by administrators of Global/EMEA.
	scoped := newScopedWorld(t, e)

	roles := []string{"super-admin", "audit-log-admin", "job-admin", "user-admin", "user"}
	clients := map[string]*secClient{"anonymous": e.client()}
	for _, r := range roles {
		e.addUser("m-"+r, []string{r}, audit.RootDomain)
	}
	for _, r := range roles {
		clients[r] = e.login(t, "m-"+r, secPassword)
	}
	for _, sc := range []string{"ingest", "read", "admin"} {
		clients["token-"+sc] = e.tokenClient(e.addToken("m-"+sc, []string{sc}, audit.RootDomain).Secret)
	}
	subjects := append(append([]string{"anonymous"}, roles...), "token-ingest", "token-read", "token-admin")
	// Each subject revokes tokens of its own, so that an allowed revocation
	// is told apart from a missing token.
	victims := map[string][2]int64{}
	for _, s := range subjects {
		victims[s] = [2]int64{e.addToken("victim-api-"+s, []string{"read"}, audit.RootDomain).ID,
			e.addToken("victim-ui-"+s, []string{"read"}, audit.RootDomain).ID}
	}

	var (
		everyone  = subjects[1:]
		ingesters = []string{"super-admin", "token-ingest", "token-admin"}
		viewers   = []string{"super-admin", "audit-log-admin", "token-read", "token-admin"}
		managers  = []string{"super-admin", "user-admin", "token-admin"}
		public    = subjects
	)
	form := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	entryID := strconv.FormatInt(ids[0], 10)
	type route struct {
		method, path string
		page         bool                // a UI page: anonymous viewers are sent to sign in
		stream       bool                // an event stream: only the status is read
		body         func(string) string // a valid body for the subject, or nil
		allow        []string
		status       int // the answer to those allowed
		orStatus     int // another answer the handler may give them
	}
	routes := []route{
		{method: "POST", path: "/api/v1/audit-logs", allow: ingesters, status: 201, body: func(s string) string {
			return `{"user_name":"matrix-ingest-` + s + `","application":"REST","task":"Matrix Probe","result":"Success"}`
		}},
		{method: "GET", path: "/api/v1/audit-logs", allow: viewers, status: 200},
		{method: "GET", path: "/api/v1/audit-logs/" + entryID, allow: viewers, status: 200},
		{method: "GET", path: "/api/v1/users", allow: managers, status: 200},
		{method: "POST", path: "/api/v1/users", allow: managers, status: 201, body: func(s string) string {
			return `{"name":"api-` + s + `","password":"` + secPassword + `","roles":["user"],"domains":["Global"]}`
		}},
		{method: "PATCH", path: "/api/v1/users/matrix-target", allow: managers, status: 200, body: func(string) string { return `{"locked":false}` }},
		{method: "POST", path: "/api/v1/users/matrix-target/unlock", allow: managers, status: 200},
		{method: "GET", path: "/api/v1/domains", allow: managers, status: 200},
		{method: "POST", path: "/api/v1/domains", allow: managers, status: 201, body: func(s string) string { return `{"name":"Global/api ` + s + `"}` }},
		{method: "GET", path: "/api/v1/tokens", allow: managers, status: 200},
		{method: "POST", path: "/api/v1/tokens", allow: managers, status: 201, body: func(s string) string {
			return `{"name":"api-` + s + `","scopes":["read"],"domains":["Global"]}`
		}},
		{method: "DELETE", path: "/api/v1/tokens/{api-victim}", allow: managers, status: 200},
		// Unknown API paths answer 404 to anyone: there is nothing to protect.
		{method: "GET", path: "/api/v1/no-such-endpoint", allow: public, status: 404},

		{method: "GET", path: "/", page: true, allow: everyone, status: 302},
		{method: "GET", path: "/audit-logs", page: true, allow: viewers, status: 200},
		{method: "GET", path: "/audit-logs/" + entryID, page: true, allow: viewers, status: 200},
		{method: "GET", path: "/audit-logs/live?after=0", page: true, stream: true, allow: viewers, status: 200},
		// The job pages are for every signed-in user (plain users see their
		// own jobs); a job's audit logs show only to audit viewers.
		{method: "GET", path: "/jobs", page: true, allow: everyone, status: 200},
		{method: "GET", path: "/account", page: true, allow: everyone, status: 200},
		{method: "GET", path: "/admin/users", page: true, allow: managers, status: 200},
		{method: "POST", path: "/admin/users", page: true, allow: managers, status: 303, body: func(s string) string {
			return form("name", "ui-"+s, "password", secPassword, "roles", "user", "domains", "Global")
		}},
		{method: "POST", path: "/admin/users/matrix-target/lock", page: true, allow: managers, status: 303},
		{method: "POST", path: "/admin/users/matrix-target/unlock", page: true, allow: managers, status: 303},
		{method: "GET", path: "/admin/domains", page: true, allow: managers, status: 200},
		{method: "POST", path: "/admin/domains", page: true, allow: managers, status: 303, body: func(s string) string {
			return form("name", "Global/ui "+s)
		}},
		{method: "GET", path: "/admin/tokens", page: true, allow: managers, status: 200},
		{method: "POST", path: "/admin/tokens", page: true, allow: managers, status: 201, orStatus: 303, body: func(s string) string {
			return form("name", "ui-"+s, "scopes", "read", "domains", "Global")
		}},
		{method: "POST", path: "/admin/tokens/{ui-victim}/revoke", page: true, allow: managers, status: 303},
		// A wrong current password: the form is refused, not the caller.
		{method: "POST", path: "/account/password", page: true, allow: everyone, status: 400, body: func(string) string {
			return form("current_password", "not-the-password", "new_password", "a-new-password-1", "confirm_password", "a-new-password-1")
		}},

		{method: "GET", path: "/login", allow: public, status: 200},
		{method: "GET", path: "/healthz", allow: public, status: 200},
	}

	// What a refusal must never show: entries, their users and counts,
	// and the users, tokens and other managed objects an administrator
	// would see, by name.
	secrets := []string{"matrix-seed-alice", "matrix-seed-bob", "matrix secret", "matrix-target",
		`data-id="`, `"audit_logs"`, `"total"`, `id="total"`, `"users"`, `"tokens"`, "victim-",
		"scope-tok-", "scope-usr-", "scope-fwd-", "scope-purge-", "scope-exp-", "scope-saved-",
		"/audit-logs/" + entryID + "?", "/audit-logs/" + strconv.FormatInt(ids[1], 10) + "?"}

	for _, rt := range routes {
		for _, s := range subjects {
			path := strings.NewReplacer("{api-victim}", strconv.FormatInt(victims[s][0], 10),
				"{ui-victim}", strconv.FormatInt(victims[s][1], 10)).Replace(rt.path)
			t.Run(rt.method+" "+rt.path+"/"+s, func(t *testing.T) {
				c := clients[s]
				var r secResp
				if rt.stream {
					r = c.head(t, rt.method, path)
				} else {
					body := ""
					if rt.body != nil {
						body = rt.body(s)
					}
					r = c.do(t, rt.method, path, body)
				}
				allowed := slices.Contains(rt.allow, s)
				switch {
				case allowed && rt.path == "/account/password" && strings.HasPrefix(s, "token-"):
					// A token has no password: any refusal of the form will do.
					if r.status == http.StatusInternalServerError {
						t.Fatal("POST /account/password with an API token answers 500: auth.ChangeOwnPassword looks up a user named after the token, gets store.ErrNotFound, and web.changePassword maps it to a server error; want a 4xx")
					}
					if r.status < 400 || r.status > 499 {
						t.Fatalf("got %d, want a 4xx refusal; body:\n%.600s", r.status, r.body)
					}
					return
				case allowed:
					if r.status != rt.status && (rt.orStatus == 0 || r.status != rt.orStatus) {
						t.Fatalf("got %d, want %d; body:\n%.600s", r.status, rt.status, r.body)
					}
					if ct := r.header.Get("Content-Type"); rt.stream && ct != "text/event-stream" {
						t.Errorf("the stream has Content-Type %q", ct)
					}
					return
				case s == "anonymous" && rt.page:
					if !secIsLoginRedirect(r, path) {
						t.Fatalf("got %d Location %q, want 303 to the login page coming back to %s", r.status, r.header.Get("Location"), path)
					}
				case s == "anonymous":
					if r.status != http.StatusUnauthorized || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic ") {
						t.Fatalf("got %d WWW-Authenticate %q, want 401 with a Basic challenge", r.status, r.header.Get("WWW-Authenticate"))
					}
				default:
					if r.status != http.StatusForbidden {
						t.Fatalf("got %d, want 403; body:\n%.600s", r.status, r.body)
					}
					if rt.page && !strings.Contains(r.body, "Not allowed") {
						t.Errorf("the 403 page does not say the viewer is not allowed:\n%.600s", r.body)
					}
				}
				for _, secret := range secrets {
					if strings.Contains(r.body, secret) {
						t.Errorf("the refusal shows %q:\n%.800s", secret, r.body)
					}
				}
			})
		}
	}

	// Refused mutations changed nothing: only the allowed callers' objects
	// exist, and no refused ingest was stored.
	t.Run("refusals changed nothing", func(t *testing.T) {
		for _, s := range subjects {
			isManager, isIngester := slices.Contains(managers, s), slices.Contains(ingesters, s)
			for _, name := range []string{"api-" + s, "ui-" + s} {
				_, err := e.f.Store.GetUser(e.ctx, name)
				if exists := err == nil; exists != isManager {
					t.Errorf("user %s exists: %v, want %v (err %v)", name, exists, isManager, err)
				}
			}
			n, err := e.f.Store.Count(e.ctx, store.AllDomains, store.Filter{UserName: []store.Match{{Value: "matrix-ingest-" + s}}}, 10)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 1, false: 0}[isIngester]; n != want {
				t.Errorf("entries ingested by %s: %d, want %d", s, n, want)
			}
		}
		toks, err := e.f.Store.ListTokens(e.ctx, store.AllDomains)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range toks {
			if s, ok := strings.CutPrefix(tok.Name, "victim-api-"); ok {
				if revoked := !tok.RevokedAt.IsZero(); revoked != slices.Contains(managers, s) {
					t.Errorf("token %s revoked: %v", tok.Name, revoked)
				}
			}
			if s, ok := strings.CutPrefix(tok.Name, "victim-ui-"); ok {
				if revoked := !tok.RevokedAt.IsZero(); revoked != slices.Contains(managers, s) {
					t.Errorf("token %s revoked: %v", tok.Name, revoked)
				}
			}
		}
		for _, s := range subjects {
			if got := e.f.Server.Auth.Tree().Exists("Global/api " + s); got != slices.Contains(managers, s) {
				t.Errorf("domain Global/api %s exists: %v", s, got)
			}
		}
	})

	// Those allowed to list managed objects see only those of their
	// domains (scope_test.go).
	t.Run("domain-scoped listings", scoped.check)
}

// secWorld is a tree of domains with one entry in each, all of one job,
// each domain with an application of its own.
type secWorld struct {
	e   *secEnv
	ids map[string]int64 // domain → id of its entry
}

const secWorldJob = 515151

var secWorldDomains = []string{"Global", "Global/EMEA", "Global/EMEA/Lab", "Global/EMEA/Other", "Global/APAC"}

func newSecWorld(t *testing.T) *secWorld {
	e := newSecEnv(t, nil)
	e.addDomain("Global/EMEA", false)
	e.addDomain("Global/EMEA/Lab", true)
	e.addDomain("Global/EMEA/Other", false)
	e.addDomain("Global/APAC", false)
	w := &secWorld{e: e, ids: map[string]int64{}}
	for _, d := range secWorldDomains {
		ids := e.seed(audit.Entry{UserName: secWorldUser(d), Domain: d, Application: secWorldApp(d), JobID: secWorldJob,
			Description: "entry of " + d})
		w.ids[d] = ids[0]
	}
	return w
}

// secWorldUser and secWorldApp name the user and application of a domain's entry.
func secWorldUser(d string) string {
	return "seed-" + strings.ReplaceAll(strings.ToLower(d), "/", "-") + "-end"
}
func secWorldApp(d string) string { return "App " + d }

var (
	secGridRowRe   = regexp.MustCompile(`<tr data-id="(\d+)"`)
	secGridTotalRe = regexp.MustCompile(`<p class="count" id="total"[^>]*>([\d,+]+) entr`)
	secJobRowRe    = regexp.MustCompile(`<td class="num"><a href="/audit-logs/(\d+)\?`)
	secJobTotalRe  = regexp.MustCompile(`Audit logs of this job <span class="muted">([\d,+]+)</span>`)
	secAppSelectRe = regexp.MustCompile(`(?s)<select form="filters" name="application".*?</select>`)
	secOptionRe    = regexp.MustCompile(`<option(?: selected)?>([^<]*)</option>`)
)

func secMatchIDs(t *testing.T, re *regexp.Regexp, body string) []int64 {
	t.Helper()
	var out []int64
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		id, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// checkView asserts that c sees the entries of exactly the visible domains
// everywhere entries are shown: the API list and one-entry reads, the grid,
// the detail pages, the job page and the Application pick list.
func (w *secWorld) checkView(t *testing.T, c *secClient, visible []string) {
	t.Helper()
	var want []int64
	for _, d := range visible {
		want = append(want, w.ids[d])
	}
	slices.Sort(want)
	wantTotal := strconv.Itoa(len(want))

	t.Run("api list", func(t *testing.T) {
		r := c.get(t, "/api/v1/audit-logs?limit=1000")
		if r.status != 200 {
			t.Fatalf("got %d:\n%s", r.status, r.body)
		}
		var l secListing
		secDecode(t, r, &l)
		var got []int64
		for _, en := range l.AuditLogs {
			got = append(got, en.ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) || l.Total != len(want) {
			t.Errorf("listed ids %v total %d, want %v total %d", got, l.Total, want, len(want))
		}
		// A filter naming an invisible domain does not widen the scope.
		r = c.get(t, "/api/v1/audit-logs?domain=Global*&limit=1000")
		secDecode(t, r, &l)
		if l.Total != len(want) {
			t.Errorf("filtered by domain=Global*: total %d, want %d", l.Total, len(want))
		}
	})
	t.Run("api get one", func(t *testing.T) {
		missing := c.get(t, "/api/v1/audit-logs/99999999")
		if missing.status != 404 {
			t.Fatalf("a missing entry: got %d", missing.status)
		}
		for _, d := range secWorldDomains {
			r := c.get(t, "/api/v1/audit-logs/"+strconv.FormatInt(w.ids[d], 10))
			if slices.Contains(visible, d) {
				if r.status != 200 || !strings.Contains(r.body, secWorldUser(d)) {
					t.Errorf("entry of %s: got %d, want 200 with the entry:\n%s", d, r.status, r.body)
				}
				continue
			}
			if r.status != 404 || r.body != missing.body {
				t.Errorf("entry of %s: got %d %q, want the answer to a missing entry, 404 %q", d, r.status, r.body, missing.body)
			}
		}
	})
	t.Run("grid", func(t *testing.T) {
		r := c.get(t, "/audit-logs?limit=200")
		if r.status != 200 {
			t.Fatalf("got %d:\n%.500s", r.status, r.body)
		}
		if got := secMatchIDs(t, secGridRowRe, r.body); !slices.Equal(got, want) {
			t.Errorf("grid rows %v, want %v", got, want)
		}
		if m := secGridTotalRe.FindStringSubmatch(r.body); m == nil || m[1] != wantTotal {
			t.Errorf("grid count %v, want %s", m, wantTotal)
		}
		var apps []string
		for _, m := range secOptionRe.FindAllStringSubmatch(secAppSelectRe.FindString(r.body), -1) {
			if m[1] != "All" {
				apps = append(apps, m[1])
			}
		}
		var wantApps []string
		for _, d := range visible {
			wantApps = append(wantApps, secWorldApp(d))
		}
		slices.Sort(apps)
		slices.Sort(wantApps)
		if !slices.Equal(apps, wantApps) {
			t.Errorf("Application pick list %q, want %q", apps, wantApps)
		}
		for _, d := range secWorldDomains {
			if !slices.Contains(visible, d) && strings.Contains(r.body, secWorldUser(d)) {
				t.Errorf("the grid shows the user of an entry of %s", d)
			}
		}
	})
	t.Run("detail page", func(t *testing.T) {
		missing := c.get(t, "/audit-logs/99999999")
		if missing.status != 404 {
			t.Fatalf("a missing entry: got %d", missing.status)
		}
		for _, d := range secWorldDomains {
			r := c.get(t, "/audit-logs/"+strconv.FormatInt(w.ids[d], 10))
			if slices.Contains(visible, d) {
				if r.status != 200 || !strings.Contains(r.body, secWorldUser(d)) {
					t.Errorf("entry of %s: got %d, want 200 with the entry", d, r.status)
				}
				continue
			}
			if r.status != 404 || r.body != missing.body {
				t.Errorf("entry of %s: got %d, want the page of a missing entry (404):\n%.500s", d, r.status, r.body)
			}
		}
	})
	t.Run("job page", func(t *testing.T) {
		r := c.get(t, "/jobs/"+strconv.Itoa(secWorldJob))
		if r.status != 200 {
			t.Fatalf("got %d", r.status)
		}
		if got := secMatchIDs(t, secJobRowRe, r.body); !slices.Equal(got, want) {
			t.Errorf("job rows %v, want %v", got, want)
		}
		if m := secJobTotalRe.FindStringSubmatch(r.body); m == nil || m[1] != wantTotal {
			t.Errorf("job count %v, want %s", m, wantTotal)
		}
	})
}

// TestDomainVisibility checks that what an audit administrator sees is
// bounded by their domains: their own and those below, the parent of a
// domain with parent read access (alone), never a peer or Global.
func TestDomainVisibility(t *testing.T) {
	w := newSecWorld(t)
	e := w.e
	e.addUser("emea-auditor", []string{"audit-log-admin"}, "Global/EMEA")
	e.addUser("lab-auditor", []string{"audit-log-admin"}, "Global/EMEA/Lab")
	e.addUser("global-auditor", []string{"audit-log-admin"}, "Global")

	t.Run("Global/EMEA", func(t *testing.T) {
		w.checkView(t, e.login(t, "emea-auditor", secPassword), []string{"Global/EMEA", "Global/EMEA/Lab", "Global/EMEA/Other"})
	})
	t.Run("Global/EMEA/Lab with parent read", func(t *testing.T) {
		w.checkView(t, e.login(t, "lab-auditor", secPassword), []string{"Global/EMEA", "Global/EMEA/Lab"})
	})
	t.Run("Global", func(t *testing.T) {
		// The Global auditor also sees Logbook's own entries (logins, the
		// domains added): compare only the seeded ones.
		c := e.login(t, "global-auditor", secPassword)
		for _, d := range secWorldDomains {
			if r := c.get(t, "/api/v1/audit-logs/"+strconv.FormatInt(w.ids[d], 10)); r.status != 200 {
				t.Errorf("entry of %s: got %d", d, r.status)
			}
		}
	})
	t.Run("read token bound to Global/APAC", func(t *testing.T) {
		c := e.tokenClient(e.addToken("apac-reader", []string{"read"}, "Global/APAC").Secret)
		r := c.get(t, "/api/v1/audit-logs")
		var l secListing
		secDecode(t, r, &l)
		if l.Total != 1 || len(l.AuditLogs) != 1 || l.AuditLogs[0].ID != w.ids["Global/APAC"] {
			t.Errorf("got %+v, want only the entry of Global/APAC", l)
		}
	})
}

// secSSE reads the data lines of an event stream into a channel.
func secSSE(body io.Reader) <-chan string {
	ch := make(chan string, 16)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(body)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				ch <- v
			}
		}
	}()
	return ch
}

// TestLiveCountRespectsDomains checks that the live "N new" count of a
// domain-bound administrator counts only the entries they may see.
func TestLiveCountRespectsDomains(t *testing.T) {
	w := newSecWorld(t)
	e := w.e
	e.addUser("emea-auditor", []string{"audit-log-admin"}, "Global/EMEA")
	c := e.login(t, "emea-auditor", secPassword)
	head, _, err := e.f.Store.Head(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", c.base+"/audit-logs/live?after="+strconv.FormatInt(head, 10), nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("got %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	events := secSSE(resp.Body)
	next := func() string {
		t.Helper()
		select {
		case v, ok := <-events:
			if !ok {
				t.Fatal("the stream ended")
			}
			return v
		case <-ctx.Done():
			t.Fatal("no event in time")
		}
		return ""
	}
	if v := next(); v != "0" {
		t.Fatalf("first count %s, want 0", v)
	}
	submit := func(domains ...string) {
		var es []audit.Entry
		for _, d := range domains {
			en := audit.Entry{UserName: "live-" + secWorldUser(d), Domain: d, Application: "REST", Task: "Live Probe"}
			secFill(&en)
			es = append(es, en)
		}
		if _, err := e.f.Server.Writer.Submit(e.ctx, es); err != nil {
			t.Fatal(err)
		}
	}
	// Two invisible entries in one commit, then one visible: had the
	// invisible ones been counted, the count would go 0 → 2 → 3 and never
	// show 1.
	submit("Global/APAC", "Global")
	submit("Global/EMEA/Lab")
	if v := next(); v != "1" {
		t.Fatalf("count after entries in Global/APAC, Global and then Global/EMEA/Lab: %s, want 1", v)
	}
}

// TestTokenIngestDomain checks that a token writes only into its domains
// and those below, and that a batch with one entry outside them is
// refused whole.
func TestTokenIngestDomain(t *testing.T) {
	e := newSecEnv(t, nil)
	e.addDomain("Global/EMEA", false)
	e.addDomain("Global/APAC", false)
	c := e.tokenClient(e.addToken("apac-ingest", []string{"ingest"}, "Global/APAC").Secret)
	entry := func(user, domain string) string {
		return fmt.Sprintf(`{"user_name":%q,"domain":%q,"application":"REST","task":"Domain Probe","result":"Success"}`, user, domain)
	}
	count := func(t *testing.T, user string) int {
		t.Helper()
		n, err := e.f.Store.Count(e.ctx, store.AllDomains, store.Filter{UserName: []store.Match{{Value: user}}}, 10)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	for _, d := range []string{"Global/APAC", "Global/APAC/Tokyo"} {
		r := c.do(t, "POST", "/api/v1/audit-logs", entry("ok-"+d, d))
		if r.status != 201 {
			t.Errorf("ingest into %s: got %d:\n%s", d, r.status, r.body)
		}
		if n := count(t, "ok-"+d); n != 1 {
			t.Errorf("ingest into %s stored %d entries", d, n)
		}
	}

	type refusal struct {
		Error  string `json:"error"`
		Fields []struct {
			Field string `json:"field"`
		} `json:"fields"`
	}
	cases := []struct {
		name, body, field string
		users             []string
	}{
		{"single entry", entry("refused-single", "Global/EMEA"), "domain", []string{"refused-single"}},
		{"batch", "[" + entry("refused-batch-0", "Global/APAC") + "," + entry("refused-batch-1", "Global/EMEA") + "]", "[1].domain",
			[]string{"refused-batch-0", "refused-batch-1"}},
		{"Global", entry("refused-global", "Global"), "domain", []string{"refused-global"}},
		{"a peer with the same prefix", entry("refused-prefix", "Global/APACX"), "domain", []string{"refused-prefix"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do(t, "POST", "/api/v1/audit-logs", tc.body)
			if r.status != http.StatusForbidden {
				t.Fatalf("got %d, want 403:\n%s", r.status, r.body)
			}
			var ref refusal
			secDecode(t, r, &ref)
			if len(ref.Fields) != 1 || ref.Fields[0].Field != tc.field || !strings.HasPrefix(ref.Error, tc.field+":") {
				t.Errorf("refusal %+v does not name the field %s", ref, tc.field)
			}
			for _, u := range tc.users {
				if n := count(t, u); n != 0 {
					t.Errorf("%d entries of %s were stored from a refused request", n, u)
				}
			}
		})
	}
}
