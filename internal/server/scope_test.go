package server_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/forward"
	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/server/servertest"
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

// newScopedWorld adds one token, user, saved search, forwarding
// criterion, purge and export job of every area to e, and administrators
// of Global/EMEA and of Global to list them (checkScopedListings). Every
// name it gives begins with "scope-".
func newScopedWorld(t *testing.T, e *servertest.Env) {
	t.Helper()
	e.AddDomain("Global/EMEA", false)
	e.AddDomain("Global/EMEA/Lab", true)
	e.AddDomain("Global/APAC", false)
	e.AddDomain("Global/APAC/Tokyo", false)
	tree := e.Server.Auth.Tree()
	for _, a := range scopeAreas {
		e.AddToken("scope-tok-"+a.name, []string{"ingest"}, a.domains...)
		user := "scope-usr-" + a.name
		e.AddUser(user, []string{"user"}, a.domains...)
		if err := e.Store.SaveSearch(e.Ctx, store.SavedSearch{Owner: "user:" + user, Name: "scope-saved-" + a.name,
			Query: "q=" + a.name, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		port, enabled := 9, false
		if _, err := e.Server.Forwarding.Create(e.Ctx, accounts.Actor{Name: user}, tree.Scope(a.domains), forward.Input{
			Name: "scope-fwd-" + a.name, Host: "127.0.0.1", Port: &port, Protocol: forward.ProtocolTCP, Format: forward.FormatCEF,
			Enabled: &enabled}); err != nil {
			t.Fatalf("criterion of %s: %v", a.name, err)
		}
		domains := a.domains
		if a.name == "global" {
			domains = []string{store.AllDomainsMark} // what a purge of Global records
		}
		if _, err := e.Store.BeginPurge(e.Ctx, store.Anchor{Before: time.Now().Add(-time.Hour), Domains: domains,
			Archive: "scope-purge-" + a.name + ".csv.gz"}); err != nil {
			t.Fatal(err)
		}
		// An export job takes its requester's first domain; the span's
		// would be one of Global/EMEA, which is what it is listed by (see
		// README, Access control), so only single-domain requesters here.
		if a.name == "span" {
			continue
		}
		req := accounts.Request{Subject: access.Subject{Kind: access.KindUser, Name: user, Roles: []access.Role{access.RoleUser}, Domains: a.domains},
			Scope: tree.Scope(a.domains)}
		params, _ := json.Marshal(map[string]any{"query": "format=csv", "scope": req.Scope, "user": user})
		start := "2099-01-01T00:00:00Z" // never runs during the test
		if _, err := e.Server.Jobs.CreateLogbookJob(e.Ctx, req, tree, job.NewJob{Name: "Export Audit Logs", JobType: "Export",
			Handler: "export", Params: params, Summary: "scope-exp-" + a.name, ScheduledStart: &start}); err != nil {
			t.Fatalf("export job of %s: %v", a.name, err)
		}
	}
	e.AddUser("scope-admin-emea", []string{"user-admin", "audit-log-admin", "job-admin"}, "Global/EMEA")
	e.AddUser("scope-super-emea", []string{"super-admin"}, "Global/EMEA")
	e.AddUser("scope-super-global", []string{"super-admin"}, audit.RootDomain)
	for _, owner := range []string{"user:scope-admin-emea", "user:scope-super-emea", "token:scope-admin-token-emea", "user:scope-super-global"} {
		if err := e.Store.SaveSearch(e.Ctx, store.SavedSearch{Owner: owner, Name: "scope-saved-mine", Query: "q=mine", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
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

// scopeDomains are the domains of the scoped world, with whether each
// lets its users read its parent.
var scopeDomains = []struct {
	name       string
	parentRead bool
}{{"Global", false}, {"Global/APAC", false}, {"Global/APAC/Tokyo", false}, {"Global/EMEA", false}, {"Global/EMEA/Lab", true}}

// checkScopedListings signs in as administrators of Global/EMEA (a user
// with the administrator roles, a Super Administrator, an admin token)
// and of Global, and checks that every management listing, on the API
// and on the pages, shows each of them exactly the objects it manages
// (access.Tree.Manages): those of Global/EMEA and below, none bound to
// Global, to every domain, or to a peer as well; the Super Administrator
// of Global sees them all. Saved searches are their owner's alone.
func checkScopedListings(t *testing.T, e *servertest.Env) {
	e.AddToken("scope-admin-token-emea", []string{"admin"}, "Global/EMEA")
	all := scopeAreaNames()
	emeaDomains := []string{"Global/EMEA", "Global/EMEA/Lab"}
	var allDomains []string
	for _, d := range scopeDomains {
		allDomains = append(allDomains, d.name)
	}
	for _, sub := range []struct {
		name    string
		who     servertest.Identity
		areas   []string
		domains []string
	}{
		{"user administrator of Global/EMEA", servertest.User("scope-admin-emea"), scopeEMEA, emeaDomains},
		{"Super Administrator of Global/EMEA", servertest.User("scope-super-emea"), scopeEMEA, emeaDomains},
		{"admin token of Global/EMEA", servertest.Token("scope-admin-token-emea"), scopeEMEA, emeaDomains},
		{"Super Administrator of Global", servertest.User("scope-super-global"), all, allDomains},
	} {
		t.Run(sub.name, func(t *testing.T) {
			servertest.Run(t, e, scopeScenarios(sub.who, sub.areas, sub.domains))
		})
	}
}

// scopeScenarios are the listings as who, an administrator of the areas
// and the domains: each listing shows the objects of those areas and no
// other of its kind, and the domain listings those domains and no other
// of the scoped world's. Domains the matrix adds (Global/api …) are
// Global's and are not looked for.
func scopeScenarios(who servertest.Identity, areas, domains []string) []servertest.Scenario {
	var out []servertest.Scenario
	for _, l := range scopeListings {
		want := areas
		switch l.kind {
		case "saved":
			want = []string{"mine"}
		case "exp":
			want = slices.DeleteFunc(slices.Clone(want), func(a string) bool { return a == "span" })
		}
		s := servertest.Scenario{Name: l.name, URL: l.path, Identity: who, ExpectedStatus: 200}
		for _, a := range append(scopeAreaNames(), "mine") {
			if slices.Contains(want, a) {
				s.ExpectedContent = append(s.ExpectedContent, "scope-"+l.kind+"-"+a)
			} else {
				s.NotExpectedContent = append(s.NotExpectedContent, "scope-"+l.kind+"-"+a)
			}
		}
		out = append(out, s)
	}
	api := servertest.Scenario{Name: "domains /api/v1/domains", URL: "/api/v1/domains", Identity: who, ExpectedStatus: 200}
	page := servertest.Scenario{Name: "domains /admin/domains", URL: "/admin/domains", Identity: who, ExpectedStatus: 200}
	for _, d := range scopeDomains {
		if !slices.Contains(domains, d.name) {
			api.NotExpectedContent = append(api.NotExpectedContent, `"name":"`+d.name+`"`)
			page.NotExpectedContent = append(page.NotExpectedContent, "<tr><td>"+d.name+"</td>")
			continue
		}
		api.ExpectedContent = append(api.ExpectedContent, `"name":"`+d.name+`"`)
		yes := map[bool]string{true: "yes", false: "no"}[d.parentRead]
		page.ExpectedContent = append(page.ExpectedContent, "<tr><td>"+d.name+"</td><td>"+yes+"</td></tr>")
	}
	return append(out, api, page)
}

func scopeAreaNames() []string {
	var out []string
	for _, a := range scopeAreas {
		out = append(out, a.name)
	}
	return out
}

// TestManagedListingsScope checks the scoped listings in a server of their
// own; TestAuthorizationMatrix checks them among its other callers too.
func TestManagedListingsScope(t *testing.T) {
	e := servertest.NewEnv(t, nil)
	newScopedWorld(t, e)
	checkScopedListings(t, e)
}
