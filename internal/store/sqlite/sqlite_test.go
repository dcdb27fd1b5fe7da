package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/search"

	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/sqlite"
	"github.com/logbookhq/logbook/internal/store/storetest"
)

func open(t testing.TB) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t) })
}

// TestConformanceWordsRowByRow runs the suite with free words and objects
// checked row by row, as for common words and busy objects, instead of
// through the text index and the object index.
func TestConformanceWordsRowByRow(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		st, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{CommonWords: -1, ManyObjects: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}

// TestRecentEntriesMove checks the buffer of recent entries: small commits
// wait in audit_log_recent, large ones go straight to audit_log after the
// waiting ones, and moving keeps every entry readable exactly once, in
// order, with the chain intact — also across a reopen.
func TestRecentEntriesMove(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(n int) []audit.Entry {
		es := make([]audit.Entry, n)
		for i := range es {
			es[i] = audit.Entry{Timestamp: time.Date(2026, 11, 25, 0, 0, i, 0, time.UTC), UserName: "u", Domain: "Global",
				Application: "REST", Task: "Login", Result: audit.ResultSuccess, Source: "t"}
		}
		return es
	}
	st.Append(ctx, mk(10))
	if st.Recent() != 10 {
		t.Fatalf("recent = %d after a small commit, want 10", st.Recent())
	}
	st.Append(ctx, mk(300)) // large: moves the 10 first, then goes straight in
	if st.Recent() != 0 {
		t.Fatalf("recent = %d after a large commit, want 0", st.Recent())
	}
	st.Append(ctx, mk(5))
	check := func(st *sqlite.Store) {
		t.Helper()
		var ids []int64
		err := st.Scan(ctx, 0, func(e *audit.Entry) error { ids = append(ids, e.ID); return nil })
		if err != nil || len(ids) != 315 || ids[0] != 1 || ids[314] != 315 {
			t.Fatalf("scan gave %d ids (%v)", len(ids), err)
		}
		for i := 1; i < len(ids); i++ {
			if ids[i] != ids[i-1]+1 {
				t.Fatalf("scan order broken at %d", ids[i])
			}
		}
		if _, err := st.Get(ctx, store.AllDomains, 313); err != nil {
			t.Fatal(err)
		}
		if n, err := st.Count(ctx, store.AllDomains, store.Filter{}, 1000); n != 315 || err != nil {
			t.Fatalf("count = %d (%v), want 315", n, err)
		}
		if _, _, err := store.VerifyChain(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	check(st)
	if err := st.MoveRecent(ctx); err != nil || st.Recent() != 0 {
		t.Fatalf("MoveRecent: %v, %d left", err, st.Recent())
	}
	check(st)
	st.Append(ctx, mk(7))
	st.Close()
	st, err = sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if st.Recent() != 7 {
		t.Fatalf("recent = %d after reopen, want 7", st.Recent())
	}
}

// TestTamperingIsNamed alters, deletes and inserts rows behind the store's
// back and checks that verification names the entry.
func TestTamperingIsNamed(t *testing.T) {
	ctx := context.Background()
	cases := map[string]struct {
		sql  string
		want string
	}{
		"altered":      {`UPDATE audit_log SET user_name = 'mallory' WHERE id = 5`, "entry 5"},
		"removed":      {`DELETE FROM audit_log WHERE id = 5`, "entry 6"},
		"inserted":     {`INSERT INTO audit_log SELECT 1000, ts, recorded_at, user_name, user_ip, domain, application, workspace, task, result, job_id, description, affected_objects, detail, has_config_change, source, NULL, prev_hash, hash, config_digest, salt FROM audit_log WHERE id = 3`, "entry 1000"},
		"last removed": {`DELETE FROM audit_log WHERE id = 300`, "chain head is 300"},
		// A bridge of a purge that never happened, over entries then
		// deleted: no hash needs recomputing, the chain stays whole.
		"forged bridge": {`INSERT INTO purge_bridges SELECT id, id, 1, prev_hash, hash FROM audit_log WHERE id = 150;
			DELETE FROM audit_log WHERE id = 150`, "bridge over entries 150 to 150 (purge anchor 1): its purge anchor does not exist"},
		"forged bridge and anchor": {`INSERT INTO purge_anchors (id, purged_at, before, domains, count, first_id, last_id, state) VALUES (1, 0, 0, '["*"]', 1, 150, 150, 'done');
			INSERT INTO purge_bridges SELECT id, id, 1, prev_hash, hash FROM audit_log WHERE id = 150;
			DELETE FROM audit_log WHERE id = 150`, "bridge over entries 150 to 150 (purge anchor 1): no statement"},
		"forged bridge at the head": {`INSERT INTO purge_bridges SELECT 296, 300, 1, (SELECT prev_hash FROM audit_log WHERE id = 296), hash FROM audit_log WHERE id = 300;
			DELETE FROM audit_log WHERE id >= 296`, "bridge over entries 296 to 300"},
		// The chain agrees with itself after these; the tree does not.
		"truncated, head rewritten": {`DELETE FROM audit_log WHERE id > 295;
			UPDATE chain_head SET last_id = 295, last_hash = (SELECT hash FROM audit_log WHERE id = 295)`, "leaf 295: commits to entry 296, beyond the chain head 295"},
		"leaf removed": {`DELETE FROM log_leaves WHERE idx = 10`, "leaf 10: stored as leaf 11"},
		"leaf altered": {`UPDATE log_leaves SET leaf = zeroblob(57) WHERE idx = 10`, "leaf 10: leaf version 0 is not known"},
		"salt altered": {`UPDATE audit_log SET salt = zeroblob(32) WHERE id = 20`, "entry 20: leaf 19 does not commit to its content"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			st, err := sqlite.Open(ctx, dir, sqlite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			es := make([]audit.Entry, 300)
			for i := range es {
				es[i] = audit.Entry{Timestamp: time.Unix(int64(i), 0).UTC(), UserName: "u", Domain: "Global", Application: "REST",
					Task: "Login", Result: audit.ResultSuccess, Source: "t"}
			}
			st.Append(ctx, es) // large: straight into audit_log
			st.Close()
			db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(tc.sql); err != nil {
				t.Fatal(err)
			}
			db.Close()
			st, err = sqlite.Open(ctx, dir, sqlite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			_, _, err = store.VerifyChain(ctx, st)
			if err == nil {
				_, err = store.VerifyLog(ctx, st)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("VerifyChain and VerifyLog = %v, want an error naming %q", err, tc.want)
			}
		})
	}
}

// TestAlteredConfigChangeIsRefused changes a stored configuration behind
// the store's back: reading it must fail rather than show the forgery.
func TestAlteredConfigChangeIsRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cs := []audit.ConfigChange{{Device: "mx960-1", Format: "text", Before: "a\n", After: "b\n"}}
	e := audit.Entry{Timestamp: time.Now().UTC(), UserName: "u", Domain: "Global", Application: "REST", Task: "Execute Script",
		Result: audit.ResultSuccess, Source: "t", ConfigChanges: cs, HasConfigChange: true, ConfigDigest: audit.ConfigDigest(cs)}
	ids, err := st.Append(ctx, []audit.Entry{e})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE config_changes SET after = ? WHERE entry_id = ?`, store.PackText("c\n"), ids[0]); err != nil {
		t.Fatal(err)
	}
	db.Close()
	st, err = sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.ConfigChanges(ctx, store.AllDomains, ids[0]); err == nil || !strings.Contains(err.Error(), "altered") {
		t.Fatalf("an altered change read back with %v", err)
	}
}

// TestObjectsOfRecentEntries: entries still in the buffer are found by
// object through their own affected objects, and through the index once
// they have moved.
func TestObjectsOfRecentEntries(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := audit.Entry{Timestamp: time.Now().UTC(), UserName: "u", Domain: "Global", Application: "REST", Task: "Deploy Template",
		Result: audit.ResultSuccess, Source: "t", AffectedObjects: []audit.Object{{Type: "Device", Name: "mx960-1"}, {Type: "Template", Name: "ntp"}}}
	other := e
	other.AffectedObjects = []audit.Object{{Type: "Device", Name: "mx960-2"}}
	if _, err := st.Append(ctx, []audit.Entry{e, other}); err != nil {
		t.Fatal(err)
	}
	find := func(when string) {
		t.Helper()
		f := store.Filter{Object: []store.ObjectRef{{Type: "Device", Name: "mx960-1"}}}
		if n, err := st.Count(ctx, store.AllDomains, f, 10); n != 1 || err != nil {
			t.Fatalf("%s: %d entries touched Device mx960-1 (%v), want 1", when, n, err)
		}
		sq, _ := search.Parse("object:Template:ntp", time.Now(), time.UTC)
		if n, _ := st.Count(ctx, store.AllDomains, store.Filter{Search: &sq}, 10); n != 1 {
			t.Fatalf("%s: the object search found %d, want 1", when, n)
		}
	}
	if st.Recent() != 2 {
		t.Fatalf("recent = %d, want the 2 entries buffered", st.Recent())
	}
	find("buffered")
	if err := st.MoveRecent(ctx); err != nil {
		t.Fatal(err)
	}
	find("moved")
}

// TestRewrittenHistoryIsNamed runs storetest.RewrittenHistory on SQLite.
func TestRewrittenHistoryIsNamed(t *testing.T) {
	var dir string
	open := func(t *testing.T) store.Store {
		st, err := sqlite.Open(context.Background(), dir, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	storetest.RewrittenHistory(t, storetest.Tamper{
		Open: func(t *testing.T) store.Store { dir = t.TempDir(); return open(t) },
		Exec: func(t *testing.T, q string, args ...any) {
			db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(q, args...); err != nil {
				t.Fatalf("%.60s: %v", q, err)
			}
		},
		Reopen: open,
	})
}
