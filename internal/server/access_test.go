package server_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/server/servertest"
	"github.com/logbookhq/logbook/internal/store"
)

// matrixRoute is one route of the authorization matrix and who may use it.
type matrixRoute struct {
	method, path string
	page         bool                // a UI page: anonymous viewers are sent to sign in
	stream       bool                // an event stream: only the status is read
	body         func(string) string // a valid body for the subject, or nil
	allow        []string
	status       int // the answer to those allowed
	orStatus     int // another answer the handler may give them
}

// The callers allowed to ingest, to read entries and to manage users,
// domains and tokens.
var (
	matrixIngesters = []string{"super-admin", "token-ingest", "token-admin"}
	matrixViewers   = []string{"super-admin", "audit-log-admin", "token-read", "token-admin"}
	matrixManagers  = []string{"super-admin", "user-admin", "token-admin"}
)

// matrixSubject is one kind of caller of the matrix, by the name that
// routes allow and bodies are named after.
type matrixSubject struct {
	name string
	id   servertest.Identity
}

// TestAuthorizationMatrix sends every route of the API and the UI as every
// kind of caller and checks who is let through: anonymous callers are
// asked to authenticate (401 on the API, the login page for pages), the
// signed-in without the role get 403, and the refusals show nothing.
func TestAuthorizationMatrix(t *testing.T) {
	e := servertest.NewEnv(t, nil)
	ids := e.Seed(
		audit.Entry{UserName: "matrix-seed-alice", Description: "matrix secret one", JobID: 424242},
		audit.Entry{UserName: "matrix-seed-bob", Domain: audit.RootDomain, Description: "matrix secret two", JobID: 424242},
	)
	e.AddUser("matrix-target", []string{"user"}, audit.RootDomain)
	// Tokens, users, criteria, purges and jobs of Global, Global/EMEA and
	// Global/APAC, listed at the end by administrators of Global/EMEA.
	newScopedWorld(t, e)

	subjects := []matrixSubject{{"anonymous", servertest.Anonymous()}}
	roles := []string{"super-admin", "audit-log-admin", "job-admin", "user-admin", "user"}
	for _, r := range roles {
		e.AddUser("m-"+r, []string{r}, audit.RootDomain)
		subjects = append(subjects, matrixSubject{r, servertest.User("m-" + r)})
	}
	for _, r := range roles {
		e.Session(t, "m-"+r) // signed in once, before the rest is set up
	}
	for _, sc := range []string{"ingest", "read", "admin"} {
		e.AddToken("m-"+sc, []string{sc}, audit.RootDomain)
		subjects = append(subjects, matrixSubject{"token-" + sc, servertest.Token("m-" + sc)})
	}
	var names []string
	for _, s := range subjects {
		names = append(names, s.name)
	}
	// Each subject revokes tokens of its own, so that an allowed revocation
	// is told apart from a missing token.
	victims := map[string][2]int64{}
	for _, s := range names {
		victims[s] = [2]int64{e.AddToken("victim-api-"+s, []string{"read"}, audit.RootDomain).ID,
			e.AddToken("victim-ui-"+s, []string{"read"}, audit.RootDomain).ID}
	}
	// What a refusal must never show: entries, their users and counts,
	// and the users, tokens and other managed objects an administrator
	// would see, by name.
	secrets := []string{"matrix-seed-alice", "matrix-seed-bob", "matrix secret", "matrix-target",
		`data-id="`, `"audit_logs"`, `"total"`, `id="total"`, `"users"`, `"tokens"`, "victim-",
		"scope-tok-", "scope-usr-", "scope-fwd-", "scope-purge-", "scope-exp-", "scope-saved-",
		"/audit-logs/" + strconv.FormatInt(ids[0], 10) + "?", "/audit-logs/" + strconv.FormatInt(ids[1], 10) + "?"}
	for _, rt := range matrixRoutes(names, strconv.FormatInt(ids[0], 10)) {
		for _, s := range subjects {
			path := strings.NewReplacer("{api-victim}", strconv.FormatInt(victims[s.name][0], 10),
				"{ui-victim}", strconv.FormatInt(victims[s.name][1], 10)).Replace(rt.path)
			sc := matrixScenario(rt, s, path, secrets)
			sc.Name = rt.method + " " + rt.path + "/" + s.name
			sc.Test(t, e)
		}
	}

	// Refused mutations changed nothing: only the allowed callers' objects
	// exist, and no refused ingest was stored.
	t.Run("refusals changed nothing", func(t *testing.T) {
		for _, s := range names {
			isManager, isIngester := slices.Contains(matrixManagers, s), slices.Contains(matrixIngesters, s)
			for _, name := range []string{"api-" + s, "ui-" + s} {
				_, err := e.Store.GetUser(e.Ctx, name)
				if exists := err == nil; exists != isManager {
					t.Errorf("user %s exists: %v, want %v (err %v)", name, exists, isManager, err)
				}
			}
			if n, want := e.Count(t, "matrix-ingest-"+s), map[bool]int{true: 1, false: 0}[isIngester]; n != want {
				t.Errorf("entries ingested by %s: %d, want %d", s, n, want)
			}
		}
		toks, err := e.Store.ListTokens(e.Ctx, store.AllDomains)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range toks {
			for _, prefix := range []string{"victim-api-", "victim-ui-"} {
				if s, ok := strings.CutPrefix(tok.Name, prefix); ok {
					if revoked := !tok.RevokedAt.IsZero(); revoked != slices.Contains(matrixManagers, s) {
						t.Errorf("token %s revoked: %v", tok.Name, revoked)
					}
				}
			}
		}
		for _, s := range names {
			if got := e.Server.Auth.Tree().Exists("Global/api " + s); got != slices.Contains(matrixManagers, s) {
				t.Errorf("domain Global/api %s exists: %v", s, got)
			}
		}
	})

	// Those allowed to list managed objects see only those of their
	// domains (scope_test.go).
	t.Run("domain-scoped listings", func(t *testing.T) { checkScopedListings(t, e) })
}

