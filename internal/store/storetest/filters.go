package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

func testGetAndScope(t *testing.T, st store.Store) {
	ctx := context.Background()
	var es []audit.Entry
	for _, d := range []string{"Global", "Global/EMEA", "Global/EMEA/Lab", "Global/EMEAX", "Global/APAC"} {
		e := entry("u", "Login", base)
		e.Domain = d
		es = append(es, e)
	}
	mustAppend(t, st, es...)
	emea := store.Scope{Domains: []string{"Global/EMEA"}}
	for id, want := range map[int64]bool{1: false, 2: true, 3: true, 4: false, 5: false} {
		_, err := st.Get(ctx, emea, id)
		if want && err != nil {
			t.Errorf("Get(%d) in Global/EMEA: %v", id, err)
		}
		if !want && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(%d) in Global/EMEA = %v, want ErrNotFound", id, err)
		}
	}
	if _, err := st.Get(ctx, store.AllDomains, 99); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get(99) = %v, want ErrNotFound", err)
	}
	page, err := st.List(ctx, emea, store.Query{Sort: store.DefaultSort, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(page.Entries); !slices.Equal(got, []int64{3, 2}) {
		t.Errorf("List in Global/EMEA = %v, want [3 2]", got)
	}
	if n, _ := st.Count(ctx, emea, store.Filter{}, 100); n != 2 {
		t.Errorf("Count in Global/EMEA = %d, want 2", n)
	}
	page, _ = st.List(ctx, store.Scope{}, store.Query{Sort: store.DefaultSort, Limit: 10})
	if n, _ := st.Count(ctx, store.Scope{}, store.Filter{}, 100); len(page.Entries) != 0 || n != 0 {
		t.Errorf("the zero scope saw %d entries (count %d)", len(page.Entries), n)
	}
}

func testFilters(t *testing.T, st store.Store) {
	ctx := context.Background()
	es := corpus(t, st, 200)
	for i := range es {
		es[i].ID = int64(i + 1)
	}
	m := func(v string) []store.Match { return []store.Match{{Value: v}} }
	p := func(v string) []store.Match { return []store.Match{{Value: v, Prefix: true}} }
	cases := []struct {
		name   string
		f      store.Filter
		scope  store.Scope
		wantFn func(e audit.Entry) bool
	}{
		{"user exact", store.Filter{UserName: m("jdoe")}, store.AllDomains, func(e audit.Entry) bool { return e.UserName == "jdoe" }},
		{"user prefix", store.Filter{UserName: p("netops")}, store.AllDomains, func(e audit.Entry) bool { return strings.HasPrefix(e.UserName, "netops") }},
		{"user non-ascii", store.Filter{UserName: m("älva")}, store.AllDomains, func(e audit.Entry) bool { return e.UserName == "älva" }},
		{"ip prefix", store.Filter{UserIP: p("10.0.1.")}, store.AllDomains, func(e audit.Entry) bool { return strings.HasPrefix(e.UserIP, "10.0.1.") }},
		{"domain exact", store.Filter{Domain: m("Global/EMEA")}, store.AllDomains, func(e audit.Entry) bool { return e.Domain == "Global/EMEA" }},
		{"domain prefix", store.Filter{Domain: p("Global/EMEA")}, store.AllDomains, func(e audit.Entry) bool { return strings.HasPrefix(e.Domain, "Global/EMEA") }},
		{"application", store.Filter{Application: m("REST")}, store.AllDomains, func(e audit.Entry) bool { return e.Application == "REST" }},
		{"workspace empty excluded", store.Filter{Workspace: m("Jobs")}, store.AllDomains, func(e audit.Entry) bool { return e.Workspace == "Jobs" }},
		{"task or", store.Filter{Task: []store.Match{{Value: "Login"}, {Value: "Logout"}}}, store.AllDomains, func(e audit.Entry) bool { return e.Task == "Login" || e.Task == "Logout" }},
		{"result and task", store.Filter{Result: m("Failure"), Task: m("Login")}, store.AllDomains, func(e audit.Entry) bool { return e.Result == "Failure" && e.Task == "Login" }},
		{"job id", store.Filter{JobID: []int64{360448, 360450}}, store.AllDomains, func(e audit.Entry) bool { return e.JobID == 360448 || e.JobID == 360450 }},
		{"time range", store.Filter{From: base.Add(10 * time.Second), To: base.Add(30 * time.Second)}, store.AllDomains,
			func(e audit.Entry) bool {
				return !e.Timestamp.Before(base.Add(10*time.Second)) && e.Timestamp.Before(base.Add(30*time.Second))
			}},
		{"scope subtree", store.Filter{}, store.Scope{Domains: []string{"Global/EMEA"}}, func(e audit.Entry) bool { return strings.HasPrefix(e.Domain, "Global/EMEA") }},
		{"scope with an exact parent", store.Filter{}, store.Scope{Domains: []string{"Global/EMEA/Lab"}, Exact: []string{"Global/EMEA"}},
			func(e audit.Entry) bool { return e.Domain == "Global/EMEA" || e.Domain == "Global/EMEA/Lab" }},
		{"scope and filter", store.Filter{UserName: m("super")}, store.Scope{Domains: []string{"Global/APAC", "Global/EMEA/Lab"}},
			func(e audit.Entry) bool {
				return e.UserName == "super" && (e.Domain == "Global/APAC" || e.Domain == "Global/EMEA/Lab")
			}},
		{"no match", store.Filter{UserName: m("nobody")}, store.AllDomains, func(audit.Entry) bool { return false }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var want []audit.Entry
			for _, e := range es {
				if tc.wantFn(e) {
					want = append(want, e)
				}
			}
			page, err := st.List(ctx, tc.scope, store.Query{Filter: tc.f, Sort: store.DefaultSort, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if got, w := ids(page.Entries), expected(want, store.DefaultSort); !slices.Equal(got, w) {
				t.Fatalf("got %v\nwant %v", got, w)
			}
			n, err := st.Count(ctx, tc.scope, tc.f, 1000)
			if err != nil || n != len(want) {
				t.Fatalf("Count = %d, %v; want %d", n, err, len(want))
			}
		})
	}
}

func testCountCapped(t *testing.T, st store.Store) {
	corpus(t, st, 60)
	n, err := st.Count(context.Background(), store.AllDomains, store.Filter{}, 25)
	if err != nil || n <= 25 {
		t.Fatalf("Count capped at 25 = %d, %v; want more than 25", n, err)
	}
}

// testEstimate checks the estimate of counts beyond a cap: exact for a
// steady rate, 0 when the cap is not passed, and within scope and filter.
func testEstimate(t *testing.T, st store.Store) {
	ctx := context.Background()
	es := make([]audit.Entry, 600)
	for i := range es {
		es[i] = entry("steady", "Login", base.Add(time.Duration(i)*time.Second))
		es[i].AffectedObjects = []audit.Object{{Type: "Device", Name: "steady-1"}}
		if i%2 == 1 {
			es[i].UserName, es[i].Domain = "odd", "Global/EMEA"
		}
	}
	mustAppend(t, st, es[:300]...) // a large commit (SQLite: straight to the indexed table)
	for i := 300; i < len(es); i += 20 {
		mustAppend(t, st, es[i:i+20]...) // small commits (SQLite: buffered)
	}
	for _, tc := range []struct {
		name     string
		scope    store.Scope
		f        store.Filter
		n        int
		min, max int64
	}{
		{"all", store.AllDomains, store.Filter{}, 100, 590, 600},
		{"filtered", store.AllDomains, store.Filter{UserName: []store.Match{{Value: "odd"}}}, 50, 290, 300},
		{"scoped", store.Scope{Domains: []string{"Global/EMEA"}}, store.Filter{}, 50, 290, 300},
		{"time range", store.AllDomains, store.Filter{From: base.Add(100 * time.Second), To: base.Add(400 * time.Second)}, 30, 290, 300},
		{"words", store.AllDomains, store.Filter{Search: words("odd")}, 50, 290, 300},
		{"two words", store.AllDomains, store.Filter{Search: words("login odd")}, 50, 290, 310},
		{"object", store.AllDomains, store.Filter{Object: []store.ObjectRef{{Type: "Device", Name: "steady-1"}}}, 100, 590, 600},
		{"object in time", store.AllDomains, store.Filter{Search: words("object:Device:steady-1 after:2026-11-25T10:01:40Z")}, 100, 490, 500},
		{"words and scope", store.Scope{Domains: []string{"Global/EMEA"}}, store.Filter{Search: words("login")}, 50, 290, 300},
		{"under the cap", store.AllDomains, store.Filter{UserName: []store.Match{{Value: "odd"}}}, 300, 0, 0},
		{"nothing", store.AllDomains, store.Filter{UserName: []store.Match{{Value: "nobody"}}}, 10, 0, 0},
	} {
		got, err := st.Estimate(ctx, tc.scope, tc.f, tc.n)
		if err != nil || got < tc.min || got > tc.max {
			t.Errorf("%s: Estimate = %d, %v; want %d to %d", tc.name, got, err, tc.min, tc.max)
		}
	}
}

func testValues(t *testing.T, st store.Store) {
	ctx := context.Background()
	es := corpus(t, st, 120)
	want := map[string]bool{}
	for _, e := range es {
		if strings.HasPrefix(e.Domain, "Global/EMEA") {
			want[e.UserName] = true
		}
	}
	got, err := st.Values(ctx, store.Scope{Domains: []string{"Global/EMEA"}}, store.SortUserName, 100)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(got) || len(got) != len(want) {
		t.Fatalf("Values(user_name) in Global/EMEA = %v, want the %d users seen there, sorted", got, len(want))
	}
	for _, v := range got {
		if !want[v] {
			t.Fatalf("Values gave %q, not seen in Global/EMEA", v)
		}
	}
	got, _ = st.Values(ctx, store.AllDomains, store.SortResult, 2)
	if len(got) != 2 {
		t.Fatalf("Values with limit 2 = %v", got)
	}
	if _, err := st.Values(ctx, store.AllDomains, store.SortJobID, 10); err == nil {
		t.Fatal("Values(job_id) accepted a numeric column")
	}
}
