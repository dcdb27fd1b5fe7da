package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/search"
	"github.com/logbookhq/logbook/internal/store"
)

// lifecycleEntries appends 30 entries, alternating Global/EMEA and
// Global/APAC, one minute apart from base, one with a config change.
func lifecycleEntries(t *testing.T, st store.Store) []int64 {
	var es []audit.Entry
	for i := range 30 {
		e := entry("u", "Login", base.Add(time.Duration(i)*time.Minute))
		e.Domain = "Global/EMEA"
		if i%2 == 1 {
			e.Domain = "Global/APAC"
		}
		e.AffectedObjects = []audit.Object{{Type: "Device", ID: "1", Name: "mx"}}
		if i == 3 {
			cs := []audit.ConfigChange{{Device: "mx", Format: "set", Before: "a", After: "b"}}
			e.Task, e.ConfigChanges, e.HasConfigChange, e.ConfigDigest = "Apply CLI Configlet", cs, true, audit.ConfigDigest(cs)
		}
		es = append(es, e)
	}
	// Two appends, so that SQLite has entries in both of its tables.
	ids := mustAppend(t, st, es[:20]...)
	return append(ids, mustAppend(t, st, es[20:]...)...)
}

// statement is the audit entry of a purge statement, as the archive
// service records it.
func statement(t *testing.T, s store.Statement) audit.Entry {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	e := entry("logbook", store.StatementTask, base.Add(-time.Hour))
	e.Application, e.Source, e.AffectedObjectDetail = "Logbook", store.StatementSource, string(b)
	return e
}

// stateEnd records the end statement of a purge: its bridges' tally.
func stateEnd(t *testing.T, st store.Store, anchorID int64) {
	t.Helper()
	bs, err := st.AnchorBridges(context.Background(), anchorID)
	if err != nil {
		t.Fatal(err)
	}
	tally := store.TallyOf(bs)
	mustAppend(t, st, statement(t, store.Statement{Kind: store.StatementEnd, AnchorID: anchorID, Tally: &tally}))
}

// purgeAll purges what p selects as the archive service does: a begin
// statement, the batches, the end statement (two entries added).
func purgeAll(t *testing.T, st store.Store, p store.PurgeSpec, batch int) (store.Anchor, int64) {
	t.Helper()
	ctx := context.Background()
	a, err := st.BeginPurge(ctx, store.Anchor{Before: p.Before, Domains: store.ScopeDomains(p.Scope)})
	if err != nil {
		t.Fatal(err)
	}
	matched, err := st.CountPurge(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, st, statement(t, store.Statement{Kind: store.StatementBegin, AnchorID: a.ID, MaxID: p.MaxID, Matched: matched}))
	var total int64
	for {
		n, err := st.PurgeBatch(ctx, a.ID, p, batch)
		if err != nil {
			t.Fatalf("PurgeBatch: %v", err)
		}
		if n == 0 {
			break
		}
		total += n
	}
	if err := st.FinishPurge(ctx, a.ID, store.PurgeDone, ""); err != nil {
		t.Fatal(err)
	}
	stateEnd(t, st, a.ID)
	return a, total
}