// matrixScenario is what the subject must be answered on the route: the
// route's answer when allowed; otherwise a challenge for an anonymous
// caller (the login page for a page, 401 with a Basic challenge on the
// API) and 403 for anyone else, a refusal that shows none of secrets.
func matrixScenario(rt matrixRoute, s matrixSubject, path string, secrets []string) servertest.Scenario {
	sc := servertest.Scenario{Method: rt.method, URL: path, Identity: s.id, Stream: rt.stream}
	if rt.body != nil {
		sc.Body = rt.body(s.name)
	}
	allowed := slices.Contains(rt.allow, s.name)
	switch {
	case allowed && rt.path == "/account/password" && strings.HasPrefix(s.name, "token-"):
		// A token has no password: any refusal of the form will do.
		sc.AfterFunc = func(t testing.TB, _ *servertest.Env, r servertest.Response) {
			if r.Status == http.StatusInternalServerError {
				t.Fatal("POST /account/password with an API token answers 500: auth.ChangeOwnPassword looks up a user named after the token, gets store.ErrNotFound, and web.changePassword maps it to a server error; want a 4xx")
			}
			if r.Status < 400 || r.Status > 499 {
				t.Fatalf("got %d, want a 4xx refusal; body:\n%.600s", r.Status, r.Body)
			}
		}
		return sc
	case allowed:
		sc.ExpectedStatus, sc.OrStatus = rt.status, rt.orStatus
		if rt.stream {
			sc.ExpectedHeaders = map[string]string{"Content-Type": "text/event-stream"}
		}
		return sc
	case s.name == "anonymous" && rt.page:
		sc.ExpectedStatus = http.StatusSeeOther
		sc.ExpectedHeaders = map[string]string{"Location": servertest.LoginRedirect(path)}
	case s.name == "anonymous":
		sc.ExpectedStatus = http.StatusUnauthorized
		sc.ExpectedHeaders = map[string]string{"WWW-Authenticate": "Basic *"}
	default:
		sc.ExpectedStatus = http.StatusForbidden
		if rt.page {
			sc.ExpectedContent = []string{"Not allowed"}
		}
	}
	sc.NotExpectedContent = secrets
	return sc
}

// matrixRoutes are the routes of the matrix; subjects are the names of
// all callers, the first anonymous, and entryID an entry's id.
func matrixRoutes(subjects []string, entryID string) []matrixRoute {
	everyone, public := subjects[1:], subjects
	ingesters, viewers, managers := matrixIngesters, matrixViewers, matrixManagers
	form := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	return []matrixRoute{
		{method: "POST", path: "/api/v1/audit-logs", allow: ingesters, status: 201, body: func(s string) string {
			return `{"user_name":"matrix-ingest-` + s + `","application":"REST","task":"Matrix Probe","result":"Success"}`
		}},
		{method: "GET", path: "/api/v1/audit-logs", allow: viewers, status: 200},
		{method: "GET", path: "/api/v1/audit-logs/" + entryID, allow: viewers, status: 200},
		{method: "GET", path: "/api/v1/users", allow: managers, status: 200},
		{method: "POST", path: "/api/v1/users", allow: managers, status: 201, body: func(s string) string {
			return `{"name":"api-` + s + `","password":"` + servertest.Password + `","roles":["user"],"domains":["Global"]}`
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
			return form("name", "ui-"+s, "password", servertest.Password, "roles", "user", "domains", "Global")
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
}
