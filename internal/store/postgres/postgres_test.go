package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/logbookhq/logbook/internal/audit"

	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/postgres"
	"github.com/logbookhq/logbook/internal/store/postgres/pgtest"
	"github.com/logbookhq/logbook/internal/store/storetest"
)

func open(t testing.TB) *postgres.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), pgtest.Schema(t), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t) })
}

// TestReplicasShareOneChain runs two stores on one schema, as two Logbook
// replicas would: concurrent appends from both form a single chain, each
// replica hears the other's commits, and a lock taken by one is refused to
// the other.
func TestReplicasShareOneChain(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Schema(t)
	// Both open (and migrate) at once.
	var a, b *postgres.Store
	var errA, errB error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a, errA = postgres.Open(ctx, url, postgres.Options{}) }()
	go func() { defer wg.Done(); b, errB = postgres.Open(ctx, url, postgres.Options{}) }()
	wg.Wait()
	if errA != nil || errB != nil {
		t.Fatalf("concurrent opens: %v, %v", errA, errB)
	}
	defer a.Close()
	defer b.Close()

	heard := make(chan int64, 1)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	go b.WatchCommits(wctx, func(id int64) {
		select {
		case heard <- id:
		default:
		}
	})
	time.Sleep(200 * time.Millisecond) // let LISTEN start

	entry := func(user string) audit.Entry {
		return audit.Entry{Timestamp: time.Now().UTC(), UserName: user, Domain: "Global", Application: "REST",
			Task: "Login", Result: audit.ResultSuccess, Source: "t"}
	}
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := a
			if w%2 == 1 {
				st = b
			}
			for range 20 {
				if _, err := st.Append(ctx, []audit.Entry{entry("u"), entry("v")}); err != nil {
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
	n, _, err := store.VerifyChain(ctx, a)
	if err != nil || n != 320 {
		t.Fatalf("chain over both replicas: %d entries, %v; want 320", n, err)
	}
	select {
	case <-heard:
	case <-time.After(5 * time.Second):
		t.Fatal("replica b heard no commit notification")
	}

	release, ok, err := a.TryLock(ctx, "scheduler")
	if err != nil || !ok {
		t.Fatalf("a.TryLock: %v %v", ok, err)
	}
	if _, ok, _ := b.TryLock(ctx, "scheduler"); ok {
		t.Fatal("replica b took the lock replica a holds")
	}
	release()
	release2, ok, err := b.TryLock(ctx, "scheduler")
	if err != nil || !ok {
		t.Fatalf("b.TryLock after a released: %v %v", ok, err)
	}
	release2()
}

// TestPartitions checks that entries of the current month land in that
// month's partition and old ones in the default partition.
func TestPartitions(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Schema(t)
	st, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, ts := range []time.Time{now, old} {
		if _, err := st.Append(ctx, []audit.Entry{{Timestamp: ts, UserName: "u", Domain: "Global", Application: "REST",
			Task: "Login", Result: audit.ResultSuccess, Source: "t"}}); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var part string
	if err := conn.QueryRow(ctx, `SELECT tableoid::regclass::text FROM audit_log WHERE id = 1`).Scan(&part); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("audit_log_y%04dm%02d", now.Year(), now.Month()); part != want {
		t.Errorf("this month's entry is in %s, want %s", part, want)
	}
	if err := conn.QueryRow(ctx, `SELECT tableoid::regclass::text FROM audit_log WHERE id = 2`).Scan(&part); err != nil {
		t.Fatal(err)
	}
	if part != "audit_log_default" {
		t.Errorf("a 2001 entry is in %s, want audit_log_default", part)
	}
}

// TestForgedBridgeIsNamed tampers with the database behind the store's
// back: a bridge of a purge that never happened over entries then
// deleted (verification names the bridge, in the middle of the chain and
// at its head), and edits of entries, leaves and salts, and a truncation
// with the chain head rewritten to match, which only the tree shows.
func TestForgedBridgeIsNamed(t *testing.T) {
	ctx := context.Background()
	cases := map[string]struct {
		sql  []string
		want string
	}{
		"middle": {[]string{`INSERT INTO purge_bridges SELECT id, id, 1, prev_hash, hash FROM audit_log WHERE id = 150`,
			`DELETE FROM audit_log WHERE id = 150`}, "bridge over entries 150 to 150 (purge anchor 1): its purge anchor does not exist"},
		"with an anchor": {[]string{`INSERT INTO purge_anchors (id, purged_at, before, domains, count, first_id, last_id, state) VALUES (1, now(), now(), '["*"]', 1, 150, 150, 'done')`,
			`INSERT INTO purge_bridges SELECT id, id, 1, prev_hash, hash FROM audit_log WHERE id = 150`,
			`DELETE FROM audit_log WHERE id = 150`}, "bridge over entries 150 to 150 (purge anchor 1): no statement"},
		"head": {[]string{`INSERT INTO purge_bridges SELECT 296, 300, 1, (SELECT prev_hash FROM audit_log WHERE id = 296), hash FROM audit_log WHERE id = 300`,
			`DELETE FROM audit_log WHERE id >= 296`}, "bridge over entries 296 to 300"},
		// The chain agrees with itself after these; the tree does not.
		"truncated, head rewritten": {[]string{`DELETE FROM audit_log WHERE id > 295`,
			`UPDATE chain_head SET last_id = 295, last_hash = (SELECT hash FROM audit_log WHERE id = 295)`}, "leaf 295: commits to entry 296, beyond the chain head 295"},
		"altered":      {[]string{`UPDATE audit_log SET user_name = 'mallory' WHERE id = 5`}, "entry 5"},
		"leaf removed": {[]string{`DELETE FROM log_leaves WHERE idx = 10`}, "leaf 10: stored as leaf 11"},
		"salt altered": {[]string{`UPDATE audit_log SET salt = '\x00' WHERE id = 20`}, "entry 20: has no salt"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			url := pgtest.Schema(t)
			st, err := postgres.Open(ctx, url, postgres.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			es := make([]audit.Entry, 300)
			for i := range es {
				es[i] = audit.Entry{Timestamp: time.Unix(int64(1e9+i), 0).UTC(), UserName: "u", Domain: "Global", Application: "REST",
					Task: "Login", Result: audit.ResultSuccess, Source: "t"}
			}
			if _, err := st.Append(ctx, es); err != nil {
				t.Fatal(err)
			}
			if _, _, err := store.VerifyChain(ctx, st); err != nil {
				t.Fatal(err)
			}
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			for _, q := range tc.sql {
				if _, err := conn.Exec(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
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

// TestRewrittenHistoryIsNamed runs storetest.RewrittenHistory on
// PostgreSQL.
func TestRewrittenHistoryIsNamed(t *testing.T) {
	var url string
	open := func(t *testing.T) store.Store {
		st, err := postgres.Open(context.Background(), url, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	storetest.RewrittenHistory(t, storetest.Tamper{
		Open: func(t *testing.T) store.Store { url = pgtest.Schema(t); return open(t) },
		Exec: func(t *testing.T, q string, args ...any) {
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, q, args...); err != nil {
				t.Fatalf("%.60s: %v", q, err)
			}
		},
		Reopen: open,
	})
}