// testPurgePrefix purges the oldest entries of every domain: they are gone,
// the rest remain, the anchor records the last one, and the chain verifies.
func testPurgePrefix(t *testing.T, st store.Store) {
	ctx := context.Background()
	ids := lifecycleEntries(t, st)
	head, _, _ := st.Head(ctx)
	p := store.PurgeSpec{Scope: store.AllDomains, Before: base.Add(10 * time.Minute), MaxID: head}
	if n, err := st.CountPurge(ctx, p); err != nil || n != 10 {
		t.Fatalf("CountPurge = %d, %v; want 10", n, err)
	}
	var scanned []int64
	if err := st.ScanPurge(ctx, p, func(e *audit.Entry) error { scanned = append(scanned, e.ID); return nil }); err != nil || len(scanned) != 10 || scanned[9] != ids[9] {
		t.Fatalf("ScanPurge = %v, %v", scanned, err)
	}
	last, _ := st.Get(ctx, store.AllDomains, ids[9])
	a, n := purgeAll(t, st, p, 3)
	if n != 10 {
		t.Fatalf("purged %d, want 10", n)
	}
	for i, id := range ids {
		_, err := st.Get(ctx, store.AllDomains, id)
		if gone := errors.Is(err, store.ErrNotFound); gone != (i < 10) {
			t.Fatalf("entry %d: gone = %v after the purge", id, gone)
		}
	}
	as, err := st.Anchors(ctx, 10)
	if err != nil || len(as) != 1 {
		t.Fatalf("Anchors = %v, %v", as, err)
	}
	if got := as[0]; got.ID != a.ID || got.Count != 10 || got.FirstID != ids[0] || got.LastID != ids[9] || got.LastHash != last.Hash || got.State != store.PurgeDone {
		t.Fatalf("anchor = %+v; want 10 entries up to %d with hash %s", got, ids[9], last.Hash)
	}
	if _, err := st.ConfigChanges(ctx, store.AllDomains, ids[3]); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the purged entry's configuration change is still there: %v", err)
	}
	if page, err := st.List(ctx, store.AllDomains, store.Query{Filter: store.Filter{Object: []store.ObjectRef{{Type: "Device", Name: "mx"}}}, Sort: store.Sort{Field: store.SortID}, Limit: 100}); err != nil || len(page.Entries) != 20 {
		t.Errorf("object index lists %d entries after the purge, want 20 (%v)", len(page.Entries), err)
	}
	verify(t, st, 22) // with the purge's two statements
	// The chain goes on after a purge.
	mustAppend(t, st, entry("u", "Logout", base.Add(time.Hour)))
	verify(t, st, 23)
}

// testPurgeDomain purges one domain out of the middle of the chain: the
// other domain's entries stay, and the chain verifies across every gap.
func testPurgeDomain(t *testing.T, st store.Store) {
	ctx := context.Background()
	ids := lifecycleEntries(t, st)
	head, _, _ := st.Head(ctx)
	emea := store.PurgeSpec{Scope: store.Scope{Domains: []string{"Global/EMEA"}}, Before: base.Add(time.Hour), MaxID: head}
	_, n := purgeAll(t, st, emea, 4)
	if n != 15 {
		t.Fatalf("purged %d, want the 15 EMEA entries", n)
	}
	for i, id := range ids {
		e, err := st.Get(ctx, store.AllDomains, id)
		if i%2 == 0 && !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("EMEA entry %d survived", id)
		}
		if i%2 == 1 && (err != nil || e.Domain != "Global/APAC") {
			t.Fatalf("APAC entry %d: %v", id, err)
		}
	}
	verify(t, st, 17)
	// A second purge (the rest, some of it already gone) still verifies,
	// up to the last entry with only the statements left: no purge
	// removes a statement.
	_, n = purgeAll(t, st, store.PurgeSpec{Scope: store.AllDomains, Before: base.Add(time.Hour), MaxID: head + 2}, 7)
	if n != 15 {
		t.Fatalf("second purge removed %d, want 15", n)
	}
	verify(t, st, 4)
	mustAppend(t, st, entry("u", "Logout", base.Add(2*time.Hour)))
	verify(t, st, 5)
}

// testPurgeScope: a purge never deletes what its scope does not allow,
// nor entries above MaxID, and an empty scope is refused.
func testPurgeScope(t *testing.T, st store.Store) {
	ctx := context.Background()
	ids := lifecycleEntries(t, st)
	if _, err := st.PurgeBatch(ctx, 1, store.PurgeSpec{Before: base.Add(time.Hour), MaxID: 100}, 10); !errors.Is(err, store.ErrEmptyScope) {
		t.Fatalf("an empty scope: %v, want ErrEmptyScope", err)
	}
	if _, err := st.CountPurge(ctx, store.PurgeSpec{Before: base.Add(time.Hour), MaxID: 100}); !errors.Is(err, store.ErrEmptyScope) {
		t.Fatalf("an empty scope: %v, want ErrEmptyScope", err)
	}
	lab := store.PurgeSpec{Scope: store.Scope{Domains: []string{"Global/EMEA/Lab"}}, Before: base.Add(time.Hour), MaxID: 100}
	if _, n := purgeAll(t, st, lab, 10); n != 0 {
		t.Fatalf("a purge of Global/EMEA/Lab removed %d entries of its parent and peers", n)
	}
	capped := store.PurgeSpec{Scope: store.AllDomains, Before: base.Add(time.Hour), MaxID: ids[4]}
	if _, n := purgeAll(t, st, capped, 10); n != 5 {
		t.Fatalf("purge up to id %d removed %d, want 5", ids[4], n)
	}
	verify(t, st, 29)
}

