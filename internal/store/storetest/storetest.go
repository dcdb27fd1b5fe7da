// Package storetest is the conformance suite of the store contract. Every
// engine runs it against a real database: what passes here behaves the same
// to every caller, whichever engine is configured.
package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/search"
	"github.com/logbookhq/logbook/internal/store"
)

// OpenFunc opens a new, empty store for one test.
type OpenFunc func(t *testing.T) store.Store

// Run runs every conformance test against the engine that open opens.
func Run(t *testing.T, open OpenFunc) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"AppendChainsEntries", testAppendChainsEntries},
		{"AppendIdempotent", testAppendIdempotent},
		{"GetAndScope", testGetAndScope},
		{"Filters", testFilters},
		{"KeysetPagingEverySort", testKeysetPaging},
		{"CountCapped", testCountCapped},
		{"Estimate", testEstimate},
		{"ConcurrentAppends", testConcurrentAppends},
		{"LargeDetailRoundTrip", testLargeDetail},
		{"Values", testValues},
		{"AfterID", testAfterID},
		{"TryLock", testTryLock},
		{"ConfigChanges", testConfigChanges},
		{"ObjectIndex", testObjectIndex},
		{"StatsAndHistogram", testStats},
		{"Search", testSearch},
		{"SearchAtLimits", testSearchAtLimits},
		{"SavedSearches", testSavedSearches},
		{"Accounts", testAccounts},
		{"Jobs", testJobs},
		{"PurgePrefix", testPurgePrefix}, {"PurgeDomain", testPurgeDomain}, {"PurgeWords", testPurgeWords}, {"PurgeScope", testPurgeScope}, {"ForgedBridgeMiddle", testForgedBridgeMiddle}, {"ForgedBridgeTail", testForgedBridgeTail}, {"ForgedBridgeInStatedPurge", testForgedBridgeInStatedPurge}, {"SettingsAndParams", testSettingsAndParams},
		{"Forwarding", testForwarding},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t)
			tc.fn(t, st)
		})
	}
}

var base = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// entry returns a valid entry; fields are varied by the caller.
func entry(user, task string, ts time.Time) audit.Entry {
	return audit.Entry{Timestamp: ts, UserName: user, UserIP: "172.16.0.1", Domain: "Global",
		Application: "Network Management Platform", Workspace: "Devices", Task: task,
		Result: audit.ResultSuccess, Description: task + " by " + user, Source: "test"}
}

func mustAppend(t *testing.T, st store.Store, es ...audit.Entry) []int64 {
	t.Helper()
	ids, err := st.Append(context.Background(), es)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	return ids
}

func verify(t *testing.T, st store.Store, want int64) {
	t.Helper()
	n, _, err := store.VerifyChain(context.Background(), st)
	if err != nil {
		t.Fatalf("VerifyChain: %v", err)
	}
	if n != want {
		t.Fatalf("VerifyChain checked %d entries, want %d", n, want)
	}
}

func testAppendChainsEntries(t *testing.T, st store.Store) {
	ctx := context.Background()
	ids := mustAppend(t, st, entry("super", "Login", base), entry("jdoe", "Logout", base.Add(time.Second)))
	ids = append(ids, mustAppend(t, st, entry("super", "Deploy Template", base.Add(2*time.Second)))...)
	if !slices.Equal(ids, []int64{1, 2, 3}) {
		t.Fatalf("ids = %v, want [1 2 3]", ids)
	}
	verify(t, st, 3)
	headID, headHash, err := st.Head(ctx)
	if err != nil || headID != 3 {
		t.Fatalf("Head = %d, %v; want 3", headID, err)
	}
	e, err := st.Get(ctx, store.AllDomains, 3)
	if err != nil {
		t.Fatal(err)
	}
	if e.Hash != fmt.Sprintf("%x", headHash) {
		t.Errorf("head hash %x is not entry 3's hash %s", headHash, e.Hash)
	}
	prev, _ := st.Get(ctx, store.AllDomains, 2)
	if e.PrevHash != prev.Hash {
		t.Errorf("entry 3 prev_hash %s, want entry 2's hash %s", e.PrevHash, prev.Hash)
	}
	if e.RecordedAt.IsZero() || e.Timestamp != base.Add(2*time.Second) {
		t.Errorf("timestamps not kept: %v %v", e.Timestamp, e.RecordedAt)
	}
}

