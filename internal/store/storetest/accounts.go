package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

// accountsBase has nanoseconds and a zone other than UTC, so that every
// time written from it checks that the store gives back UTC truncated to
// microseconds.
var accountsBase = time.Date(2026, 11, 25, 11, 30, 0, 123456789, time.FixedZone("CET", 3600))

// testAccounts checks users, domains, tokens and sessions. The subtests
// share one store and use names of their own; each may also run alone.
func testAccounts(t *testing.T, st store.Store) {
	t.Run("Users", func(t *testing.T) { testUsers(t, st) })
	t.Run("UpdateUser", func(t *testing.T) { testUpdateUser(t, st) })
	t.Run("Domains", func(t *testing.T) { testDomains(t, st) })
	t.Run("Tokens", func(t *testing.T) { testTokens(t, st) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, st) })
	t.Run("Within", func(t *testing.T) { testWithin(t, st) })
}

// stored returns t as a store gives it back: UTC, whole microseconds.
func stored(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// diff compares two structs field by field and describes the differences.
// Times must be the same instant and in UTC; slices must be equal and not
// nil.
func diff(got, want any) string {
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	var out string
	for i := range g.NumField() {
		name := g.Type().Field(i).Name
		gf, wf := g.Field(i).Interface(), w.Field(i).Interface()
		switch gv := gf.(type) {
		case time.Time:
			wv := wf.(time.Time)
			if !gv.Equal(wv) || gv.Location() != time.UTC {
				out += fmt.Sprintf("\n%s: got %s (%s), want %s", name, gv.Format(time.RFC3339Nano), gv.Location(), wv.Format(time.RFC3339Nano))
			}
		case []string:
			if gv == nil {
				out += fmt.Sprintf("\n%s: got nil, want %q", name, wf)
			} else if !slices.Equal(gv, wf.([]string)) {
				out += fmt.Sprintf("\n%s: got %q, want %q", name, gv, wf)
			}
		default:
			if !reflect.DeepEqual(gf, wf) {
				out += fmt.Sprintf("\n%s: got %v, want %v", name, gf, wf)
			}
		}
	}
	return out
}

func storedUser(u store.User) store.User {
	u.CreatedAt, u.UpdatedAt, u.LastLoginAt = stored(u.CreatedAt), stored(u.UpdatedAt), stored(u.LastLoginAt)
	if u.Roles == nil {
		u.Roles = []string{}
	}
	if u.Domains == nil {
		u.Domains = []string{}
	}
	return u
}

func getUser(t *testing.T, st store.Store, name string) store.User {
	t.Helper()
	u, err := st.GetUser(context.Background(), name)
	if err != nil {
		t.Fatalf("GetUser(%q): %v", name, err)
	}
	return u
}

func testUsers(t *testing.T, st store.Store) {
	ctx := context.Background()
	users, err := st.ListUsers(ctx, store.AllDomains)
	if err != nil || users == nil || len(users) != 0 {
		t.Fatalf("ListUsers on an empty store = %#v, %v; want an empty, non-nil slice", users, err)
	}
	alice := store.User{Name: "alice", PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		Roles: []string{"auditor", "super"}, Domains: []string{"Global/EMEA", "Global/APAC"}, Locked: true,
		FailedLogins: 3, CreatedAt: accountsBase, UpdatedAt: accountsBase.Add(time.Hour + 1),
		LastLoginAt: accountsBase.Add(2*time.Hour + 999)}
	bare := store.User{Name: "Bob", PasswordHash: "x", CreatedAt: accountsBase, UpdatedAt: accountsBase}
	zed := store.User{Name: "zed", PasswordHash: "y", Roles: []string{"r"}, Domains: []string{"Global"},
		CreatedAt: accountsBase, UpdatedAt: accountsBase}
	for _, u := range []store.User{zed, alice, bare} {
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatalf("CreateUser(%q): %v", u.Name, err)
		}
	}
	if d := diff(getUser(t, st, "alice"), storedUser(alice)); d != "" {
		t.Errorf("GetUser(alice) differs from what was created:%s", d)
	}
	// Nil lists and a zero LastLoginAt come back as empty lists and zero.
	if d := diff(getUser(t, st, "Bob"), storedUser(bare)); d != "" {
		t.Errorf("GetUser(Bob) differs from what was created:%s", d)
	}

	dup := bare
	dup.PasswordHash = "other"
	if err := st.CreateUser(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateUser of a taken name = %v, want ErrConflict", err)
	}
	if u := getUser(t, st, "Bob"); u.PasswordHash != "x" {
		t.Errorf("a refused CreateUser changed the user: password hash %q", u.PasswordHash)
	}
	if _, err := st.GetUser(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetUser(nobody) = %v, want ErrNotFound", err)
	}
	if _, err := st.GetUser(ctx, "ALICE"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetUser(ALICE) = %v, want ErrNotFound: names are case-sensitive", err)
	}

	users, err = st.ListUsers(ctx, store.AllDomains)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range users {
		names = append(names, u.Name)
	}
	if want := []string{"Bob", "alice", "zed"}; !slices.Equal(names, want) {
		t.Fatalf("ListUsers = %q, want %q (byte order)", names, want)
	}
	for i, want := range []store.User{bare, alice, zed} {
		if d := diff(users[i], storedUser(want)); d != "" {
			t.Errorf("ListUsers[%d] differs from what was created:%s", i, d)
		}
	}
}

