package store

import (
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/logbookhq/logbook/internal/search"
)

// sameTime compares times as reflect.DeepEqual did, less the monotonic
// clock: the same instant in the same zone.
var sameTime = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) && a.Location() == b.Location() })

func TestNormalize(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	parse := func(q string) *search.Query {
		sq, err := search.Parse(q, now, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		return &sq
	}
	sq := parse(`domain:Global/EMEA* task:Login,Logout after:-24h before:-1h -user:admin ip:10.0.0.0/8 job:7 ntp`)
	before := *sq
	f := Normalize(Filter{Search: sq, Task: []Match{{Value: "Deploy"}}})
	if d := cmp.Diff(before, *sq, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b }), sameTime); d != "" {
		t.Fatalf("Normalize changed the caller's search (-before +after):\n%s", d)
	}
	if d := cmp.Diff([]Match{{Value: "Global/EMEA", Prefix: true}}, f.Domain); d != "" {
		t.Errorf("moved domain (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int64{7}, f.JobID); d != "" {
		t.Errorf("moved job id (-want +got):\n%s", d)
	}
	if !f.From.Equal(now.Add(-24*time.Hour)) || !f.To.Equal(now.Add(-time.Hour)) {
		t.Fatalf("moved: from %v to %v, want %v to %v", f.From, f.To, now.Add(-24*time.Hour), now.Add(-time.Hour))
	}
	// The filter's own task stays; the term, the negated user, the network
	// and the word remain in the search.
	if d := cmp.Diff([]Match{{Value: "Deploy"}}, f.Task); d != "" {
		t.Errorf("kept task (-want +got):\n%s", d)
	}
	if len(f.Search.Terms) != 3 || len(f.Search.Words) != 1 {
		t.Fatalf("kept: search %+v, want 3 terms and 1 word", f.Search)
	}
	if g := Normalize(Filter{Search: parse(`after:-2h`), From: now.Add(-time.Hour)}); g.Search != nil || !g.From.Equal(now.Add(-time.Hour)) {
		t.Fatalf("the later of two lower bounds: %+v", g)
	}
}