func testAppendIdempotent(t *testing.T, st store.Store) {
	a := entry("super", "Login", base)
	a.EventID = "evt-1"
	b := a
	b.Source = "other-source"
	ids := mustAppend(t, st, a, a, b)
	if ids[0] != ids[1] || ids[0] == ids[2] {
		t.Fatalf("ids = %v: want the same id for one event_id within a call, another for another source", ids)
	}
	again := mustAppend(t, st, entry("jdoe", "Login", base), a)
	if again[1] != ids[0] {
		t.Fatalf("repeated event_id got id %d, want %d", again[1], ids[0])
	}
	verify(t, st, 3)
}

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

func ids(es []audit.Entry) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

// corpus appends n varied entries, many sharing a timestamp, and returns
// them as stored.
func corpus(t *testing.T, st store.Store, n int) []audit.Entry {
	rng := rand.New(rand.NewPCG(1, 2))
	users := []string{"super", "jdoe", "netops1", "netops2", "admin", "Zed", "älva"}
	tasks := []string{"Login", "Logout", "Apply CLI Configlet", "Deploy Template", "Execute Script"}
	results := audit.Results
	domains := []string{"Global", "Global/EMEA", "Global/EMEA/Lab", "Global/APAC"}
	es := make([]audit.Entry, n)
	for i := range es {
		e := entry(users[rng.IntN(len(users))], tasks[rng.IntN(len(tasks))], base.Add(time.Duration(rng.IntN(n/3+1))*time.Second))
		e.Result = results[rng.IntN(len(results))]
		e.Domain = domains[rng.IntN(len(domains))]
		e.UserIP = fmt.Sprintf("10.0.%d.%d", rng.IntN(3), rng.IntN(4))
		e.Workspace = []string{"", "Devices", "Jobs"}[rng.IntN(3)]
		e.Application = []string{"REST", "Network Management Platform", "Service Automation"}[rng.IntN(3)]
		if rng.IntN(2) == 0 {
			e.JobID = int64(360448 + rng.IntN(5))
		}
		es[i] = e
	}
	// Append in several calls to cross transaction boundaries.
	for i := 0; i < n; i += 37 {
		mustAppend(t, st, es[i:min(i+37, n)]...)
	}
	return es
}

func sortKey(f store.SortField, e *audit.Entry) (string, int64) {
	switch f {
	case store.SortID:
		return "", 0
	case store.SortTimestamp:
		return "", 0
	case store.SortJobID:
		return "", e.JobID
	}
	return store.TextValue(f, e), 0
}

// expected sorts es the way the store must: by the field, then timestamp,
// then id, all in one direction.
func expected(es []audit.Entry, s store.Sort) []int64 {
	out := slices.Clone(es)
	slices.SortFunc(out, func(a, b audit.Entry) int {
		at, an := sortKey(s.Field, &a)
		bt, bn := sortKey(s.Field, &b)
		c := cmp.Or(strings.Compare(at, bt), cmp.Compare(an, bn), a.Timestamp.Compare(b.Timestamp), cmp.Compare(a.ID, b.ID))
		if s.Field == store.SortID {
			c = cmp.Compare(a.ID, b.ID)
		}
		if s.Desc {
			return -c
		}
		return c
	})
	return ids(out)
}

