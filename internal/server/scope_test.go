package server_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/auth"
	"github.com/logbookhq/logbook/internal/forward"
	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/store"
)

// A scopeArea is a part of the domain tree that managed objects are bound
// to; each kind of object has one of each area, named after it.
type scopeArea struct {
	name    string
	domains []string
}

// scopeAreas are the bindings the scoped listings are checked with. An
// administrator of Global/EMEA manages emea and lab; not global (Global,
// or every domain), apac (a peer), or span (Global/EMEA and a peer).
var scopeAreas = []scopeArea{
	{"global", []string{audit.RootDomain}},
	{"emea", []string{"Global/EMEA"}},
	{"lab", []string{"Global/EMEA/Lab"}},
	{"apac", []string{"Global/APAC"}},
	{"span", []string{"Global/APAC", "Global/EMEA"}},
}

// scopeEMEA are the areas an administrator of Global/EMEA manages.
var scopeEMEA = []string{"emea", "lab"}

// scopedWorld holds one token, user, saved search, forwarding criterion,
// purge and export job of every area, and administrators of Global/EMEA
// and of Global to list them.
type scopedWorld struct {
	e *secEnv
}

// newScopedWorld adds the domains, the objects and the administrators to
// e. Every name it gives begins with "scope-".
func newScopedWorld(t *testing.T, e *secEnv) *scopedWorld {
	t.Helper()
	e.addDomain("Global/EMEA", false)
	e.addDomain("Global/EMEA/Lab", true)
	e.addDomain("Global/APAC", false)
	e.addDomain("Global/APAC/Tokyo", false)
	tree := e.f.Server.Auth.Tree()
	for _, a := range scopeAreas {
		e.addToken("scope-tok-"+a.name, []string{"ingest"}, a.domains...)
		user := "scope-usr-" + a.name
		e.addUser(user, []string{"user"}, a.domains...)
		if err := e.f.Store.SaveSearch(e.ctx, store.SavedSearch{Owner: "user:" + user, Name: "scope-saved-" + a.name,
			Query: "q=" + a.name, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		port, enabled := 9, false
		if _, err := e.f.Server.Forwarding.Create(e.ctx, auth.Actor{Name: user}, tree.Scope(a.domains), forward.Input{
			Name: "scope-fwd-" + a.name, Host: "127.0.0.1", Port: &port, Protocol: forward.ProtocolTCP, Format: forward.FormatCEF,
			Enabled: &enabled}); err != nil {
			t.Fatalf("criterion of %s: %v", a.name, err)
		}
		domains := a.domains
		if a.name == "global" {
			domains = []string{store.AllDomainsMark} // what a purge of Global records
		}
		if _, err := e.f.Store.BeginPurge(e.ctx, store.Anchor{Before: time.Now().Add(-time.Hour), Domains: domains,
			Archive: "scope-purge-" + a.name + ".csv.gz"}); err != nil {
			t.Fatal(err)
		}
		// An export job takes its requester's first domain; the span's
		// would be one of Global/EMEA, which is what it is listed by (see
		// README, Access control), so only single-domain requesters here.
		if a.name == "span" {
			continue
		}
		req := auth.Request{Subject: access.Subject{Kind: access.KindUser, Name: user, Roles: []access.Role{access.RoleUser}, Domains: a.domains},
			Scope: tree.Scope(a.domains)}
		params, _ := json.Marshal(map[string]any{"query": "format=csv", "scope": req.Scope, "user": user})
		start := "2099-01-01T00:00:00Z" // never runs during the test
		if _, err := e.f.Server.Jobs.CreateLogbookJob(e.ctx, req, tree, job.NewJob{Name: "Export Audit Logs", JobType: "Export",
			Handler: "export", Params: params, Summary: "scope-exp-" + a.name, ScheduledStart: &start}); err != nil {
			t.Fatalf("export job of %s: %v", a.name, err)
		}
	}
	e.addUser("scope-admin-emea", []string{"user-admin", "audit-log-admin", "job-admin"}, "Global/EMEA")
	e.addUser("scope-super-emea", []string{"super-admin"}, "Global/EMEA")
	e.addUser("scope-super-global", []string{"super-admin"}, audit.RootDomain)
	for _, owner := range []string{"user:scope-admin-emea", "user:scope-super-emea", "token:scope-admin-token-emea", "user:scope-super-global"} {
		if err := e.f.Store.SaveSearch(e.ctx, store.SavedSearch{Owner: owner, Name: "scope-saved-mine", Query: "q=mine", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	return &scopedWorld{e: e}
}

// scopeListings are the listings of managed objects, with the name
// prefix of their objects (scope-<kind>-<area>).
var scopeListings = []struct{ name, path, kind string }{
	{"api tokens", "/api/v1/tokens", "tok"},
	{"page tokens", "/admin/tokens", "tok"},
	{"api users", "/api/v1/users", "usr"},
	{"page users", "/admin/users", "usr"},
	{"api forwarding criteria", "/api/v1/forwarding-criteria", "fwd"},
	{"page forwarding criteria", "/admin/forwarding", "fwd"},
	{"api purges", "/api/v1/archive-purge", "purge"},
	{"page purges", "/admin/archive-purge", "purge"},
	{"api export jobs", "/api/v1/jobs?limit=1000", "exp"},
	{"page export jobs", "/jobs", "exp"},
	{"page saved searches", "/audit-logs", "saved"},
}

var (
	// scopeNameRe finds the objects' names anywhere in an answer, so that
	// an object is caught wherever the page or the JSON shows it.
	scopeNameRe       = regexp.MustCompile(`scope-[a-z]+-[a-z]+`)
	scopeDomainRowRe  = regexp.MustCompile(`<tr><td>([^<]*)</td><td>(?:yes|no)</td></tr>`)
	scopeDomainJSONRe = regexp.MustCompile(`"name":"([^"]*)"`)
)

// check signs in as administrators of Global/EMEA (a user with the
// administrator roles, a Super Administrator, an admin token) and of
// Global, and checks that every management listing, on the API and on
// the pages, shows each of them exactly the objects it manages
// (access.Tree.Manages): those of Global/EMEA and below, none bound to
// Global, to every domain, or to a peer as well; the Super Administrator
// of Global sees them all. Saved searches are their owner's alone.
func (w *scopedWorld) check(t *testing.T) {
	e := w.e
	tv, err := e.f.Server.Auth.CreateToken(e.ctx, secActor, access.Subject{}, auth.NewToken{Name: "scope-admin-token-emea",
		Scopes: []string{"admin"}, Domains: []string{"Global/EMEA"}})
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, a := range scopeAreas {
		all = append(all, a.name)
	}
	allDomains := []string{"Global", "Global/APAC", "Global/APAC/Tokyo", "Global/EMEA", "Global/EMEA/Lab"}
	emeaDomains := []string{"Global/EMEA", "Global/EMEA/Lab"}
	for _, sub := range []struct {
		name    string
		client  *secClient
		areas   []string
		domains []string
	}{
		{"user administrator of Global/EMEA", e.login(t, "scope-admin-emea", secPassword), scopeEMEA, emeaDomains},
		{"Super Administrator of Global/EMEA", e.login(t, "scope-super-emea", secPassword), scopeEMEA, emeaDomains},
		{"admin token of Global/EMEA", e.tokenClient(tv.Secret), scopeEMEA, emeaDomains},
		{"Super Administrator of Global", e.login(t, "scope-super-global", secPassword), all, allDomains},
	} {
		t.Run(sub.name, func(t *testing.T) {
			for _, l := range scopeListings {
				t.Run(l.name, func(t *testing.T) {
					r := sub.client.get(t, l.path)
					if r.status != 200 {
						t.Fatalf("GET %s: got %d:\n%.500s", l.path, r.status, r.body)
					}
					var got, want []string
					for _, n := range scopeNameRe.FindAllString(r.body, -1) {
						if strings.HasPrefix(n, "scope-"+l.kind+"-") && !slices.Contains(got, n) {
							got = append(got, n)
						}
					}
					areas := sub.areas
					switch {
					case l.kind == "saved":
						areas = []string{"mine"}
					case l.kind == "exp":
						areas = slices.DeleteFunc(slices.Clone(areas), func(a string) bool { return a == "span" })
					}
					for _, a := range areas {
						want = append(want, "scope-"+l.kind+"-"+a)
					}
					slices.Sort(got)
					slices.Sort(want)
					if !slices.Equal(got, want) {
						t.Errorf("GET %s lists %q, want %q", l.path, got, want)
					}
				})
			}
			for _, l := range []struct {
				path string
				re   *regexp.Regexp
			}{{"/api/v1/domains", scopeDomainJSONRe}, {"/admin/domains", scopeDomainRowRe}} {
				t.Run("domains "+l.path, func(t *testing.T) {
					r := sub.client.get(t, l.path)
					if r.status != 200 {
						t.Fatalf("GET %s: got %d:\n%.500s", l.path, r.status, r.body)
					}
					// Domains the matrix adds (Global/api …) are Global's;
					// only the scoped world's are compared.
					var got []string
					for _, m := range l.re.FindAllStringSubmatch(r.body, -1) {
						if slices.Contains(allDomains, m[1]) {
							got = append(got, m[1])
						}
					}
					slices.Sort(got)
					if !slices.Equal(got, sub.domains) {
						t.Errorf("GET %s lists %q, want %q", l.path, got, sub.domains)
					}
				})
			}
		})
	}
}

// TestManagedListingsScope checks the scoped listings in a server of their
// own; TestAuthorizationMatrix checks them among its other callers too.
func TestManagedListingsScope(t *testing.T) {
	e := newSecEnv(t, nil)
	newScopedWorld(t, e).check(t)
}
