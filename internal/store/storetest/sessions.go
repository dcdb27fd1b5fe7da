package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

func storedSession(s store.Session) store.Session {
	s.CreatedAt, s.LastSeenAt = stored(s.CreatedAt), stored(s.LastSeenAt)
	return s
}

// testSessions checks the life of a session (create, read, touch, delete)
// and the sweep of stale ones; the two use sessions of their own.
func testSessions(t *testing.T, st store.Store) {
	t.Run("Expiry", func(t *testing.T) { testSessionExpiry(t, st) })
	t.Run("Stale", func(t *testing.T) { testStaleSessions(t, st) })
}

// sessionExists reports whether the store holds the session.
func sessionExists(t *testing.T, st store.Store, idHash string) bool {
	t.Helper()
	_, err := st.GetSession(context.Background(), idHash)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetSession(%s): %v", idHash, err)
	}
	return err == nil
}

func testSessionExpiry(t *testing.T, st store.Store) {
	ctx := context.Background()
	exists := func(idHash string) bool { t.Helper(); return sessionExists(t, st, idHash) }
	a1 := store.Session{IDHash: "a1", UserName: "alice", CreatedAt: accountsBase, LastSeenAt: accountsBase.Add(time.Minute + 5)}
	a2 := store.Session{IDHash: "a2", UserName: "alice", CreatedAt: accountsBase, LastSeenAt: accountsBase}
	b1 := store.Session{IDHash: "b1", UserName: "bob", CreatedAt: accountsBase, LastSeenAt: accountsBase}
	for _, s := range []store.Session{a1, a2, b1} {
		if err := st.CreateSession(ctx, s); err != nil {
			t.Fatalf("CreateSession(%s): %v", s.IDHash, err)
		}
	}
	if err := st.CreateSession(ctx, store.Session{IDHash: "a1", UserName: "mallory", CreatedAt: accountsBase, LastSeenAt: accountsBase}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateSession with a taken id hash = %v, want ErrConflict", err)
	}
	got, err := st.GetSession(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(got, storedSession(a1)); d != "" {
		t.Errorf("GetSession differs from what was created:%s", d)
	}
	if _, err := st.GetSession(ctx, "zz"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetSession(unknown) = %v, want ErrNotFound", err)
	}

	seen := accountsBase.Add(10*time.Minute + 999)
	if err := st.TouchSession(ctx, "a1", seen); err != nil {
		t.Fatal(err)
	}
	if err := st.TouchSession(ctx, "a1", seen.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	a1.LastSeenAt = seen
	if got, _ := st.GetSession(ctx, "a1"); diff(got, storedSession(a1)) != "" {
		t.Errorf("GetSession after touches:%s", diff(got, storedSession(a1)))
	}
	if err := st.TouchSession(ctx, "zz", seen); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TouchSession(unknown) = %v, want ErrNotFound", err)
	}

	if err := st.DeleteSession(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if exists("a1") {
		t.Error("session a1 survived DeleteSession")
	}
	if err := st.DeleteSession(ctx, "a1"); err != nil {
		t.Errorf("DeleteSession of a missing session = %v, want nil", err)
	}
	if err := st.DeleteUserSessions(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if exists("a2") || !exists("b1") {
		t.Errorf("after DeleteUserSessions(alice): a2 exists %v (want false), b1 exists %v (want true)", exists("a2"), exists("b1"))
	}
	if err := st.DeleteUserSessions(ctx, "nobody"); err != nil {
		t.Errorf("DeleteUserSessions of a user without sessions = %v, want nil", err)
	}
	if err := st.DeleteSession(ctx, "b1"); err != nil {
		t.Fatal(err)
	}
}

// testStaleSessions checks DeleteStaleSessions: idle sessions (last seen
// before idleBefore) and old ones (created before createdBefore) end; the
// bounds themselves are not stale.
func testStaleSessions(t *testing.T, st store.Store) {
	ctx := context.Background()
	exists := func(idHash string) bool { t.Helper(); return sessionExists(t, st, idHash) }
	now := accountsBase.Add(30 * 24 * time.Hour)
	idleBefore, createdBefore := now.Add(-30*time.Minute), now.Add(-24*time.Hour)
	for _, s := range []store.Session{
		{IDHash: "idle1", UserName: "u", CreatedAt: now.Add(-2 * time.Hour), LastSeenAt: now.Add(-31 * time.Minute)},
		{IDHash: "idle2", UserName: "u", CreatedAt: now.Add(-2 * time.Hour), LastSeenAt: idleBefore.Add(-time.Microsecond)},
		{IDHash: "old", UserName: "u", CreatedAt: now.Add(-48 * time.Hour), LastSeenAt: now.Add(-time.Minute)},
		{IDHash: "idle-at-bound", UserName: "u", CreatedAt: now.Add(-2 * time.Hour), LastSeenAt: idleBefore},
		{IDHash: "created-at-bound", UserName: "u", CreatedAt: createdBefore, LastSeenAt: now},
		{IDHash: "fresh", UserName: "u", CreatedAt: now.Add(-time.Hour), LastSeenAt: now},
	} {
		if err := st.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if ended, err := st.DeleteStaleSessions(ctx, time.Time{}, time.Time{}); len(ended) != 0 || err != nil {
		t.Errorf("DeleteStaleSessions with zero bounds = %d, %v; want 0", len(ended), err)
	}
	if ended, err := st.DeleteStaleSessions(ctx, idleBefore, time.Time{}); len(ended) != 2 || err != nil {
		t.Errorf("DeleteStaleSessions by idleness = %d, %v; want 2", len(ended), err)
	}
	if exists("idle1") || exists("idle2") || !exists("old") {
		t.Error("DeleteStaleSessions by idleness ended the wrong sessions")
	}
	if ended, err := st.DeleteStaleSessions(ctx, time.Time{}, createdBefore); len(ended) != 1 || err != nil {
		t.Errorf("DeleteStaleSessions by age = %d, %v; want 1", len(ended), err)
	}
	if ended, err := st.DeleteStaleSessions(ctx, idleBefore, createdBefore); len(ended) != 0 || err != nil {
		t.Errorf("DeleteStaleSessions again = %d, %v; want 0", len(ended), err)
	}
	for _, id := range []string{"idle-at-bound", "created-at-bound", "fresh"} {
		if !exists(id) {
			t.Errorf("session %s was ended, want it kept", id)
		}
	}
	if exists("old") {
		t.Error("session old survived DeleteStaleSessions by age")
	}
	// Both rules in one call: either makes a session stale.
	for _, s := range []store.Session{
		{IDHash: "idle3", UserName: "u", CreatedAt: now.Add(-time.Hour), LastSeenAt: now.Add(-time.Hour)},
		{IDHash: "old2", UserName: "u", CreatedAt: now.Add(-72 * time.Hour), LastSeenAt: now},
	} {
		if err := st.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if ended, err := st.DeleteStaleSessions(ctx, idleBefore, createdBefore); len(ended) != 2 || err != nil {
		t.Errorf("DeleteStaleSessions by both rules = %d, %v; want 2", len(ended), err)
	}
	if exists("idle3") || exists("old2") || !exists("fresh") {
		t.Error("DeleteStaleSessions by both rules ended the wrong sessions")
	}
}
