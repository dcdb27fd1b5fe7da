package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/search"
	"github.com/logbookhq/logbook/internal/store"
)

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
