package servertest

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// Identity is who sends a scenario's request. The zero Identity is an
// anonymous caller.
type Identity struct {
	kind   string // "", "user", "token", "bearer" or "client"
	name   string
	client *Client
}

// Anonymous sends a request without credentials, from a new client.
func Anonymous() Identity { return Identity{} }

// User sends a request as a user the Env added, signed in through the
// login form with Password; every scenario of one Env sent as the same
// user shares one session (Env.Session). Writes carry the session's CSRF
// token unless Headers say otherwise.
func User(name string) Identity { return Identity{kind: "user", name: name} }

// Token sends a request with the bearer secret of a token the Env added
// by that name (Env.AddToken), or of the fixture's admin token
// (AdminTokenName).
func Token(name string) Identity { return Identity{kind: "token", name: name} }

// Bearer sends a request with secret as its bearer token, which need not
// be one the server knows.
func Bearer(secret string) Identity { return Identity{kind: "bearer", name: secret} }

// As sends a request from c, with whatever credentials and cookies it
// holds.
func As(c *Client) Identity { return Identity{kind: "client", client: c} }

// String names the identity in test names and failure messages.
func (id Identity) String() string {
	switch id.kind {
	case "":
		return "anonymous"
	case "bearer":
		return "a bearer secret"
	case "client":
		return "a given client"
	}
	return id.kind + " " + id.name
}

// resolve returns the client the identity sends from.
func (id Identity) resolve(t testing.TB, env *Env) *Client {
	t.Helper()
	switch id.kind {
	case "user":
		return env.Session(t, id.name)
	case "token":
		return env.TokenClient(env.Secret(t, id.name))
	case "bearer":
		return env.TokenClient(id.name)
	case "client":
		return id.client
	}
	return env.Client()
}

// Scenario is one HTTP request to an Env's server and what its answer
// must be, after PocketBase's tests.ApiScenario: a table of them is a
// test of a route's contract, one row a caller.
type Scenario struct {
	// Name names the subtest; "METHOD URL as identity" when empty.
	Name string
	// Method is GET when empty.
	Method string
	// URL is the path and query, relative to the server.
	URL string
	// Body is sent as JSON when it starts with { or [, as a form
	// otherwise (Client.Do).
	Body string
	// Headers are set last; an empty value sends the header empty, which
	// is how a write is sent without the CSRF token it would carry.
	Headers map[string]string
	// Identity is who sends the request; anonymous when zero.
	Identity Identity
	// Stream reads only the status and headers of an answer of status 200
	// (an event stream or an export that does not end); other answers are
	// read whole.
	Stream bool

	// ExpectedStatus is the status the answer must have; 0 leaves the
	// status to AfterFunc.
	ExpectedStatus int
	// OrStatus, when not 0, is another status the handler may answer.
	OrStatus int
	// ExpectedContentType, when not empty, is the media type of the
	// answer, parameters aside ("text/html" matches "text/html;
	// charset=utf-8").
	ExpectedContentType string
	// ExpectedHeaders are header values the answer must have exactly; a
	// value ending in "*" is a prefix the header must begin with.
	ExpectedHeaders map[string]string
	// ExpectedContent are strings the body must contain.
	ExpectedContent []string
	// NotExpectedContent are strings the body must not contain.
	NotExpectedContent []string

	// BeforeFunc, when not nil, runs before the request is sent.
	BeforeFunc func(t testing.TB, env *Env)
	// AfterFunc, when not nil, runs after the answer met every
	// expectation above, with the answer, for checks of the answer or of
	// what the request changed that a string cannot say.
	AfterFunc func(t testing.TB, env *Env, r Response)
}

// Run runs each scenario as a subtest of t, in order, against one Env.
func Run(t *testing.T, env *Env, scenarios []Scenario) {
	t.Helper()
	for _, s := range scenarios {
		s.Test(t, env)
	}
}

// Test runs the scenario as a subtest of t.
func (s Scenario) Test(t *testing.T, env *Env) {
	t.Helper()
	t.Run(s.name(), func(t *testing.T) { s.Send(t, env) })
}

// Send runs the scenario in t itself, without a subtest, and returns the
// answer: BeforeFunc, the request, the expectations (each one that is not
// met is reported, then t stops), AfterFunc.
func (s Scenario) Send(t testing.TB, env *Env) Response {
	t.Helper()
	if s.BeforeFunc != nil {
		s.BeforeFunc(t, env)
	}
	c := s.Identity.resolve(t, env)
	method := s.method()
	var r Response
	if s.Stream {
		r = c.Stream(t, method, s.URL, s.headerPairs()...)
	} else {
		r = c.Do(t, method, s.URL, s.Body, s.headerPairs()...)
	}
	if problems := s.Check(r); len(problems) > 0 {
		t.Fatalf("%s %s as %s:\n\t%s\nbody:\n%.800s", method, s.URL, s.Identity, strings.Join(problems, "\n\t"), r.Body)
	}
	if s.AfterFunc != nil {
		s.AfterFunc(t, env, r)
	}
	return r
}

// Check returns every expectation of the scenario that r does not meet,
// each as a sentence.
func (s Scenario) Check(r Response) []string {
	var problems []string
	if s.ExpectedStatus != 0 && r.Status != s.ExpectedStatus && (s.OrStatus == 0 || r.Status != s.OrStatus) {
		want := fmt.Sprint(s.ExpectedStatus)
		if s.OrStatus != 0 {
			want += fmt.Sprintf(" or %d", s.OrStatus)
		}
		problems = append(problems, fmt.Sprintf("status %d, want %s", r.Status, want))
	}
	if s.ExpectedContentType != "" {
		ct := r.Header.Get("Content-Type")
		if mt, _, _ := strings.Cut(ct, ";"); !strings.EqualFold(strings.TrimSpace(mt), s.ExpectedContentType) {
			problems = append(problems, fmt.Sprintf("Content-Type %q, want %s", ct, s.ExpectedContentType))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.ExpectedHeaders)) {
		want, got := s.ExpectedHeaders[name], r.Header.Get(name)
		if p, ok := strings.CutSuffix(want, "*"); (ok && !strings.HasPrefix(got, p)) || (!ok && got != want) {
			problems = append(problems, fmt.Sprintf("header %s %q, want %q", name, got, want))
		}
	}
	for _, want := range s.ExpectedContent {
		if !strings.Contains(r.Body, want) {
			problems = append(problems, fmt.Sprintf("the body lacks %q", want))
		}
	}
	for _, bad := range s.NotExpectedContent {
		if strings.Contains(r.Body, bad) {
			problems = append(problems, fmt.Sprintf("the body shows %q", bad))
		}
	}
	return problems
}

func (s Scenario) method() string {
	if s.Method == "" {
		return http.MethodGet
	}
	return s.Method
}

func (s Scenario) name() string {
	if s.Name != "" {
		return s.Name
	}
	return s.method() + " " + s.URL + " as " + s.Identity.String()
}

func (s Scenario) headerPairs() []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(s.Headers)) {
		out = append(out, k, s.Headers[k])
	}
	return out
}
