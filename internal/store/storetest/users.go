package storetest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

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

// testUpdateUser checks UpdateUser on one user, "upd", that each subtest
// changes in turn.
func testUpdateUser(t *testing.T, st store.Store) {
	ctx := context.Background()
	orig := store.User{Name: "upd", PasswordHash: "h1", Roles: []string{"auditor"}, Domains: []string{"Global"},
		CreatedAt: accountsBase, UpdatedAt: accountsBase}
	if err := st.CreateUser(ctx, orig); err != nil {
		t.Fatal(err)
	}
	t.Run("ConcurrentIncrements", func(t *testing.T) { updateUserConcurrently(t, st) })
	t.Run("WritesAndStamps", func(t *testing.T) { updateUserWrites(t, st) })
	t.Run("ErrorAborts", func(t *testing.T) { updateUserAborts(t, st) })
	t.Run("RenameRefused", func(t *testing.T) { updateUserRename(t, st) })
	t.Run("Missing", func(t *testing.T) { updateUserMissing(t, st) })
}

// updateUserConcurrently checks that concurrent updates of one user are
// applied one after the other, none lost.
func updateUserConcurrently(t *testing.T, st store.Store) {
	ctx := context.Background()
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
}

// updateUserWrites checks that every field fn sets is written, that
// UpdatedAt is stamped now, and that LastLoginAt can be cleared.
func updateUserWrites(t *testing.T, st store.Store) {
	ctx := context.Background()
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
}

// updateUserAborts checks that an error from fn leaves the user as it was.
func updateUserAborts(t *testing.T, st store.Store) {
	ctx := context.Background()
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
}

// updateUserRename checks that fn cannot rename the user.
func updateUserRename(t *testing.T, st store.Store) {
	ctx := context.Background()
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
}

// updateUserMissing checks that a missing user is ErrNotFound, fn not
// called.
func updateUserMissing(t *testing.T, st store.Store) {
	ctx := context.Background()
	called := false
	_, err := st.UpdateUser(ctx, "nobody", func(*store.User) error { called = true; return nil })
	if !errors.Is(err, store.ErrNotFound) || called {
		t.Errorf("UpdateUser(nobody) = %v (fn called: %v), want ErrNotFound without calling fn", err, called)
	}
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
