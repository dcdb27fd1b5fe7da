package migratetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/search"
	"github.com/logbookhq/logbook/internal/store"
)

// at is when the entries Fill stores happened: months before any test
// runs, so that PostgreSQL keeps them in its default partition.
var at = time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC)

// Content is what Fill stored, as the store read it back.
type Content struct {
	HeadID   int64
	HeadHash []byte
	Checked  int64 // entries VerifyChain checks
	Matches  int   // entries the search gamma1 finds
	Rows     Rows
}

// Rows are stored rows of every kind.
type Rows struct {
	Entries  []audit.Entry // a sample: kept, with config changes, in each of SQLite's tables
	Changes  []audit.ConfigChange
	User     store.User
	Job      store.Job
	Anchor   store.Anchor
	Searches []store.SavedSearch
}

// Fill stores what a database of a release holds after some use: a
// domain, a user, a saved search, a job, entries in a large and a small
// commit (SQLite's two tables), with event ids, objects and a
// configuration change, and a purge of the oldest entries with its
// statements, as the archive service records them.
func Fill(t testing.TB, st store.Store) Content {
	t.Helper()
	ctx := context.Background()
	must(t, st.CreateDomain(ctx, store.Domain{Name: "Global/EMEA", CreatedAt: at}))
	must(t, st.CreateUser(ctx, store.User{Name: "alice", PasswordHash: "$argon2id$x", Roles: []string{"admin"}, Domains: []string{"Global"},
		CreatedAt: at, UpdatedAt: at}))
	must(t, st.SaveSearch(ctx, store.SavedSearch{Owner: "alice", Name: "failures", Query: "result:failure", CreatedAt: at}))
	job, err := st.CreateJob(ctx, store.Job{Name: "Nightly purge", JobType: "Archive and Purge", ScheduledStart: at.Add(24 * time.Hour),
		Owner: "alice", Domain: "Global", Handler: "purge", Params: json.RawMessage(`{"older_than":"720h"}`), CreatedAt: at, UpdatedAt: at})
	must(t, err)

	es := make([]audit.Entry, 320)
	for i := range es {
		es[i] = audit.Entry{Timestamp: at.Add(time.Duration(i) * time.Minute), UserName: fmt.Sprintf("user%d", i%7), UserIP: "2001:db8::1",
			Domain: []string{"Global", "Global/EMEA"}[i%2], Application: "REST", Workspace: "Devices", Task: "Login",
			Result: audit.ResultSuccess, Description: fmt.Sprintf("gamma%d sign-in", i%3), Source: "test", EventID: fmt.Sprint("ev", i),
			AffectedObjects: []audit.Object{{Type: "Device", ID: "1", Name: "mx960-1"}}}
	}
	cs := []audit.ConfigChange{{Device: "mx960-1", Format: "set", Before: "set system ntp server 10.0.0.1", After: "set system ntp server 10.0.0.2"}}
	es[310].Task, es[310].ConfigChanges, es[310].HasConfigChange, es[310].ConfigDigest = "Apply CLI Configlet", cs, true, audit.ConfigDigest(cs)
	ids := appendAll(t, st, es[:300]) // straight to audit_log in SQLite
	ids = append(ids, appendAll(t, st, es[300:])...)
	purge(t, st, store.PurgeSpec{Scope: store.AllDomains, Before: at.Add(100 * time.Minute), MaxID: ids[len(ids)-1]})

	c := Content{Rows: rows(t, st, []int64{ids[100], ids[299], ids[310], ids[319]}, "alice", job.ID)}
	c.HeadID, c.HeadHash, err = st.Head(ctx)
	must(t, err)
	c.Checked, _, err = store.VerifyChain(ctx, st)
	must(t, err)
	c.Matches = matches(t, st)
	return c
}

// rows reads the entries ids (the third with a configuration change),
// the user and their searches, the job and the newest anchor.
func rows(t testing.TB, st store.Store, ids []int64, user string, jobID int64) Rows {
	t.Helper()
	ctx := context.Background()
	var r Rows
	for _, id := range ids {
		e, err := st.Get(ctx, store.AllDomains, id)
		must(t, err)
		r.Entries = append(r.Entries, e)
	}
	var err error
	r.Changes, err = st.ConfigChanges(ctx, store.AllDomains, ids[2])
	must(t, err)
	r.User, err = st.GetUser(ctx, user)
	must(t, err)
	r.Job, err = st.GetJob(ctx, store.AllDomains, jobID)
	must(t, err)
	anchors, err := st.Anchors(ctx, 1)
	must(t, err)
	r.Anchor = anchors[0]
	r.Searches, err = st.SavedSearches(ctx, user)
	must(t, err)
	return r
}