// Forged bridges: entries removed through the store without the
// statements a purge records, as someone who writes the database could.
// Verification fails and names the bridge.

// silentPurge removes what p selects under anchorID (0: a new anchor),
// recording no statement.
func silentPurge(t *testing.T, st store.Store, anchorID int64, p store.PurgeSpec) {
	t.Helper()
	ctx := context.Background()
	if anchorID == 0 {
		a, err := st.BeginPurge(ctx, store.Anchor{Before: p.Before, Domains: store.ScopeDomains(p.Scope)})
		if err != nil {
			t.Fatal(err)
		}
		anchorID = a.ID
		defer st.FinishPurge(ctx, a.ID, store.PurgeDone, "")
	}
	if n, err := st.PurgeBatch(ctx, anchorID, p, 100); err != nil || n == 0 {
		t.Fatalf("PurgeBatch = %d, %v", n, err)
	}
}

func mustFailVerify(t *testing.T, st store.Store, want ...string) {
	t.Helper()
	_, _, err := store.VerifyChain(context.Background(), st)
	if err == nil {
		t.Fatalf("VerifyChain passed; want an error naming %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("VerifyChain = %v; want it to name %q", err, w)
		}
	}
}

// forgeryBase makes 30 entries and purges the first two properly.
func forgeryBase(t *testing.T, st store.Store) (ids []int64, real store.Anchor) {
	ids = lifecycleEntries(t, st)
	head, _, _ := st.Head(context.Background())
	real, n := purgeAll(t, st, store.PurgeSpec{Scope: store.AllDomains, Before: base.Add(2 * time.Minute), MaxID: head}, 10)
	if n != 2 {
		t.Fatalf("purged %d, want 2", n)
	}
	verify(t, st, 30)
	return ids, real
}

// testForgedBridgeMiddle: one entry from the middle, with a bridge and an
// anchor of its own.
func testForgedBridgeMiddle(t *testing.T, st store.Store) {
	ids, _ := forgeryBase(t, st)
	silentPurge(t, st, 0, store.PurgeSpec{Scope: store.Scope{Domains: []string{"Global/APAC"}}, Before: base.Add(4 * time.Minute), MaxID: ids[29]})
	mustFailVerify(t, st, fmt.Sprintf("bridge over entries %d to %d", ids[3], ids[3]), "no statement", "forged")
}

// testForgedBridgeTail: the newest entries, so the bridge ends at the
// chain head and no later entry's prev_hash shows the gap.
func testForgedBridgeTail(t *testing.T, st store.Store) {
	forgeryBase(t, st)
	var tail []audit.Entry
	for i := range 3 {
		e := entry("u", "Logout", base.Add(time.Duration(40+i)*time.Minute))
		e.Domain = "Global/Tail"
		tail = append(tail, e)
	}
	tids := mustAppend(t, st, tail...)
	head, _, _ := st.Head(context.Background())
	if head != tids[2] {
		t.Fatalf("head %d, want %d", head, tids[2])
	}
	silentPurge(t, st, 0, store.PurgeSpec{Scope: store.Scope{Domains: []string{"Global/Tail"}}, Before: base.Add(time.Hour), MaxID: head})
	mustFailVerify(t, st, fmt.Sprintf("bridge over entries %d to %d", tids[0], tids[2]), "no statement")
}