func testUpdateUser(t *testing.T, st store.Store) {
	ctx := context.Background()
	orig := store.User{Name: "upd", PasswordHash: "h1", Roles: []string{"auditor"}, Domains: []string{"Global"},
		CreatedAt: accountsBase, UpdatedAt: accountsBase}
	if err := st.CreateUser(ctx, orig); err != nil {
		t.Fatal(err)
	}

	t.Run("ConcurrentIncrements", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for range 10 {
			wg.Go(func() {
				for range 10 {
					_, err := st.UpdateUser(ctx, "upd", func(u *store.User) error {
						u.FailedLogins++
						return nil
					})
					if err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("UpdateUser: %v", err)
		}
		if u := getUser(t, st, "upd"); u.FailedLogins != 100 {
			t.Fatalf("FailedLogins = %d after 100 concurrent increments, want 100", u.FailedLogins)
		}
	})

	t.Run("WritesAndStamps", func(t *testing.T) {
		before := time.Now().Truncate(time.Microsecond)
		login := accountsBase.Add(3*time.Hour + 456)
		got, err := st.UpdateUser(ctx, "upd", func(u *store.User) error {
			u.PasswordHash = "h2"
			u.Roles = nil
			u.Domains = []string{"Global/EMEA", "Global/APAC"}
			u.Locked = true
			u.FailedLogins = 0
			u.LastLoginAt = login
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		after := time.Now()
		if got.UpdatedAt.Before(before) || got.UpdatedAt.After(after) || got.UpdatedAt.Location() != time.UTC ||
			got.UpdatedAt.Nanosecond()%1000 != 0 {
			t.Errorf("UpdatedAt = %v, want now (between %v and %v) in UTC, whole microseconds", got.UpdatedAt, before, after)
		}
		want := storedUser(store.User{Name: "upd", PasswordHash: "h2", Roles: []string{},
			Domains: []string{"Global/EMEA", "Global/APAC"}, Locked: true, CreatedAt: accountsBase,
			UpdatedAt: got.UpdatedAt, LastLoginAt: login})
		if d := diff(got, want); d != "" {
			t.Errorf("UpdateUser returned an unexpected user:%s", d)
		}
		if d := diff(getUser(t, st, "upd"), want); d != "" {
			t.Errorf("GetUser after UpdateUser differs from what UpdateUser returned:%s", d)
		}
		// Clearing LastLoginAt stores "never".
		got, err = st.UpdateUser(ctx, "upd", func(u *store.User) error { u.LastLoginAt = time.Time{}; return nil })
		if err != nil || !got.LastLoginAt.IsZero() || !getUser(t, st, "upd").LastLoginAt.IsZero() {
			t.Errorf("LastLoginAt after clearing = %v (%v), want zero", getUser(t, st, "upd").LastLoginAt, err)
		}
	})

	t.Run("ErrorAborts", func(t *testing.T) {
		before := getUser(t, st, "upd")
		errStop := errors.New("stop")
		_, err := st.UpdateUser(ctx, "upd", func(u *store.User) error {
			u.FailedLogins = 42
			u.Locked = !u.Locked
			u.PasswordHash = "changed"
			return errStop
		})
		if !errors.Is(err, errStop) {
			t.Fatalf("UpdateUser with a failing fn = %v, want fn's error", err)
		}
		if d := diff(getUser(t, st, "upd"), before); d != "" {
			t.Errorf("a failed fn changed the user:%s", d)
		}
	})

	t.Run("RenameRefused", func(t *testing.T) {
		before := getUser(t, st, "upd")
		_, err := st.UpdateUser(ctx, "upd", func(u *store.User) error {
			u.Name = "renamed"
			u.FailedLogins = 7
			return nil
		})
		if err == nil {
			t.Fatal("UpdateUser let fn rename the user")
		}
		if d := diff(getUser(t, st, "upd"), before); d != "" {
			t.Errorf("a refused rename changed the user:%s", d)
		}
		if _, err := st.GetUser(ctx, "renamed"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetUser(renamed) = %v, want ErrNotFound", err)
		}
	})

	t.Run("Missing", func(t *testing.T) {
		called := false
		_, err := st.UpdateUser(ctx, "nobody", func(*store.User) error { called = true; return nil })
		if !errors.Is(err, store.ErrNotFound) || called {
			t.Errorf("UpdateUser(nobody) = %v (fn called: %v), want ErrNotFound without calling fn", err, called)
		}
	})
}

func testDomains(t *testing.T, st store.Store) {
	ctx := context.Background()
	ds, err := st.ListDomains(ctx, store.AllDomains)
	if err != nil {
		t.Fatal(err)
	}
	// Both migrations seed Global at the Unix epoch.
	global := store.Domain{Name: "Global", CreatedAt: time.Unix(0, 0).UTC()}
	if len(ds) != 1 || diff(ds[0], global) != "" {
		t.Fatalf("ListDomains on a new store = %+v, want only %+v", ds, global)
	}
	created := []store.Domain{
		{Name: "Global/EMEA", ParentRead: true, CreatedAt: accountsBase},
		{Name: "Global/EMEA/Paris", CreatedAt: accountsBase.Add(time.Minute + 1)},
		{Name: "Global/APAC", CreatedAt: accountsBase.Add(time.Second)},
		{Name: "Global/EMEA-Lab", ParentRead: true, CreatedAt: accountsBase},
		{Name: "Global/EMEA/Paris/Lab", ParentRead: true, CreatedAt: accountsBase},
	}
	for _, d := range created {
		if err := st.CreateDomain(ctx, d); err != nil {
			t.Fatalf("CreateDomain(%q): %v", d.Name, err)
		}
	}
	for name, want := range map[string]error{
		"Global/Missing/Child": store.ErrNotFound,
		"Global/emea/Paris":    store.ErrNotFound, // names are case-sensitive
		"Orphan":               store.ErrNotFound,
		"Orphan/Child":         store.ErrNotFound,
		"Global":               store.ErrConflict,
		"Global/EMEA":          store.ErrConflict,
		"Global/EMEA/Paris":    store.ErrConflict,
	} {
		if err := st.CreateDomain(ctx, store.Domain{Name: name, CreatedAt: accountsBase}); !errors.Is(err, want) {
			t.Errorf("CreateDomain(%q) = %v, want %v", name, err, want)
		}
	}
	ds, err = st.ListDomains(ctx, store.AllDomains)
	if err != nil {
		t.Fatal(err)
	}
	// Byte order: "-" sorts before "/", and a parent, a prefix of its
	// children, before them.
	want := []store.Domain{global, created[2], created[0], created[3], created[1], created[4]}
	if len(ds) != len(want) {
		t.Fatalf("ListDomains = %+v, want %+v", ds, want)
	}
	for i := range want {
		want[i].CreatedAt = stored(want[i].CreatedAt)
		if d := diff(ds[i], want[i]); d != "" {
			t.Errorf("ListDomains[%d] (%s):%s", i, want[i].Name, d)
		}
	}
}

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

func storedSession(s store.Session) store.Session {
	s.CreatedAt, s.LastSeenAt = stored(s.CreatedAt), stored(s.LastSeenAt)
	return s
}

func testSessions(t *testing.T, st store.Store) {
	ctx := context.Background()
	exists := func(idHash string) bool {
		t.Helper()
		_, err := st.GetSession(ctx, idHash)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetSession(%s): %v", idHash, err)
		}
		return err == nil
	}
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

	// Stale sessions: idle ones (last seen before idleBefore) and old ones
	// (created before createdBefore); the bounds themselves are not stale.
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
