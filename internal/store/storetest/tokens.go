package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

func storedToken(tk store.Token, id int64) store.Token {
	tk.ID = id
	tk.CreatedAt, tk.LastUsedAt, tk.RevokedAt = stored(tk.CreatedAt), stored(tk.LastUsedAt), stored(tk.RevokedAt)
	if tk.Scopes == nil {
		tk.Scopes = []string{}
	}
	if tk.Domains == nil {
		tk.Domains = []string{}
	}
	return tk
}

func testTokens(t *testing.T, st store.Store) {
	ctx := context.Background()
	tokens, err := st.ListTokens(ctx, store.AllDomains)
	if err != nil || tokens == nil || len(tokens) != 0 {
		t.Fatalf("ListTokens on an empty store = %#v, %v; want an empty, non-nil slice", tokens, err)
	}
	ci := store.Token{Name: "ci", Hash: "aa01", Scopes: []string{"logs:write"}, Domains: []string{"Global/EMEA"},
		CreatedBy: "alice", CreatedAt: accountsBase}
	siem := store.Token{Name: "siem", Hash: "bb02", Scopes: []string{"logs:read", "logs:write"},
		Domains: []string{"Global"}, CreatedBy: "alice", CreatedAt: accountsBase.Add(time.Second)}
	bare := store.Token{Name: "bare", Hash: "cc03", CreatedBy: "bob", CreatedAt: accountsBase}
	ciID, err := st.CreateToken(ctx, ci)
	if err != nil {
		t.Fatal(err)
	}
	siemID, err := st.CreateToken(ctx, siem)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateToken(ctx, store.Token{Name: "copy", Hash: ci.Hash, CreatedBy: "bob", CreatedAt: accountsBase}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateToken with a taken hash = %v, want ErrConflict", err)
	}
	bareID, err := st.CreateToken(ctx, bare)
	if err != nil {
		t.Fatal(err)
	}
	if ciID <= 0 || siemID <= ciID || bareID <= siemID {
		t.Fatalf("token ids %d, %d, %d: want positive and increasing", ciID, siemID, bareID)
	}

	got, err := st.TokenByHash(ctx, "bb02")
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(got, storedToken(siem, siemID)); d != "" {
		t.Errorf("TokenByHash differs from what was created:%s", d)
	}
	got, err = st.TokenByHash(ctx, "cc03")
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(got, storedToken(bare, bareID)); d != "" {
		t.Errorf("TokenByHash of a token without scopes:%s", d)
	}
	if _, err := st.TokenByHash(ctx, "ffff"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TokenByHash(unknown) = %v, want ErrNotFound", err)
	}

	used := accountsBase.Add(time.Hour + 789)
	if err := st.TouchToken(ctx, ciID, used); err != nil {
		t.Fatal(err)
	}
	// A use that finishes late must not move LastUsedAt back.
	if err := st.TouchToken(ctx, ciID, used.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.TokenByHash(ctx, "aa01"); !got.LastUsedAt.Equal(stored(used)) || got.LastUsedAt.Location() != time.UTC {
		t.Errorf("LastUsedAt after touches = %v, want %v", got.LastUsedAt, stored(used))
	}
	if err := st.TouchToken(ctx, 1<<40, used); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TouchToken(unknown id) = %v, want ErrNotFound", err)
	}

	revoked := accountsBase.Add(2*time.Hour + 321)
	if err := st.RevokeToken(ctx, siemID, revoked); err != nil {
		t.Fatal(err)
	}
	// Revoking again keeps the first revocation.
	if err := st.RevokeToken(ctx, siemID, revoked.Add(time.Hour)); err != nil {
		t.Fatalf("RevokeToken of a revoked token: %v", err)
	}
	if err := st.RevokeToken(ctx, 1<<40, revoked); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RevokeToken(unknown id) = %v, want ErrNotFound", err)
	}
	// Revoked tokens are still found; callers check RevokedAt.
	got, err = st.TokenByHash(ctx, "bb02")
	if err != nil || !got.RevokedAt.Equal(stored(revoked)) {
		t.Errorf("TokenByHash of a revoked token = RevokedAt %v, %v; want %v", got.RevokedAt, err, stored(revoked))
	}

	tokens, err = st.ListTokens(ctx, store.AllDomains)
	if err != nil {
		t.Fatal(err)
	}
	ci.LastUsedAt = used
	siem.RevokedAt = revoked
	want := []store.Token{storedToken(ci, ciID), storedToken(siem, siemID), storedToken(bare, bareID)}
	if len(tokens) != len(want) {
		t.Fatalf("ListTokens gave %d tokens, want %d", len(tokens), len(want))
	}
	for i := range want {
		if d := diff(tokens[i], want[i]); d != "" {
			t.Errorf("ListTokens[%d] (%s):%s", i, want[i].Name, d)
		}
	}
}
