package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/search"
	"github.com/logbookhq/logbook/internal/store"
)

// testSearch runs every operator of the search language; each engine must
// select exactly the entries a plain Go predicate selects, before and
// after a large commit.
func testSearch(t *testing.T, st store.Store) {
	es := searchCorpus(t, st)
	cases := searchCases()
	t.Run("small commits", func(t *testing.T) { checkSearches(t, st, es, cases) })
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
	t.Run("after a large commit", func(t *testing.T) { checkSearches(t, st, es, cases) })
}

// searchCorpus appends the corpus and a few entries that touch devices,
// whose names free words find too, and returns them all with their ids.
func searchCorpus(t *testing.T, st store.Store) []audit.Entry {
	es := corpus(t, st, 150)
	devices := []string{"mx960-1", "mx960-2", "ex4300-edge-12", "srx-Zürich"}
	for i := range es {
		es[i].ID = int64(i + 1)
	}
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
	return append(es, more...)
}

// hasWords is the meaning of a free word: each of its words is a word of
// the entry's description, task, user name or objects' names, the last
// one only its beginning when the free word ends in "*".
func hasWords(e audit.Entry, w string) bool {
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

// A searchCase is a search and the predicate that selects what it must.
type searchCase struct {
	q    string
	want func(e audit.Entry) bool
}

// searchCases are the searches testSearch runs, every operator of the
// language among them.
func searchCases() []searchCase {
	return []searchCase{
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
		{`template`, func(e audit.Entry) bool { return hasWords(e, "template") }},
		{`TEMPL`, func(audit.Entry) bool { return false }}, // whole words
		{`TEMPL*`, func(e audit.Entry) bool { return hasWords(e, "templ*") }},
		{`deploy mx96*`, func(e audit.Entry) bool { return hasWords(e, "deploy") && hasWords(e, "mx96*") }},
		{`-mx9*`, func(e audit.Entry) bool { return !hasWords(e, "mx9*") }},
		{`deploy -netops1`, func(e audit.Entry) bool { return hasWords(e, "deploy") && !hasWords(e, "netops1") }},
		{`"Execute Script by"`, func(e audit.Entry) bool { return strings.Contains(e.Description, "Execute Script by") }},
		{`"by execute"`, func(audit.Entry) bool { return false }}, // a phrase keeps its order
		{`-"script by jdoe"`, func(e audit.Entry) bool { return !strings.Contains(e.Description, "Script by jdoe") }},
		{`mx960`, func(e audit.Entry) bool { return hasWords(e, "mx960") }},
		{`mx960-2`, func(e audit.Entry) bool { return hasWords(e, "mx960-2") }},
		{`960`, func(audit.Entry) bool { return false }}, // words match whole
		{`zürich ntp`, func(e audit.Entry) bool { return hasWords(e, "zürich") && hasWords(e, "ntp") }},
		{`-mx960 ntp user:netops1`, func(e audit.Entry) bool {
			return !hasWords(e, "mx960") && hasWords(e, "ntp") && e.UserName == "netops1"
		}},
		{`100%`, func(audit.Entry) bool { return false }},
	}
}

// checkSearches runs each case through List, Count and Stats and checks
// that each selects exactly the entries of es that its predicate does.
func checkSearches(t *testing.T, st store.Store, es []audit.Entry, cases []searchCase) {
	ctx := context.Background()
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
