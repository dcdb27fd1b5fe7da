package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/logbookhq/logbook/internal/store"
)

// testWithin checks that the management listings keep to a scope: a
// user, token or domain is listed only when every domain it is bound to
// is one of the scope's Domains or lies below one. The scope's Exact
// domains (parent read access) do not count, a peer whose name merely
// begins like an allowed domain is not below it, and an object bound to
// no domain is listed only for AllDomains.
func testWithin(t *testing.T, st store.Store) {
	ctx := context.Background()
	for _, d := range []string{"Global/WX", "Global/WX/EU", "Global/WX/EU/Lab", "Global/WX/EUX", "Global/WX/AP"} {
		if err := st.CreateDomain(ctx, store.Domain{Name: d, CreatedAt: accountsBase}); err != nil {
			t.Fatalf("CreateDomain(%q): %v", d, err)
		}
	}
	bound := map[string][]string{
		"within-eu":       {"Global/WX/EU"},
		"within-lab":      {"Global/WX/EU/Lab"},
		"within-eu-lab":   {"Global/WX/EU", "Global/WX/EU/Lab"},
		"within-eu-ap":    {"Global/WX/EU", "Global/WX/AP"},
		"within-global":   {"Global"},
		"within-parent":   {"Global/WX"},
		"within-prefix":   {"Global/WX/EUX"},
		"within-ap":       {"Global/WX/AP"},
		"within-unbound":  {},
		"within-wildcard": {"Global/WX/EU%"},
	}
	var all []string
	for name, ds := range bound {
		all = append(all, name)
		if err := st.CreateUser(ctx, store.User{Name: name, PasswordHash: "x", Roles: []string{"user"}, Domains: ds,
			CreatedAt: accountsBase, UpdatedAt: accountsBase}); err != nil {
			t.Fatalf("CreateUser(%q): %v", name, err)
		}
		if _, err := st.CreateToken(ctx, store.Token{Name: name, Hash: "within-" + name, Scopes: []string{"read"}, Domains: ds,
			CreatedBy: "test", CreatedAt: accountsBase}); err != nil {
			t.Fatalf("CreateToken(%q): %v", name, err)
		}
	}
	slices.Sort(all)
	eu := store.Scope{Domains: []string{"Global/WX/EU"}, Exact: []string{"Global/WX"}}
	for _, tc := range []struct {
		name          string
		within        store.Scope
		objects, doms []string
	}{
		{"all", store.AllDomains, all, []string{"Global/WX", "Global/WX/AP", "Global/WX/EU", "Global/WX/EU/Lab", "Global/WX/EUX"}},
		{"a subtree with parent read", eu, []string{"within-eu", "within-eu-lab", "within-lab"}, []string{"Global/WX/EU", "Global/WX/EU/Lab"}},
		{"two subtrees", store.Scope{Domains: []string{"Global/WX/EU/Lab", "Global/WX/AP"}}, []string{"within-ap", "within-lab"},
			[]string{"Global/WX/AP", "Global/WX/EU/Lab"}},
		{"exact only", store.Scope{Exact: []string{"Global/WX/EU"}}, nil, nil},
		{"nothing", store.Scope{}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			us, err := st.ListUsers(ctx, tc.within)
			if err != nil {
				t.Fatal(err)
			}
			var users []string
			for _, u := range us {
				if strings.HasPrefix(u.Name, "within-") {
					users = append(users, u.Name)
				}
			}
			if !slices.Equal(users, tc.objects) {
				t.Errorf("ListUsers(%+v) = %q, want %q", tc.within, users, tc.objects)
			}
			ts, err := st.ListTokens(ctx, tc.within)
			if err != nil {
				t.Fatal(err)
			}
			var tokens []string
			for _, tk := range ts {
				if strings.HasPrefix(tk.Name, "within-") {
					tokens = append(tokens, tk.Name)
				}
			}
			slices.Sort(tokens)
			if !slices.Equal(tokens, tc.objects) {
				t.Errorf("ListTokens(%+v) = %q, want %q", tc.within, tokens, tc.objects)
			}
			ds, err := st.ListDomains(ctx, tc.within)
			if err != nil {
				t.Fatal(err)
			}
			var doms []string
			for _, d := range ds {
				if strings.HasPrefix(d.Name, "Global/WX") {
					doms = append(doms, d.Name)
				}
			}
			if !slices.Equal(doms, tc.doms) {
				t.Errorf("ListDomains(%+v) = %q, want %q", tc.within, doms, tc.doms)
			}
		})
	}
}