// testForgedBridgeInStatedPurge: one more entry removed under the anchor
// of a purge that was stated: its tally no longer matches.
func testForgedBridgeInStatedPurge(t *testing.T, st store.Store) {
	ids, real := forgeryBase(t, st)
	silentPurge(t, st, real.ID, store.PurgeSpec{Scope: store.Scope{Domains: []string{"Global/APAC"}}, Before: base.Add(4 * time.Minute), MaxID: ids[29]})
	mustFailVerify(t, st, fmt.Sprintf("purge anchor %d", real.ID), "3 entries in 2 runs", "records 2 in 1 runs", "forged, altered or removed")
}

func testSettingsAndParams(t *testing.T, st store.Store) {
	ctx := context.Background()
	if v, err := st.Setting(ctx, "x"); err != nil || v != nil {
		t.Fatalf("unset setting = %s, %v", v, err)
	}
	for i, want := range []string{`{"a":1}`, `{"a":2}`} {
		err := st.UpdateSetting(ctx, "x", func(old json.RawMessage) (json.RawMessage, error) {
			if (i == 0) != (old == nil) {
				t.Errorf("update %d saw old value %s", i, old)
			}
			return json.RawMessage(want), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := st.Setting(ctx, "x"); string(v) != want {
			t.Fatalf("setting = %s, want %s", v, want)
		}
	}
	boom := errors.New("boom")
	if err := st.UpdateSetting(ctx, "x", func(json.RawMessage) (json.RawMessage, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("fn error: %v", err)
	}
	if v, _ := st.Setting(ctx, "x"); string(v) != `{"a":2}` {
		t.Fatalf("an aborted update changed the setting to %s", v)
	}

	params := json.RawMessage(`{"older_than_days":90,"domains":["Global"]}`)
	j, err := st.CreateJob(ctx, store.Job{Name: "p", JobType: "Archive/Purge", ScheduledStart: base, Owner: "a", Domain: "Global", Handler: "archive-purge", Params: params})
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.GetJob(ctx, store.AllDomains, j.ID)
	if err != nil || string(got.Params) != string(params) {
		t.Fatalf("params read back as %s, %v", got.Params, err)
	}
	got, err = st.UpdateJob(ctx, j.ID, func(j *store.Job) error { j.Percent = 5; return nil })
	if err != nil || string(got.Params) != string(params) {
		t.Fatalf("params after an update: %s, %v", got.Params, err)
	}
	plain, _ := st.CreateJob(ctx, store.Job{Name: "q", JobType: "t", ScheduledStart: base, Owner: "a", Domain: "Global"})
	if got, _ := st.GetJob(ctx, store.AllDomains, plain.ID); got.Params != nil {
		t.Fatalf("a job without params reads back %s", got.Params)
	}
}

// testPurgeWords purges entries that the text index holds: free words
// find only the entries that remain.
func testPurgeWords(t *testing.T, st store.Store) {
	ctx := context.Background()
	es := make([]audit.Entry, 300) // one large commit: SQLite indexes it at once
	for i := range es {
		es[i] = entry("u", "Login", base.Add(time.Duration(i)*time.Second))
		es[i].Description = "alpha"
		if i >= 150 {
			es[i].Description = "beta"
		}
	}
	mustAppend(t, st, es...)
	head, _, _ := st.Head(ctx)
	purgeAll(t, st, store.PurgeSpec{Scope: store.AllDomains, Before: base.Add(150 * time.Second), MaxID: head}, 100)
	for word, want := range map[string]int{"alpha": 0, "beta": 150, "login": 150} {
		sq, err := search.Parse(word, base, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		f := store.Filter{Search: &sq}
		page, err := st.List(ctx, store.AllDomains, store.Query{Filter: f, Sort: store.DefaultSort, Limit: 1000})
		if err != nil || len(page.Entries) != want {
			t.Errorf("%s: List found %d, %v; want %d", word, len(page.Entries), err, want)
		}
		if n, err := st.Count(ctx, store.AllDomains, f, 1000); err != nil || n != want {
			t.Errorf("%s: Count = %d, %v; want %d", word, n, err, want)
		}
		// Past a small cap, an engine may count from its text index alone.
		if n, err := st.Count(ctx, store.AllDomains, f, 100); err != nil || (n > 100) != (want > 100) || (want <= 100 && n != want) {
			t.Errorf("%s: Count up to 100 = %d, %v; want %d", word, n, err, want)
		}
	}
}
