// Package servertest starts a real Logbook server for tests: a fresh
// SQLite store in a temporary directory, the whole HTTP handler on an
// httptest server, and an API token with every permission (New, Fixture).
//
// Env adds named users, tokens, domains and entries to such a server, and
// Scenario is one request to it and what the answer must be, after
// PocketBase's tests.ApiScenario: name, method, URL, body, headers, who
// sends it (Anonymous, User, Token), the expected status, content type,
// headers, content and content that must not be there, and hooks. Run
// runs a table of them, each as a subtest:
//
//	env := servertest.NewEnv(t, nil)
//	env.AddUser("ann", []string{"user"}, "Global")
//	servertest.Run(t, env, []servertest.Scenario{
//		{URL: "/api/v1/users", ExpectedStatus: 401},
//		{URL: "/api/v1/users", Identity: servertest.User("ann"), ExpectedStatus: 403,
//			NotExpectedContent: []string{`"users"`}},
//	})
package servertest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/server"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/sqlite"
)

// Fixture is a running test server.
type Fixture struct {
	URL        string
	Dir        string // the data directory of the SQLite database
	Server     *server.Server
	Store      store.Store
	AdminToken string // API token with the admin scope on Global
}

// Options change the fixture.
type Options struct {
	// AsAdmin makes every request that carries no credentials of its own
	// use AdminToken, for tests about something other than access.
	AsAdmin bool
	// Server are the server's options; server.DefaultOptions() when zero.
	Server *server.Options
}

// New starts a server; it stops when t ends.
func New(t testing.TB, o Options) *Fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opts := server.DefaultOptions()
	if o.Server != nil {
		opts = *o.Server
	}
	srv, err := server.New(ctx, st, slog.New(slog.NewTextHandler(io.Discard, nil)), opts)
	if err != nil {
		t.Fatal(err)
	}
	// Stored directly rather than through the access service, so that the
	// audit log of a fresh fixture is empty.
	secret, hash := access.NewToken()
	if _, err := st.CreateToken(ctx, store.Token{Name: "test-admin", Hash: hash, Scopes: []string{string(access.ScopeAdmin)},
		Domains: []string{audit.RootDomain}, CreatedBy: "test", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	h := srv.Handler
	if o.AsAdmin {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") == "" {
				if _, err := r.Cookie(server.SessionCookie); err != nil {
					r.Header.Set("Authorization", "Bearer "+secret)
				}
			}
			srv.Handler.ServeHTTP(w, r)
		})
	}
	ts := httptest.NewServer(h)
	t.Cleanup(func() { ts.Close(); srv.Close() })
	return &Fixture{URL: ts.URL, Dir: dir, Server: srv, Store: st, AdminToken: secret}
}
