package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/search"
	"github.com/logbookhq/logbook/internal/store"
)

// LargestSearch is a search at every query-wide limit of the search
// language at once, in at most search.MaxQueryBytes: 64 words in terms of
// 16 (phrases and words, negated ones too, which no index answers), IPv4
// networks of 256 text prefixes and 200 values, most of them objects (a
// lookup each), in negated terms too. An entry matches it when its words
// hold the phrase "a b c ... p" and the words x and q, but neither the
// phrase backwards nor the words w1 to w15 and one beginning with w16;
// its address is in 10.0.0.0/9; and it touched objects of type D named 0
// and 51 but none named 1 to 50.
func LargestSearch() string {
	parts := []string{`"a b c d e f g h i j k l m n o p"`, `-"p o n m l k j i h g f e d c b a"`,
		"x-q-x-q-x-q-x-q-x-q-x-q-x-q-x-q", "-w1-w2-w3-w4-w5-w6-w7-w8-w9-w10-w11-w12-w13-w14-w15-w16*",
		"ip:10.0.0.0/9", "-ip:10.128.0.0/10,10.192.0.0/10"}
	values := 3
	// Term n names D:n to D:n+49 (fewer in the last): the positive ones
	// 0 to 49 and 2 to 51, the negated ones 1 to 50 and 3 to 49.
	for n := 0; values < search.MaxQueryValues; n++ {
		var vs []string
		for ; len(vs) < search.MaxValues && values < search.MaxQueryValues; values++ {
			vs = append(vs, fmt.Sprintf("D:%d", len(vs)+n))
		}
		term := "object:" + strings.Join(vs, ",")
		if n%2 == 1 {
			term = "-" + term
		}
		parts = append(parts, term)
	}
	return strings.Join(parts, " ")
}

// testSearchAtLimits runs the largest search the limits allow, alone and
// with the longest lists of the other filters, scoped and not, through
// every read that takes a filter: the engine must answer it (no SQL
// error, however many conditions it compiles to) and answer it right.
func testSearchAtLimits(t *testing.T, st store.Store) {
	text := LargestSearch()
	if len(text) > search.MaxQueryBytes {
		t.Fatalf("LargestSearch is %d bytes, more than %d", len(text), search.MaxQueryBytes)
	}
	sq, err := search.Parse(text, base, time.UTC)
	if err != nil {
		t.Fatalf("LargestSearch does not parse: %v", err)
	}
	const words = "a b c d e f g h i j k l m n o p x q"
	match := func(i int) audit.Entry {
		e := entry(fmt.Sprintf("u%d", i%5), "Deploy Template", base.Add(time.Duration(i)*time.Second))
		e.Description, e.UserIP, e.JobID = words, "10.1.2.3", 7
		e.AffectedObjects = []audit.Object{{Type: "D", Name: "0"}, {Type: "D", Name: "51"}}
		return e
	}
	// Each of the others fails one condition of the search.
	near := []func(*audit.Entry){
		func(e *audit.Entry) { e.UserIP = "10.200.0.1" },
		func(e *audit.Entry) { e.Description += " p o n m l k j i h g f e d c b a" },
		func(e *audit.Entry) { e.Description = strings.ReplaceAll(e.Description, "x ", "") },
		func(e *audit.Entry) { e.Description = "a b c d e f g h i j k l m n o x q p" },
		func(e *audit.Entry) {
			e.Description += " w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w160"
		},
		func(e *audit.Entry) { e.AffectedObjects = e.AffectedObjects[:1] },
		func(e *audit.Entry) {
			e.AffectedObjects = append(e.AffectedObjects, audit.Object{Type: "D", Name: "17"})
		},
	}
	// Entry i matches when i is a multiple of len(near)+1 and fails
	// near[i%(len(near)+1)-1] otherwise.
	var wantIDs []int64
	appended := 0
	add := func(n int) {
		es := make([]audit.Entry, n)
		for i := range es {
			es[i] = match(appended + i)
			if k := (appended + i) % (len(near) + 1); k > 0 {
				near[k-1](&es[i])
			}
		}
		for i, id := range mustAppend(t, st, es...) {
			if (appended+i)%(len(near)+1) == 0 {
				wantIDs = append(wantIDs, id)
			}
		}
		appended += n
	}
	lists := largestLists(&sq)
	run := func(t *testing.T) { checkLargestSearch(t, st, &sq, lists, wantIDs) }
	add(40)
	t.Run("small commits", run)
	// A large commit: SQLite moves the buffered entries to its indexed
	// table first.
	add(300)
	t.Run("after a large commit", run)
}

// largestLists is the largest search with the longest lists of the API's
// filters, each of which the matching entries meet; a prefix of a few
// users gets SQLite's walk per user, which repeats the whole filter once
// per user.
func largestLists(sq *search.Query) store.Filter {
	lists := store.Filter{Search: sq, UserName: []store.Match{{Value: "u", Prefix: true}}}
	for i := range 50 {
		lists.Task = append(lists.Task, store.Match{Value: fmt.Sprintf("Deploy %d", i), Prefix: true})
		lists.Workspace = append(lists.Workspace, store.Match{Value: fmt.Sprintf("Dev%d", i), Prefix: true})
		lists.Application = append(lists.Application, store.Match{Value: fmt.Sprintf("Network %d", i), Prefix: true})
		lists.Object = append(lists.Object, store.ObjectRef{Type: "D", Name: fmt.Sprint(i)})
		lists.JobID = append(lists.JobID, int64(i+1))
	}
	lists.Task[0].Value, lists.Workspace[0].Value, lists.Application[0].Value = "Deploy", "Dev", "Network"
	return lists
}

// checkLargestSearch runs the largest search, alone and with lists (the
// longest lists of the other filters), scoped and not, through every
// read that takes a filter: each must answer, and List, Count and Stats
// must select exactly wantIDs (oldest first).
func checkLargestSearch(t *testing.T, st store.Store, sq *search.Query, lists store.Filter, wantIDs []int64) {
	ctx := context.Background()
	newestFirst := slices.Clone(wantIDs)
	slices.Reverse(newestFirst) // ids follow the timestamps
	for _, tc := range []struct {
		name   string
		filter store.Filter
	}{{"search", store.Filter{Search: sq}}, {"search and lists", lists}} {
		for _, scope := range []store.Scope{store.AllDomains, {Domains: []string{"Global"}}} {
			t.Run(fmt.Sprintf("%s/all=%v", tc.name, scope.All), func(t *testing.T) {
				f := tc.filter
				page, err := st.List(ctx, scope, store.Query{Filter: f, Sort: store.DefaultSort, Limit: 1000})
				if err != nil {
					t.Fatalf("List: %v", err)
				}
				if got := ids(page.Entries); !slices.Equal(got, newestFirst) {
					t.Fatalf("List = %v, want %v", got, newestFirst)
				}
				if n, err := st.Count(ctx, scope, f, 1000); err != nil || n != len(wantIDs) {
					t.Fatalf("Count = %d, %v; want %d", n, err, len(wantIDs))
				}
				if _, err := st.Estimate(ctx, scope, f, 1); err != nil {
					t.Fatalf("Estimate: %v", err)
				}
				if by, err := st.Stats(ctx, scope, f, store.SortUserName, 100); err != nil || sum(by) != len(wantIDs) {
					t.Fatalf("Stats = %v, %v; want %d in all", by, err, len(wantIDs))
				}
				if _, err := st.Histogram(ctx, scope, f, time.Hour); err != nil {
					t.Fatalf("Histogram: %v", err)
				}
			})
		}
	}
}
