package accounts_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/server"
	"github.com/logbookhq/logbook/internal/server/servertest"
	"github.com/logbookhq/logbook/internal/store"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestExpireSessionsRecordsEachEnding(t *testing.T) {
	c := &clock{t: time.Now().UTC()}
	opts := server.DefaultOptions()
	opts.Auth.Now = c.now
	f := servertest.New(t, servertest.Options{Server: &opts})
	ctx := context.Background()
	svc := f.Server.Auth
	if _, err := svc.CreateUser(ctx, accounts.Actor{Name: "test"}, accounts.NewUser{Name: "ann", Password: "correct horse battery",
		Roles: []string{"audit-log-admin"}, Domains: []string{"Global"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Login(ctx, "ann", "correct horse battery", "192.0.2.7"); err != nil {
		t.Fatal(err)
	}
	if n, err := svc.ExpireSessions(ctx); n != 0 || err != nil {
		t.Fatalf("a fresh session was ended: %d, %v", n, err)
	}
	c.add(31 * time.Minute)
	if n, err := svc.ExpireSessions(ctx); n != 1 || err != nil {
		t.Fatalf("ExpireSessions = %d, %v; want 1", n, err)
	}
	page, err := f.Store.List(ctx, store.AllDomains, store.Query{Filter: store.Filter{Task: []store.Match{{Value: "Session Expired"}}},
		Sort: store.DefaultSort, Limit: 10})
	if err != nil || len(page.Entries) != 1 || page.Entries[0].UserName != "ann" || page.Entries[0].Application != "Logbook" {
		t.Fatalf("Session Expired entries: %+v, %v", page.Entries, err)
	}
}
