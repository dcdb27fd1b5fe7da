package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

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
