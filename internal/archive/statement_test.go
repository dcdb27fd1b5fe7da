package archive_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/archive"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// statements returns the purge statements in the chain, in id order.
func statements(t *testing.T, st store.Store) []store.Statement {
	t.Helper()
	var out []store.Statement
	if err := st.Scan(context.Background(), 0, func(e *audit.Entry) error {
		if s := store.ParseStatement(e); s != nil {
			out = append(out, *s)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func mustVerify(t *testing.T, st store.Store) {
	t.Helper()
	if _, _, err := store.VerifyChain(context.Background(), st); err != nil {
		t.Fatalf("VerifyChain: %v", err)
	}
}

func verifyFails(t *testing.T, st store.Store, want string) {
	t.Helper()
	_, _, err := store.VerifyChain(context.Background(), st)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("VerifyChain = %v; want an error naming %q", err, want)
	}
}

// TestPurgeIsStated: a purge records where it begins and what it removed,
// a later purge of everything keeps those statements, and the chain
// verifies after both.
func TestPurgeIsStated(t *testing.T) {
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			now := func() time.Time { return base.Add(100 * time.Hour) }
			f := eng.open(t, now)
			ctx := context.Background()
			seed(t, f.st)
			j := schedule(t, f, admin(), archive.Request{Before: ptr("2026-02-11T00:00:00Z"), AllDomains: true, Format: "ndjson"})
			if _, err := f.svc.Run(ctx, j, func(int) {}); err != nil {
				t.Fatal(err)
			}
			ss := statements(t, f.st)
			if len(ss) != 2 || ss[0].Kind != store.StatementBegin || ss[1].Kind != store.StatementEnd {
				t.Fatalf("statements = %+v; want begin and end", ss)
			}
			as, _ := f.st.Anchors(ctx, 1)
			if ss[0].AnchorID != as[0].ID || ss[0].Matched != 12 || ss[1].Tally == nil || ss[1].Tally.Count != 12 || ss[1].Tally.LastHash != as[0].LastHash {
				t.Fatalf("statements = %+v %+v; anchor %+v", ss[0], ss[1].Tally, as[0])
			}
			mustVerify(t, f.st)
			// Everything, the first purge's statements included by time.
			j = schedule(t, f, admin(), archive.Request{Before: ptr("2026-03-01T00:00:00Z"), AllDomains: true, Format: "ndjson"})
			if _, err := f.svc.Run(ctx, j, func(int) {}); err != nil {
				t.Fatal(err)
			}
			if ss := statements(t, f.st); len(ss) != 4 {
				t.Fatalf("%d statements after a second purge; want all 4 kept", len(ss))
			}
			mustVerify(t, f.st)
		})
	}
}

// TestReconcileBindsEarlierPurges: an anchor made before purges were
// stated fails verification until the first start after the upgrade binds
// it; that happens once, and a second bind statement is refused.
func TestReconcileBindsEarlierPurges(t *testing.T) {
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			f := eng.open(t, time.Now)
			ctx := context.Background()
			seed(t, f.st)
			head, _, _ := f.st.Head(ctx)
			p := store.PurgeSpec{Scope: store.AllDomains, Before: base.Add(5 * time.Hour), MaxID: head}
			a, err := f.st.BeginPurge(ctx, store.Anchor{Before: p.Before, Domains: []string{"*"}})
			if err != nil {
				t.Fatal(err)
			}
			if n, err := f.st.PurgeBatch(ctx, a.ID, p, 100); err != nil || n != 5 {
				t.Fatalf("PurgeBatch = %d, %v", n, err)
			}
			if err := f.st.FinishPurge(ctx, a.ID, store.PurgeDone, ""); err != nil {
				t.Fatal(err)
			}
			verifyFails(t, f.st, "no statement")
			if err := f.svc.Reconcile(ctx); err != nil {
				t.Fatal(err)
			}
			mustVerify(t, f.st)
			ss := statements(t, f.st)
			if len(ss) != 1 || ss[0].Kind != store.StatementBind || len(ss[0].Anchors) != 1 || ss[0].Anchors[0].Tally.Count != 5 {
				t.Fatalf("statements = %+v; want one bind of 5 entries", ss)
			}
			if err := f.svc.Reconcile(ctx); err != nil {
				t.Fatal(err)
			}
			if ss := statements(t, f.st); len(ss) != 1 {
				t.Fatalf("a second start stated again: %+v", ss)
			}
			// A second bind (the setting removed behind Logbook's back)
			// could launder a forged anchor: it is refused.
			b, _ := json.Marshal(store.Statement{Kind: store.StatementBind})
			if _, err := f.st.Append(ctx, []audit.Entry{{Timestamp: time.Now().UTC(), UserName: "logbook", Domain: "Global", Application: "Logbook",
				Task: store.StatementTask, Result: audit.ResultSuccess, Source: store.StatementSource, AffectedObjectDetail: string(b)}}); err != nil {
				t.Fatal(err)
			}
			verifyFails(t, f.st, "a second statement binding earlier purges")
		})
	}
}

// TestInterruptedPurgeIsStated: a purge that a crash stopped after its
// begin statement verifies as under way, and the next start states its
// end; an anchor merely marked running, with no begin statement, fails.
func TestInterruptedPurgeIsStated(t *testing.T) {
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			f := eng.open(t, time.Now)
			ctx := context.Background()
			if err := f.svc.Reconcile(ctx); err != nil { // the first start: nothing to bind
				t.Fatal(err)
			}
			seed(t, f.st)
			head, _, _ := f.st.Head(ctx)
			p := store.PurgeSpec{Scope: store.AllDomains, Before: base.Add(10 * time.Hour), MaxID: head}
			begin := func() store.Anchor {
				a, err := f.st.BeginPurge(ctx, store.Anchor{Before: p.Before, Domains: []string{"*"}})
				if err != nil {
					t.Fatal(err)
				}
				return a
			}
			a := begin()
			b, _ := json.Marshal(store.Statement{Kind: store.StatementBegin, AnchorID: a.ID, MaxID: head, Matched: 10})
			if _, err := f.st.Append(ctx, []audit.Entry{{Timestamp: time.Now().UTC(), UserName: "logbook", Domain: "Global", Application: "Logbook",
				Task: store.StatementTask, Result: audit.ResultSuccess, Source: store.StatementSource, AffectedObjectDetail: string(b)}}); err != nil {
				t.Fatal(err)
			}
			if n, err := f.st.PurgeBatch(ctx, a.ID, p, 4); err != nil || n != 4 {
				t.Fatalf("PurgeBatch = %d, %v", n, err)
			}
			// Logbook is killed here.
			mustVerify(t, f.st)
			if err := f.svc.Reconcile(ctx); err != nil {
				t.Fatal(err)
			}
			mustVerify(t, f.st)
			as, _ := f.st.Anchors(ctx, 1)
			if as[0].State != store.PurgeFailed || !strings.Contains(as[0].Note, "interrupted") {
				t.Fatalf("anchor = %+v; want failed, interrupted", as[0])
			}
			ss := statements(t, f.st)
			if n := len(ss); n != 2 || ss[1].Kind != store.StatementEnd || ss[1].Tally.Count != 4 {
				t.Fatalf("statements = %+v; want begin and an end of 4", ss)
			}
			// Someone marks a new anchor running to pass its bridges off
			// as a purge under way.
			a2 := begin()
			if n, err := f.st.PurgeBatch(ctx, a2.ID, p, 2); err != nil || n != 2 {
				t.Fatalf("PurgeBatch = %d, %v", n, err)
			}
			verifyFails(t, f.st, "no statement in the audit log records this purge")
		})
	}
}
