package store

import (
	"reflect"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/search"
)

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
	if !reflect.DeepEqual(*sq, before) {
		t.Fatal("Normalize changed the caller's search")
	}
	if !reflect.DeepEqual(f.Domain, []Match{{Value: "Global/EMEA", Prefix: true}}) || !reflect.DeepEqual(f.JobID, []int64{7}) ||
		!f.From.Equal(now.Add(-24*time.Hour)) || !f.To.Equal(now.Add(-time.Hour)) {
		t.Fatalf("moved: %+v", f)
	}
	// The filter's own task stays; the term, the negated user, the network
	// and the word remain in the search.
	if !reflect.DeepEqual(f.Task, []Match{{Value: "Deploy"}}) || len(f.Search.Terms) != 3 || len(f.Search.Words) != 1 {
		t.Fatalf("kept: task %v, search %+v", f.Task, f.Search)
	}
	if g := Normalize(Filter{Search: parse(`after:-2h`), From: now.Add(-time.Hour)}); g.Search != nil || !g.From.Equal(now.Add(-time.Hour)) {
		t.Fatalf("the later of two lower bounds: %+v", g)
	}
}
