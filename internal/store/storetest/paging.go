package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

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
