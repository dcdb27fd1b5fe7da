package storetest

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// Tamper is what the history tests need of an engine: a new store, a way
// to run SQL on its database behind its back while it is closed ($1-style
// placeholders, which both engines' drivers read), and to open it again.
type Tamper struct {
	Open   func(t *testing.T) store.Store
	Exec   func(t *testing.T, query string, args ...any)
	Reopen func(t *testing.T) store.Store
}

// RewrittenHistory checks the two rewrites that leave the hash chain
// agreeing with itself: an entry altered with every later hash
// recomputed, and a forged entry appended with a correctly chained hash.
// VerifyChain passes both; VerifyLog names the entry, and a forged entry
// is never taken into the tree when the store opens again.
func RewrittenHistory(t *testing.T, tm Tamper) {
	for name, tamper := range map[string]func(t *testing.T, es []audit.Entry) string{
		"rehashed": func(t *testing.T, es []audit.Entry) string {
			prev, _ := hex.DecodeString(es[148].Hash)
			for i := 149; i < len(es); i++ {
				e := &es[i]
				if i == 149 {
					e.UserName = "mallory"
				}
				h, _ := audit.ChainHash(prev, e, nil)
				tm.Exec(t, `UPDATE audit_log SET user_name = $1, prev_hash = $2, hash = $3 WHERE id = $4`, e.UserName, prev, h, e.ID)
				prev = h
			}
			tm.Exec(t, `UPDATE chain_head SET last_hash = $1 WHERE singleton = 1`, prev)
			return "entry 150: leaf 149 does not commit to its content"
		},
		"forged at the end": func(t *testing.T, es []audit.Entry) string {
			last := es[len(es)-1]
			prev, _ := hex.DecodeString(last.Hash)
			forged := last
			forged.ID = last.ID + 1
			h, _ := audit.ChainHash(prev, &forged, nil)
			tm.Exec(t, `INSERT INTO audit_log (`+store.Columns+`)
				SELECT $1, ts, recorded_at, user_name, user_ip, domain, application, workspace, task, result, job_id, description,
				affected_objects, detail, has_config_change, source, NULL, $2, $3, config_digest, NULL FROM audit_log WHERE id = $4`,
				forged.ID, prev, h, last.ID)
			tm.Exec(t, `UPDATE chain_head SET last_id = $1, last_hash = $2 WHERE singleton = 1`, forged.ID, h)
			return "entry 301: has no leaf in the tree (inserted)"
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := tm.Open(t)
			es := make([]audit.Entry, 300)
			for i := range es {
				es[i] = entry("u", "Login", time.Date(2026, 4, 1, 0, 0, i, 0, time.UTC))
			}
			mustAppend(t, st, es...)
			var stored []audit.Entry
			if err := st.Scan(ctx, 0, func(e *audit.Entry) error { stored = append(stored, *e); return nil }); err != nil {
				t.Fatal(err)
			}
			st.Close()
			want := tamper(t, stored)
			st = tm.Reopen(t)
			defer st.Close()
			if _, _, err := store.VerifyChain(ctx, st); err != nil {
				t.Fatalf("VerifyChain: %v; the rewrite was meant to keep the chain whole", err)
			}
			_, err := store.VerifyLog(ctx, st)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("VerifyLog = %v; want an error naming %q", err, want)
			}
			// Appending goes on, and the forgery stays named.
			mustAppend(t, st, entry("u", "after", time.Now().UTC()))
			if _, err := store.VerifyLog(ctx, st); err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("VerifyLog after an append = %v; want an error naming %q", err, want)
			}
		})
	}
}
