package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

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
