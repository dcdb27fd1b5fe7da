package servertest_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/server/servertest"
)

// TestScenarioCheck checks that the runner reports every expectation an
// answer misses, and none it meets.
func TestScenarioCheck(t *testing.T) {
	r := servertest.Response{Status: 403, Body: `<p>Not allowed</p> secret-1`,
		Header: http.Header{"Content-Type": {"text/html; charset=utf-8"}, "Www-Authenticate": {`Basic realm="Logbook"`}}}
	for _, tc := range []struct {
		name string
		s    servertest.Scenario
		want []string
	}{
		{"all met", servertest.Scenario{ExpectedStatus: 403, ExpectedContentType: "text/html",
			ExpectedHeaders: map[string]string{"WWW-Authenticate": "Basic *"}, ExpectedContent: []string{"Not allowed"},
			NotExpectedContent: []string{"secret-2"}}, nil},
		{"status 0 is not checked", servertest.Scenario{}, nil},
		{"or status", servertest.Scenario{ExpectedStatus: 201, OrStatus: 403}, nil},
		{"all missed", servertest.Scenario{ExpectedStatus: 200, OrStatus: 303, ExpectedContentType: "application/json",
			ExpectedHeaders: map[string]string{"WWW-Authenticate": "Bearer *", "Location": "/login"},
			ExpectedContent: []string{"Welcome"}, NotExpectedContent: []string{"secret-1"}},
			[]string{
				"status 403, want 200 or 303",
				`Content-Type "text/html; charset=utf-8", want application/json`,
				`header Location "", want "/login"`,
				`header WWW-Authenticate "Basic realm=\"Logbook\"", want "Bearer *"`,
				`the body lacks "Welcome"`,
				`the body shows "secret-1"`,
			}},
		{"an exact header is not a prefix", servertest.Scenario{ExpectedHeaders: map[string]string{"WWW-Authenticate": "Basic"}},
			[]string{`header WWW-Authenticate "Basic realm=\"Logbook\"", want "Basic"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, tc.s.Check(r)); d != "" {
				t.Errorf("Check (-want +got):\n%s", d)
			}
		})
	}
}

// TestScenarioIdentities sends one scenario as each kind of identity
// against a real server, hooks included.
func TestScenarioIdentities(t *testing.T) {
	env := servertest.NewEnv(t, nil)
	env.AddUser("scenario-auditor", []string{"audit-log-admin"}, audit.RootDomain)
	env.AddUser("scenario-user", []string{"user"}, audit.RootDomain)
	env.AddUser("scenario-root", []string{"super-admin"}, audit.RootDomain)
	env.AddToken("scenario-reader", []string{"read"}, audit.RootDomain)
	var before, after int
	servertest.Run(t, env, []servertest.Scenario{
		{URL: "/api/v1/audit-logs", ExpectedStatus: 401, ExpectedHeaders: map[string]string{"WWW-Authenticate": "Basic *"},
			NotExpectedContent: []string{`"audit_logs"`}},
		{URL: "/audit-logs", ExpectedStatus: 303, ExpectedHeaders: map[string]string{"Location": servertest.LoginRedirect("/audit-logs")}},
		{URL: "/api/v1/audit-logs", Identity: servertest.User("scenario-auditor"), ExpectedStatus: 200,
			ExpectedContentType: "application/json", ExpectedContent: []string{`"audit_logs"`}},
		{URL: "/audit-logs", Identity: servertest.User("scenario-user"), ExpectedStatus: 403, ExpectedContent: []string{"Not allowed"}},
		{URL: "/api/v1/audit-logs", Identity: servertest.Token("scenario-reader"), ExpectedStatus: 200},
		{URL: "/api/v1/tokens", Identity: servertest.Token(servertest.AdminTokenName), ExpectedStatus: 200,
			ExpectedContent: []string{"scenario-reader"}},
		{URL: "/api/v1/audit-logs", Identity: servertest.Bearer("lbk_nope"), ExpectedStatus: 401},
		{URL: "/audit-logs/live?after=0", Identity: servertest.User("scenario-auditor"), Stream: true, ExpectedStatus: 200,
			ExpectedHeaders: map[string]string{"Content-Type": "text/event-stream"}},
		// A cookie write carries the session's CSRF token by itself; an
		// empty header sends it without.
		{Name: "a write without the CSRF token", Method: "POST", URL: "/api/v1/users/scenario-user/unlock",
			Identity: servertest.User("scenario-root"), Headers: map[string]string{"X-CSRF-Token": ""}, ExpectedStatus: 403,
			ExpectedContent: []string{"X-CSRF-Token"}},
		{Name: "a write with the CSRF token", Method: "PATCH", URL: "/api/v1/users/scenario-user", Body: `{"locked":false}`,
			Identity: servertest.As(env.Login(t, "scenario-root", servertest.Password)), ExpectedStatus: 200,
			BeforeFunc: func(testing.TB, *servertest.Env) { before++ },
			AfterFunc:  func(testing.TB, *servertest.Env, servertest.Response) { after++ }},
	})
	if before != 1 || after != 1 {
		t.Errorf("BeforeFunc ran %d times, AfterFunc %d, want once each", before, after)
	}
}
