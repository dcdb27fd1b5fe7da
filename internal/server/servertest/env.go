package servertest

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"sync"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/server"
	"github.com/logbookhq/logbook/internal/store"
)

// Password is the password of every user an Env adds.
const Password = "correct-horse-battery"

// AdminTokenName is the name of the fixture's admin token, by which
// Token(AdminTokenName) sends a scenario with it.
const AdminTokenName = "test-admin"

// Actor is who an Env's set-up is recorded as.
var Actor = accounts.Actor{Name: "test"}

// Env is a running server, over a real SQLite file, with helpers to add
// the domains, users, tokens and entries a test needs and to read back
// what the audit log recorded. Users and tokens are added by name, so
// that a Scenario can name who sends it (User, Token).
//
// Users, domains and tokens are added through the access service, as an
// administrator would add them, so they are in the audit log too; Seed
// writes entries to the store directly.
type Env struct {
	*Fixture
	Ctx context.Context

	t        testing.TB
	mu       sync.Mutex
	secrets  map[string]string  // token name → secret
	sessions map[string]*Client // user name → a client signed in as them
}

// NewEnv starts a server whose login limiter does not get in the way of
// tests that sign in often; change, when not nil, adjusts the options
// further. The server stops when t ends.
func NewEnv(t testing.TB, change func(*server.Options)) *Env {
	t.Helper()
	opts := server.DefaultOptions()
	opts.Auth.LoginsPerMinute = 10000
	if change != nil {
		change(&opts)
	}
	f := New(t, Options{Server: &opts})
	return &Env{Fixture: f, Ctx: context.Background(), t: t,
		secrets: map[string]string{AdminTokenName: f.AdminToken}, sessions: map[string]*Client{}}
}

// AddDomain adds a domain below an existing one.
func (e *Env) AddDomain(name string, parentRead bool) {
	e.t.Helper()
	if _, err := e.Server.Auth.CreateDomain(e.Ctx, Actor, accounts.DomainView{Name: name, ParentRead: parentRead}); err != nil {
		e.t.Fatalf("create domain %s: %v", name, err)
	}
}

// AddUser adds a user with Password, the roles and the domains.
func (e *Env) AddUser(name string, roles []string, domains ...string) {
	e.t.Helper()
	if _, err := e.Server.Auth.CreateUser(e.Ctx, Actor, accounts.NewUser{Name: name, Password: Password, Roles: roles, Domains: domains}); err != nil {
		e.t.Fatalf("create user %s: %v", name, err)
	}
}

// AddToken adds an API token with the scopes and the domains and
// remembers its secret under its name, for Token(name).
func (e *Env) AddToken(name string, scopes []string, domains ...string) accounts.TokenView {
	e.t.Helper()
	tv, err := e.Server.Auth.CreateToken(e.Ctx, Actor, access.Subject{}, accounts.NewToken{Name: name, Scopes: scopes, Domains: domains})
	if err != nil {
		e.t.Fatalf("create token %s: %v", name, err)
	}
	e.mu.Lock()
	e.secrets[name] = tv.Secret
	e.mu.Unlock()
	return tv
}

// Secret returns the secret of a token AddToken added, or of the
// fixture's admin token (AdminTokenName).
func (e *Env) Secret(t testing.TB, name string) string {
	t.Helper()
	e.mu.Lock()
	s, ok := e.secrets[name]
	e.mu.Unlock()
	if !ok {
		t.Fatalf("no token named %q was added to the environment", name)
	}
	return s
}

// Seed appends entries directly to the store, filling the required
// fields an entry leaves empty (Fill), and returns their ids.
func (e *Env) Seed(entries ...audit.Entry) []int64 {
	e.t.Helper()
	for i := range entries {
		Fill(&entries[i])
	}
	ids, err := e.Store.Append(e.Ctx, entries)
	if err != nil {
		e.t.Fatal(err)
	}
	return ids
}

// Fill sets the required fields en leaves empty: now, Global, and an
// application, task, result and source of a configlet applied.
func Fill(en *audit.Entry) {
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

// Logs returns the recorded entries of one task, oldest first, whatever
// their domain.
func (e *Env) Logs(t testing.TB, task string) []audit.Entry {
	t.Helper()
	page, err := e.Store.List(e.Ctx, store.AllDomains, store.Query{Filter: store.Filter{Task: []store.Match{{Value: task}}},
		Sort: store.Sort{Field: store.SortID}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return page.Entries
}

// Count returns how many entries of the user the store holds, in every
// domain (at most 10).
func (e *Env) Count(t testing.TB, user string) int {
	t.Helper()
	n, err := e.Store.Count(e.Ctx, store.AllDomains, store.Filter{UserName: []store.Match{{Value: user}}}, 10)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Client returns a new anonymous client.
func (e *Env) Client() *Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &Client{Base: e.URL, HTTP: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// TokenClient returns a new client that sends secret as its bearer token.
func (e *Env) TokenClient(secret string) *Client {
	c := e.Client()
	c.Bearer = secret
	return c
}

// Login signs a user in through the login form and returns a new client
// holding the session cookie; it fails t unless the form sends the user
// on with a session.
func (e *Env) Login(t testing.TB, name, password string) *Client {
	t.Helper()
	c := e.Client()
	r := c.TryLogin(t, name, password)
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account" {
		t.Fatalf("login of %s: got %d Location %q, want 303 to /account; body:\n%s", name, r.Status, r.Header.Get("Location"), r.Body)
	}
	if r.Cookie(server.SessionCookie) == nil {
		t.Fatalf("login of %s set no %s cookie", name, server.SessionCookie)
	}
	return c
}

// Session returns a client signed in as the user with Password: the same
// one for every call, so that scenarios sent as one user share a session
// and the audit log records one login.
func (e *Env) Session(t testing.TB, name string) *Client {
	t.Helper()
	e.mu.Lock()
	c, ok := e.sessions[name]
	e.mu.Unlock()
	if ok {
		return c
	}
	c = e.Login(t, name, Password)
	e.mu.Lock()
	e.sessions[name] = c
	e.mu.Unlock()
	return c
}
