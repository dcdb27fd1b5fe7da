// Package storetest is the conformance suite of the store contract. Every
// engine runs it against a real database: what passes here behaves the same
// to every caller, whichever engine is configured.
//
// Run is the one list of the suite's tests; each file holds the tests of
// one concern (appending, filters, paging, search, accounts, jobs, ...)
// and the helpers only they use. Helpers shared across files (entry,
// mustAppend, ids, diff, stored) are in this file and in accounts.go.
package storetest

import (
	"context"
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
		{"PurgePrefix", testPurgePrefix},
		{"PurgeDomain", testPurgeDomain},
		{"PurgeWords", testPurgeWords},
		{"PurgeScope", testPurgeScope},
		{"ForgedBridgeMiddle", testForgedBridgeMiddle},
		{"ForgedBridgeTail", testForgedBridgeTail},
		{"ForgedBridgeInStatedPurge", testForgedBridgeInStatedPurge},
		{"SettingsAndParams", testSettingsAndParams},
		{"Forwarding", testForwarding},
		{"Log", testLog},
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
	if r, err := store.VerifyLog(context.Background(), st); err != nil || r.Content != want {
		t.Fatalf("VerifyLog = %+v, %v; want the content of %d entries checked", r, err, want)
	}
}

func ids(es []audit.Entry) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func sum(gs []store.Group) int {
	n := 0
	for _, g := range gs {
		n += int(g.Count)
	}
	return n
}

// words parses a search of free words.
func words(q string) *search.Query {
	sq, err := search.Parse(q, base, time.UTC)
	if err != nil {
		panic(err)
	}
	return &sq
}