func testKeysetPaging(t *testing.T, st store.Store) {
	ctx := context.Background()
	es := corpus(t, st, 150)
	for i := range es {
		es[i].ID = int64(i + 1)
	}
	filters := map[string]store.Filter{
		"none":   {},
		"task":   {Task: []store.Match{{Value: "Login"}, {Value: "Deploy Template"}}},
		"domain": {Domain: []store.Match{{Value: "Global/EMEA", Prefix: true}, {Value: "Global/APAC"}}},
	}
	for fname, f := range filters {
		var want []audit.Entry
		for _, e := range es {
			switch {
			case len(f.Task) > 0 && e.Task != "Login" && e.Task != "Deploy Template":
			case len(f.Domain) > 0 && !strings.HasPrefix(e.Domain, "Global/EMEA") && e.Domain != "Global/APAC":
			default:
				want = append(want, e)
			}
		}
		for _, field := range store.SortFields {
			for _, desc := range []bool{false, true} {
				s := store.Sort{Field: field, Desc: desc}
				t.Run(fname+"/"+s.String(), func(t *testing.T) {
					wantIDs := expected(want, s)
					// Forward through every page.
					var got []int64
					var pages []store.Page
					q := store.Query{Filter: f, Sort: s, Limit: 7}
					for {
						p, err := st.List(ctx, store.AllDomains, q)
						if err != nil {
							t.Fatal(err)
						}
						pages = append(pages, p)
						got = append(got, ids(p.Entries)...)
						if p.Next == nil {
							break
						}
						if len(pages) > 100 {
							t.Fatal("paging does not end")
						}
						c, err := store.DecodeCursor(p.Next.Encode(), s)
						if err != nil {
							t.Fatal(err)
						}
						q.After = c
					}
					if !slices.Equal(got, wantIDs) {
						t.Fatalf("forward paging gave\n%v\nwant\n%v", got, wantIDs)
					}
					if pages[0].Prev != nil {
						t.Error("first page has a previous cursor")
					}
					// Backward from the last page reproduces every page.
					for i := len(pages) - 1; i > 0; i-- {
						q.After = pages[i].Prev
						if q.After == nil {
							t.Fatalf("page %d has no previous cursor", i)
						}
						p, err := st.List(ctx, store.AllDomains, q)
						if err != nil {
							t.Fatal(err)
						}
						if !slices.Equal(ids(p.Entries), ids(pages[i-1].Entries)) {
							t.Fatalf("backward to page %d gave %v, want %v", i-1, ids(p.Entries), ids(pages[i-1].Entries))
						}
						if (p.Prev == nil) != (i-1 == 0) {
							t.Fatalf("page %d reached backward: prev cursor present = %v", i-1, p.Prev != nil)
						}
					}
				})
			}
		}
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

// words parses a search of free words.
func words(q string) *search.Query {
	sq, err := search.Parse(q, base, time.UTC)
	if err != nil {
		panic(err)
	}
	return &sq
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

func testConcurrentAppends(t *testing.T, st store.Store) {
	const writers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				e := entry(fmt.Sprintf("w%d", w), "Login", base)
				e.EventID = fmt.Sprintf("%d-%d", w, i)
				if _, err := st.Append(context.Background(), []audit.Entry{e, e}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	verify(t, st, writers*each)
}

func testLargeDetail(t *testing.T, st store.Store) {
	e := entry("super", "Modify Application Settings", base)
	e.AffectedObjectDetail = strings.Repeat(`{"setting":"Max Login Attempts","before":"4","after":"5"}`, 1000)
	e.AffectedObjects = []audit.Object{{Type: "Setting", ID: "42", Name: "Max Login Attempts"}}
	mustAppend(t, st, e)
	got, err := st.Get(context.Background(), store.AllDomains, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.AffectedObjectDetail != e.AffectedObjectDetail || !slices.Equal(got.AffectedObjects, e.AffectedObjects) {
		t.Fatal("detail or objects changed on the way through the store")
	}
	verify(t, st, 1)
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

func testAfterID(t *testing.T, st store.Store) {
	ctx := context.Background()
	corpus(t, st, 50)
	f := store.Filter{AfterID: 40}
	n, err := st.Count(ctx, store.AllDomains, f, 100)
	if err != nil || n != 10 {
		t.Fatalf("Count after id 40 = %d, %v; want 10", n, err)
	}
	f.Task = []store.Match{{Value: "Login"}}
	page, _ := st.List(ctx, store.AllDomains, store.Query{Filter: f, Sort: store.DefaultSort, Limit: 100})
	for _, e := range page.Entries {
		if e.ID <= 40 || e.Task != "Login" {
			t.Fatalf("entry %d (%s) listed after id 40 with task Login", e.ID, e.Task)
		}
	}
}

func testTryLock(t *testing.T, st store.Store) {
	ctx := context.Background()
	release, ok, err := st.TryLock(ctx, "scheduler")
	if err != nil || !ok {
		t.Fatalf("first TryLock = %v, %v", ok, err)
	}
	if _, ok, _ := st.TryLock(ctx, "scheduler"); ok {
		t.Fatal("a held lock was taken again")
	}
	other, ok, err := st.TryLock(ctx, "retention")
	if err != nil || !ok {
		t.Fatalf("another name: %v, %v", ok, err)
	}
	other()
	release()
	release() // twice is harmless
	again, ok, err := st.TryLock(ctx, "scheduler")
	if err != nil || !ok {
		t.Fatalf("TryLock after release = %v, %v", ok, err)
	}
	again()
}

func testConfigChanges(t *testing.T, st store.Store) {
	ctx := context.Background()
	big := strings.Repeat("set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24\n", 20000)
	cs := []audit.ConfigChange{
		{Device: "mx960-1", Format: "set", Before: big, After: strings.Replace(big, "10.0.0.1", "10.0.0.2", 1)},
		{Device: "ex4300-2", Format: "text", Before: "", After: "system { host-name ex4300-2; }\n"},
	}
	e := entry("super", "Apply CLI Configlet", base)
	e.ConfigChanges, e.HasConfigChange, e.ConfigDigest = cs, true, audit.ConfigDigest(cs)
	plain := entry("super", "Login", base)
	ids := mustAppend(t, st, e, plain)
	got, err := st.ConfigChanges(ctx, store.AllDomains, ids[0])
	if err != nil || len(got) != 2 || got[0] != cs[0] || got[1] != cs[1] {
		t.Fatalf("ConfigChanges = %d changes, %v", len(got), err)
	}
	if _, err := st.ConfigChanges(ctx, store.AllDomains, ids[1]); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an entry without a change: %v, want ErrNotFound", err)
	}
	if _, err := st.ConfigChanges(ctx, store.Scope{Domains: []string{"Global/APAC"}}, ids[0]); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("out of scope: %v, want ErrNotFound", err)
	}
	stored, _ := st.Get(ctx, store.AllDomains, ids[0])
	if !stored.HasConfigChange || string(stored.ConfigDigest) != string(e.ConfigDigest) {
		t.Error("the entry lost its digest")
	}
	verify(t, st, 2)
}

func testObjectIndex(t *testing.T, st store.Store) {
	var es []audit.Entry
	for i := range 30 {
		e := entry("u", "Deploy Template", base.Add(time.Duration(i)*time.Second))
		e.AffectedObjects = []audit.Object{{Type: "Device", ID: fmt.Sprint(i % 3), Name: fmt.Sprintf("mx960-%d", i%3)},
			{Type: "Template", Name: "ntp"}}
		if i%2 == 0 {
			e.Domain = "Global/EMEA"
		}
		es = append(es, e)
	}
	// Small appends, then a large one of other entries, which moves them
	// to the indexed table of an engine that buffers small commits.
	mustAppend(t, st, es[:5]...)
	mustAppend(t, st, es[5:]...)
	run := func(t *testing.T) { checkObjectIndex(t, st) }
	t.Run("buffered", run)
	filler := make([]audit.Entry, 300)
	for i := range filler {
		filler[i] = entry("filler", "Logout", base.Add(-time.Hour))
	}
	mustAppend(t, st, filler...)
	t.Run("indexed", run)
}

func checkObjectIndex(t *testing.T, st store.Store) {
	ctx := context.Background()
	dev1 := store.Filter{Object: []store.ObjectRef{{Type: "Device", Name: "mx960-1"}}}
	page, err := st.List(ctx, store.AllDomains, store.Query{Filter: dev1, Sort: store.DefaultSort, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var want []int64
	for i := 29; i >= 0; i-- {
		if i%3 == 1 {
			want = append(want, int64(i+1))
		}
	}
	if got := ids(page.Entries); !slices.Equal(got, want) {
		t.Fatalf("entries that touched Device mx960-1: %v, want %v", got, want)
	}
	if n, _ := st.Count(ctx, store.AllDomains, store.Filter{Object: []store.ObjectRef{{Type: "Template", Name: "ntp"}}}, 100); n != 30 {
		t.Errorf("Template ntp touched by %d entries, want 30", n)
	}
	if n, _ := st.Count(ctx, store.AllDomains, store.Filter{Object: []store.ObjectRef{{Type: "Device", Name: "ntp"}}}, 100); n != 0 {
		t.Errorf("type and name must both match: %d", n)
	}
	// With a time range, also as a search: seconds 10 to 19 hold 10.
	ranged := store.Filter{Object: []store.ObjectRef{{Type: "Template", Name: "ntp"}}, From: base.Add(10 * time.Second), To: base.Add(20 * time.Second)}
	if n, _ := st.Count(ctx, store.AllDomains, ranged, 100); n != 10 {
		t.Errorf("Template ntp in ten seconds: %d entries, want 10", n)
	}
	sq, _ := search.Parse("object:Template:ntp after:2026-11-25T10:00:10Z before:2026-11-25T10:00:20Z", base, time.UTC)
	if page, _ := st.List(ctx, store.AllDomains, store.Query{Filter: store.Filter{Search: &sq}, Sort: store.DefaultSort, Limit: 100}); len(page.Entries) != 10 || page.Entries[0].ID != 20 {
		t.Errorf("object and time search: %v", ids(page.Entries))
	}
	emea := store.Scope{Domains: []string{"Global/EMEA"}}
	page, _ = st.List(ctx, emea, store.Query{Filter: dev1, Sort: store.DefaultSort, Limit: 100})
	for _, e := range page.Entries {
		if e.Domain != "Global/EMEA" {
			t.Errorf("scope leaked entry %d of %s", e.ID, e.Domain)
		}
	}
	if len(page.Entries) != 5 {
		t.Errorf("%d entries of Device mx960-1 in Global/EMEA, want 5", len(page.Entries))
	}
	two := store.Filter{Object: []store.ObjectRef{{Type: "Device", Name: "mx960-1"}, {Type: "Device", Name: "mx960-2"}}}
	if n, _ := st.Count(ctx, store.AllDomains, two, 100); n != 20 {
		t.Errorf("either of two devices: %d, want 20", n)
	}
}

func testStats(t *testing.T, st store.Store) {
	ctx := context.Background()
	es := corpus(t, st, 90)
	count := map[string]int64{}
	for _, e := range es {
		if strings.HasPrefix(e.Domain, "Global/EMEA") {
			count[e.UserName]++
		}
	}
	emea := store.Scope{Domains: []string{"Global/EMEA"}}
	groups, err := st.Stats(ctx, emea, store.Filter{}, store.SortUserName, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != min(3, len(count)) {
		t.Fatalf("%d groups, want the top 3", len(groups))
	}
	for i, g := range groups {
		if g.Count != count[g.Key] {
			t.Errorf("user %s counted %d, want %d", g.Key, g.Count, count[g.Key])
		}
		if i > 0 && g.Count > groups[i-1].Count {
			t.Error("groups are not most frequent first")
		}
	}
	f := store.Filter{Task: []store.Match{{Value: "Login"}}}
	results, _ := st.Stats(ctx, store.AllDomains, f, store.SortResult, 10)
	var total int64
	for _, g := range results {
		total += g.Count
	}
	want := 0
	for _, e := range es {
		if e.Task == "Login" {
			want++
		}
	}
	if total != int64(want) {
		t.Errorf("results of Login entries add up to %d, want %d", total, want)
	}
	if _, err := st.Stats(ctx, store.AllDomains, store.Filter{}, store.SortTimestamp, 10); err == nil {
		t.Error("grouping by timestamp was accepted")
	}
	buckets, err := st.Histogram(ctx, store.AllDomains, store.Filter{}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for i, b := range buckets {
		n += b.Count
		if b.Start.UnixMicro()%(10*time.Second).Microseconds() != 0 || (i > 0 && !b.Start.After(buckets[i-1].Start)) {
			t.Errorf("bucket %v is not aligned or not in order", b.Start)
		}
	}
	if n != int64(len(es)) {
		t.Errorf("histogram counts %d entries, want %d", n, len(es))
	}
}

// testSearch runs every operator of the search language; each engine must
// select exactly the entries a plain Go predicate selects.
func testSearch(t *testing.T, st store.Store) {
	ctx := context.Background()
	es := corpus(t, st, 150)
	devices := []string{"mx960-1", "mx960-2", "ex4300-edge-12", "srx-Zürich"}
	for i := range es {
		es[i].ID = int64(i + 1)
	}
	// A few entries touch devices, whose names free words find too.
	var more []audit.Entry
	for i := range 20 {
		e := entry("netops1", "Deploy Template", base.Add(time.Duration(i)*time.Second))
		e.AffectedObjects = []audit.Object{{Type: "Device", Name: devices[i%len(devices)]}}
		e.Description = "Deploy ntp-servers to " + devices[i%len(devices)] + "."
		e.UserIP = []string{"2001:db8:1::5", "2001:db8:2::7", "2001:db9::1", "10.0.9.9", ""}[i%5]
		more = append(more, e)
	}
	for i, id := range mustAppend(t, st, more...) {
		more[i].ID = id
	}
	es = append(es, more...)
	// has is the meaning of a free word: each of its words is a word of
	// the entry's description, task, user name or objects' names, the last
	// one only its beginning when the free word ends in "*".
	has := func(e audit.Entry, w string) bool {
		words := audit.SplitWords(e.Words())
		qs := audit.SplitWords(w)
		for i, q := range qs {
			prefix := i == len(qs)-1 && strings.HasSuffix(w, "*")
			if !slices.ContainsFunc(words, func(x string) bool { return x == q || (prefix && strings.HasPrefix(x, q)) }) {
				return false
			}
		}
		return true
	}
	cases := []struct {
		q    string
		want func(e audit.Entry) bool
	}{
		{`user:jdoe`, func(e audit.Entry) bool { return e.UserName == "jdoe" }},
		{`user:net*`, func(e audit.Entry) bool { return strings.HasPrefix(e.UserName, "net") }},
		{`user:nobody*`, func(audit.Entry) bool { return false }},
		{`user:net*,jdoe task:Log*`, func(e audit.Entry) bool {
			return (strings.HasPrefix(e.UserName, "net") || e.UserName == "jdoe") && strings.HasPrefix(e.Task, "Log")
		}},
		{`-user:jdoe`, func(e audit.Entry) bool { return e.UserName != "jdoe" }},
		{`task:"Apply CLI Configlet",Login`, func(e audit.Entry) bool { return e.Task == "Apply CLI Configlet" || e.Task == "Login" }},
		{`result:failure`, func(e audit.Entry) bool { return e.Result == audit.ResultFailure }},
		{`result:Job\ Scheduled -domain:Global/EMEA*`, func(e audit.Entry) bool {
			return e.Result == audit.ResultJobScheduled && !strings.HasPrefix(e.Domain, "Global/EMEA")
		}},
		{`ip:10.0.1.0/24`, func(e audit.Entry) bool { return strings.HasPrefix(e.UserIP, "10.0.1.") }},
		{`ip:10.0.0.0/23`, func(e audit.Entry) bool {
			return strings.HasPrefix(e.UserIP, "10.0.0.") || strings.HasPrefix(e.UserIP, "10.0.1.")
		}},
		{`ip:10.0.2.3`, func(e audit.Entry) bool { return e.UserIP == "10.0.2.3" }},
		{`ip:2001:db8::/32`, func(e audit.Entry) bool { return strings.HasPrefix(e.UserIP, "2001:db8:") }},
		{`ip:2001:db8:1::/48`, func(e audit.Entry) bool { return e.UserIP == "2001:db8:1::5" }},
		{`ip:2001:db8::/31 -ip:2001:db8:2::/48`, func(e audit.Entry) bool {
			return e.UserIP == "2001:db8:1::5" || e.UserIP == "2001:db9::1"
		}},
		{`ip:::/0`, func(e audit.Entry) bool { return strings.Contains(e.UserIP, ":") }},
		{`job:360449`, func(e audit.Entry) bool { return e.JobID == 360449 }},
		{`after:2026-11-25T10:00:20Z before:2026-11-25T10:00:40Z`, func(e audit.Entry) bool {
			return !e.Timestamp.Before(base.Add(20*time.Second)) && e.Timestamp.Before(base.Add(40*time.Second))
		}},
		{`id:7`, func(e audit.Entry) bool { return e.ID == 7 }},
		{`älva`, func(e audit.Entry) bool { return e.UserName == "älva" }},
		{`template`, func(e audit.Entry) bool { return has(e, "template") }},
		{`TEMPL`, func(audit.Entry) bool { return false }}, // whole words
		{`TEMPL*`, func(e audit.Entry) bool { return has(e, "templ*") }},
		{`deploy mx96*`, func(e audit.Entry) bool { return has(e, "deploy") && has(e, "mx96*") }},
		{`-mx9*`, func(e audit.Entry) bool { return !has(e, "mx9*") }},
		{`deploy -netops1`, func(e audit.Entry) bool { return has(e, "deploy") && !has(e, "netops1") }},
		{`"Execute Script by"`, func(e audit.Entry) bool { return strings.Contains(e.Description, "Execute Script by") }},
		{`"by execute"`, func(audit.Entry) bool { return false }}, // a phrase keeps its order
		{`-"script by jdoe"`, func(e audit.Entry) bool { return !strings.Contains(e.Description, "Script by jdoe") }},
		{`mx960`, func(e audit.Entry) bool { return has(e, "mx960") }},
		{`mx960-2`, func(e audit.Entry) bool { return has(e, "mx960-2") }},
		{`960`, func(audit.Entry) bool { return false }}, // words match whole
		{`zürich ntp`, func(e audit.Entry) bool { return has(e, "zürich") && has(e, "ntp") }},
		{`-mx960 ntp user:netops1`, func(e audit.Entry) bool {
			return !has(e, "mx960") && has(e, "ntp") && e.UserName == "netops1"
		}},
		{`100%`, func(audit.Entry) bool { return false }},
	}
	run := func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.q, func(t *testing.T) {
				sq, err := search.Parse(tc.q, base.Add(time.Hour), time.UTC)
				if err != nil {
					t.Fatal(err)
				}
				f := store.Filter{Search: &sq}
				page, err := st.List(ctx, store.AllDomains, store.Query{Filter: f, Sort: store.DefaultSort, Limit: 1000})
				if err != nil {
					t.Fatal(err)
				}
				var want []audit.Entry
				for _, e := range es {
					if tc.want(e) {
						want = append(want, e)
					}
				}
				if got, w := ids(page.Entries), expected(want, store.DefaultSort); !slices.Equal(got, w) {
					t.Fatalf("got %v\nwant %v", got, w)
				}
				if n, err := st.Count(ctx, store.AllDomains, f, 1000); err != nil || n != len(want) {
					t.Fatalf("Count = %d, %v; want %d", n, err, len(want))
				}
				if by, err := st.Stats(ctx, store.AllDomains, f, store.SortUserName, 100); err != nil || sum(by) != len(want) {
					t.Fatalf("Stats = %v, %v; want %d in all", by, err, len(want))
				}
			})
		}
	}
	t.Run("small commits", run)
	// A large commit: an engine that buffers small commits (SQLite) moves
	// them to its indexed table first, so the same searches run there.
	filler := make([]audit.Entry, 300)
	for i := range filler {
		filler[i] = entry("filler", "Logout", base.Add(-time.Hour))
		filler[i].Description = "Signed out"
	}
	for i, id := range mustAppend(t, st, filler...) {
		filler[i].ID = id
	}
	es = append(es, filler...)
	t.Run("after a large commit", run)
}

func sum(gs []store.Group) int {
	n := 0
	for _, g := range gs {
		n += int(g.Count)
	}
	return n
}

func testSavedSearches(t *testing.T, st store.Store) {
	ctx := context.Background()
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for _, ss := range []store.SavedSearch{
		{Owner: "ann", Name: "failures", Query: "q=result%3AFailure", CreatedAt: at},
		{Owner: "ann", Name: "apac", Query: "domain=Global%2FAPAC", CreatedAt: at},
		{Owner: "bob", Name: "failures", Query: "q=mine", CreatedAt: at},
		{Owner: "ann", Name: "failures", Query: "q=result%3AFailure+-user%3Aadmin", CreatedAt: at.Add(time.Hour)},
	} {
		if err := st.SaveSearch(ctx, ss); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.SavedSearches(ctx, "ann")
	if err != nil || len(got) != 2 || got[0].Name != "apac" || got[1].Query != "q=result%3AFailure+-user%3Aadmin" || !got[1].CreatedAt.Equal(at.Add(time.Hour)) {
		t.Fatalf("ann's searches: %+v, %v", got, err)
	}
	if err := st.DeleteSearch(ctx, "ann", "failures"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteSearch(ctx, "ann", "failures"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting twice: %v", err)
	}
	if got, _ := st.SavedSearches(ctx, "bob"); len(got) != 1 || got[0].Query != "q=mine" {
		t.Errorf("bob's searches changed: %+v", got)
	}
}