// matches counts the entries of a word, through the text index.
func matches(t testing.TB, st store.Store) int {
	t.Helper()
	q, err := search.Parse("gamma1", at, time.UTC)
	must(t, err)
	n, err := st.Count(context.Background(), store.AllDomains, store.Filter{Search: &q}, 1000)
	must(t, err)
	return n
}

// Check reads back what Fill stored, in a store opened on a copy of it
// under another schema version: the chain verifies, every kind of row is
// there as it was, the text index and the idempotency keys still answer,
// and appending goes on where the chain ended.
func Check(t testing.TB, st store.Store, want Content) {
	t.Helper()
	ctx := context.Background()
	if n, _, err := store.VerifyChain(ctx, st); err != nil || n != want.Checked {
		t.Errorf("VerifyChain = %d, %v; want %d checked", n, err, want.Checked)
	}
	id, hash, err := st.Head(ctx)
	must(t, err)
	if id != want.HeadID || string(hash) != string(want.HeadHash) {
		t.Errorf("head = %d %x; want %d %x", id, hash, want.HeadID, want.HeadHash)
	}
	var ids []int64
	for _, e := range want.Rows.Entries {
		ids = append(ids, e.ID)
	}
	// Entries of the release had no salt; the upgrade gives each one, and
	// a leaf.
	got := rows(t, st, ids, want.Rows.User.Name, want.Rows.Job.ID)
	for _, e := range got.Entries {
		if len(e.Salt) != 32 {
			t.Errorf("entry %d has no salt after the upgrade", e.ID)
		}
	}
	if diff := cmp.Diff(want.Rows, got, cmpopts.IgnoreFields(audit.Entry{}, "Salt")); diff != "" {
		t.Errorf("read back after the upgrade (-before +after):\n%s", diff)
	}
	if r, err := store.VerifyLog(ctx, st); err != nil || r.Content != want.Checked || r.Leaves != want.Checked {
		t.Errorf("VerifyLog after the upgrade = %+v, %v; want a leaf for each of the %d entries", r, err, want.Checked)
	}
	if n := matches(t, st); n != want.Matches || n == 0 {
		t.Errorf("search gamma1 finds %d entries; want %d", n, want.Matches)
	}
	again := audit.Entry{Timestamp: at, UserName: "x", Domain: "Global", Application: "REST", Task: "Login",
		Result: audit.ResultSuccess, Source: "test", EventID: "ev319"}
	next := again
	next.EventID = "after the upgrade"
	ids = appendAll(t, st, []audit.Entry{again, next})
	if last := want.Rows.Entries[3].ID; ids[0] != last || ids[1] != want.HeadID+1 {
		t.Errorf("Append after the upgrade = %v; want the stored %d, then %d", ids, last, want.HeadID+1)
	}
	if n, _, err := store.VerifyChain(ctx, st); err != nil || n != want.Checked+1 {
		t.Errorf("VerifyChain after an append = %d, %v; want %d", n, err, want.Checked+1)
	}
}

// purge removes what p selects as the archive service does: a begin
// statement, the batches, the end statement with the bridges' tally.
func purge(t testing.TB, st store.Store, p store.PurgeSpec) {
	t.Helper()
	ctx := context.Background()
	a, err := st.BeginPurge(ctx, store.Anchor{Before: p.Before, Domains: store.ScopeDomains(p.Scope), PurgedAt: at.Add(200 * time.Hour)})
	must(t, err)
	matched, err := st.CountPurge(ctx, p)
	must(t, err)
	appendAll(t, st, []audit.Entry{statement(t, store.Statement{Kind: store.StatementBegin, AnchorID: a.ID, MaxID: p.MaxID, Matched: matched})})
	for {
		n, err := st.PurgeBatch(ctx, a.ID, p, 40)
		must(t, err)
		if n == 0 {
			break
		}
	}
	must(t, st.FinishPurge(ctx, a.ID, store.PurgeDone, ""))
	bs, err := st.AnchorBridges(ctx, a.ID)
	must(t, err)
	tally := store.TallyOf(bs)
	appendAll(t, st, []audit.Entry{statement(t, store.Statement{Kind: store.StatementEnd, AnchorID: a.ID, Tally: &tally})})
}

func statement(t testing.TB, s store.Statement) audit.Entry {
	b, err := json.Marshal(s)
	must(t, err)
	return audit.Entry{Timestamp: at.Add(-time.Hour), UserName: "logbook", Domain: "Global", Application: "Logbook",
		Task: store.StatementTask, Result: audit.ResultSuccess, Source: store.StatementSource, AffectedObjectDetail: string(b)}
}

func appendAll(t testing.TB, st store.Store, es []audit.Entry) []int64 {
	t.Helper()
	ids, err := st.Append(context.Background(), es)
	must(t, err)
	return ids
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
