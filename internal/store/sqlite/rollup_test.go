package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/sqlite"
)

// TestStatsFromHourlyCounts checks the counts per hour that time-only
// statistics read against counting the entries themselves: entries in
// both tables, time ranges that cut hours, scopes, and after a purge.
func TestStatsFromHourlyCounts(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rng := rand.New(rand.NewPCG(7, 8))
	start := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	var all []audit.Entry
	mk := func(n int) []audit.Entry {
		es := make([]audit.Entry, n)
		for i := range es {
			es[i] = audit.Entry{Timestamp: start.Add(time.Duration(rng.IntN(72*3600)) * time.Second),
				UserName: fmt.Sprintf("user%d", rng.IntN(5)), Domain: []string{"Global", "Global/EMEA", "Global/APAC"}[rng.IntN(3)],
				Application: "REST", Workspace: []string{"Devices", "Jobs"}[rng.IntN(2)], Task: fmt.Sprintf("Task %d", rng.IntN(4)),
				Result: audit.Results[rng.IntN(len(audit.Results))], Source: "t"}
		}
		return es
	}
	add := func(es []audit.Entry) {
		if _, err := st.Append(ctx, es); err != nil {
			t.Fatal(err)
		}
		all = append(all, es...)
	}
	add(mk(600)) // straight to audit_log
	add(mk(100)) // buffered
	add(mk(400)) // moves the buffer, then straight in
	add(mk(50))  // buffered
	check := func(when string) {
		t.Helper()
		for _, tc := range []struct {
			scope    store.Scope
			from, to time.Time
		}{
			{store.AllDomains, time.Time{}, time.Time{}},
			{store.AllDomains, start.Add(90 * time.Minute), time.Time{}},
			{store.AllDomains, start.Add(5*time.Hour + 17*time.Minute), start.Add(40*time.Hour + 3*time.Second)},
			{store.Scope{Domains: []string{"Global/EMEA"}}, start.Add(30 * time.Minute), start.Add(50 * time.Hour)},
			{store.Scope{Exact: []string{"Global"}}, time.Time{}, start.Add(24 * time.Hour)},
			{store.AllDomains, start.Add(10*time.Hour + time.Minute), start.Add(10*time.Hour + 2*time.Minute)},
		} {
			f := store.Filter{From: tc.from, To: tc.to}
			in := func(e audit.Entry) bool {
				return tc.scope.Allows(e.Domain) && (tc.from.IsZero() || !e.Timestamp.Before(tc.from)) && (tc.to.IsZero() || e.Timestamp.Before(tc.to))
			}
			for _, by := range []store.SortField{store.SortTask, store.SortUserName, store.SortDomain, store.SortResult} {
				got, err := st.Stats(ctx, tc.scope, f, by, 100)
				if err != nil {
					t.Fatal(err)
				}
				want := map[string]int64{}
				for _, e := range all {
					if in(e) {
						want[map[store.SortField]string{store.SortTask: e.Task, store.SortUserName: e.UserName, store.SortDomain: e.Domain, store.SortResult: string(e.Result)}[by]]++
					}
				}
				gotm := map[string]int64{}
				for _, g := range got {
					gotm[g.Key] = g.Count
				}
				if fmt.Sprint(gotm) != fmt.Sprint(want) {
					t.Fatalf("%s: stats by %s of %v from %v to %v:\n got %v\nwant %v", when, by, tc.scope, tc.from, tc.to, gotm, want)
				}
			}
			for _, interval := range []time.Duration{time.Hour, 24 * time.Hour} {
				got, err := st.Histogram(ctx, tc.scope, f, interval)
				if err != nil {
					t.Fatal(err)
				}
				want := map[int64]int64{}
				for _, e := range all {
					if in(e) {
						want[e.Timestamp.Truncate(interval).UnixMicro()]++
					}
				}
				gotm := map[int64]int64{}
				for _, b := range got {
					gotm[b.Start.UnixMicro()] = b.Count
				}
				if fmt.Sprint(gotm) != fmt.Sprint(want) {
					t.Fatalf("%s: histogram per %s of %v from %v to %v:\n got %v\nwant %v", when, interval, tc.scope, tc.from, tc.to, gotm, want)
				}
			}
		}
	}
	check("after appends")
	// A purge takes its entries out of the counts.
	head, _, _ := st.Head(ctx)
	cut := start.Add(20 * time.Hour)
	spec := store.PurgeSpec{Scope: store.Scope{Domains: []string{"Global/APAC"}}, Before: cut, MaxID: head}
	a, err := st.BeginPurge(ctx, store.Anchor{Before: cut, Domains: []string{"Global/APAC"}})
	if err != nil {
		t.Fatal(err)
	}
	for {
		n, err := st.PurgeBatch(ctx, a.ID, spec, 77)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	all = slices.DeleteFunc(all, func(e audit.Entry) bool { return e.Domain == "Global/APAC" && e.Timestamp.Before(cut) })
	check("after a purge")
}
