package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

// testForwarding checks forwarding criteria: they round-trip every field,
// names are unique, configuration updates leave the delivery state alone,
// and the cursor only moves when it still is where the writer expects.
func testForwarding(t *testing.T, st store.Store) {
	c, want := createCriteria(t, st)
	at := accountsBase.Add(time.Minute)
	checkDeliveryState(t, st, c.ID, at)
	checkCriterionUpdate(t, st, c.ID, want, at)
	checkCriterionReplayAndDelete(t, st, c.ID)
}

// createCriteria creates two criteria and checks that the first
// round-trips every field, that names are unique and that both are
// listed; it returns the first and what a read of it must give.
func createCriteria(t *testing.T, st store.Store) (store.Criterion, store.Criterion) {
	t.Helper()
	ctx := context.Background()
	in := store.Criterion{Name: "siem", Description: "the SOC", Host: "siem.example", Port: 6514, Protocol: "tls",
		Format: "cef", Filter: "result:Failure", Enabled: true,
		TLS:   store.CriterionTLS{CAPEM: "ca", ClientCertPEM: "cert", ClientKeyPEM: "key", ServerName: "siem"},
		Scope: store.Scope{Domains: []string{"Global/EMEA"}, Exact: []string{"Global"}}, CreatedAt: accountsBase,
		Delivery: store.DeliveryState{LastDeliveredID: 7, LastError: "ignored on create"}}
	c, err := st.CreateCriterion(ctx, in)
	if err != nil {
		t.Fatalf("CreateCriterion: %v", err)
	}
	if c.ID <= 0 {
		t.Fatalf("id = %d", c.ID)
	}
	want := in
	want.ID, want.CreatedAt, want.UpdatedAt = c.ID, stored(accountsBase), stored(accountsBase)
	want.Delivery = store.DeliveryState{LastDeliveredID: 7}
	got, err := st.GetCriterion(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffCriterion(got, want); d != "" {
		t.Fatalf("GetCriterion:\n%s", d)
	}
	if d := diffCriterion(c, want); d != "" {
		t.Fatalf("CreateCriterion answer:\n%s", d)
	}
	if _, err := st.CreateCriterion(ctx, store.Criterion{Name: "siem", Host: "x", Port: 514, Protocol: "udp", Format: "cef"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate name: %v, want ErrConflict", err)
	}
	other, err := st.CreateCriterion(ctx, store.Criterion{Name: "other", Host: "10.0.0.1", Port: 514, Protocol: "udp", Format: "rfc5424", Scope: store.AllDomains})
	if err != nil {
		t.Fatal(err)
	}
	list, err := st.ListCriteria(ctx)
	if err != nil || len(list) != 2 || list[0].ID != c.ID || list[1].ID != other.ID || !list[1].Scope.All {
		t.Fatalf("ListCriteria = %+v, %v", list, err)
	}
	return c, want
}

// checkDeliveryState checks that the delivery state of criterion id moves
// only from the cursor the writer expects, and leaves it as a writer that
// delivered up to entry 12 at would.
func checkDeliveryState(t *testing.T, st store.Store, id int64, at time.Time) {
	t.Helper()
	ctx := context.Background()
	ds := store.DeliveryState{LastDeliveredID: 7, InFlightID: 12}
	if err := st.SetDeliveryState(ctx, id, 7, ds); err != nil {
		t.Fatalf("SetDeliveryState: %v", err)
	}
	if err := st.SetDeliveryState(ctx, id, 6, store.DeliveryState{LastDeliveredID: 99}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("SetDeliveryState from a moved cursor: %v, want ErrConflict", err)
	}
	ds = store.DeliveryState{LastDeliveredID: 12, LastSuccess: at, LastError: "connection refused", LastErrorAt: at.Add(-time.Second), FailingSince: at.Add(-time.Hour)}
	if err := st.SetDeliveryState(ctx, id, 7, ds); err != nil {
		t.Fatal(err)
	}
	if err := st.SetDeliveryState(ctx, 9999, -1, ds); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SetDeliveryState of a missing criterion: %v, want ErrNotFound", err)
	}
}

// checkCriterionUpdate checks that an update of criterion id changes its
// configuration, never its delivery state (which checkDeliveryState left
// at entry 12, at at), its id or its creation time; that a rename onto a
// taken name and an aborted update change nothing.
func checkCriterionUpdate(t *testing.T, st store.Store, id int64, want store.Criterion, at time.Time) {
	t.Helper()
	ctx := context.Background()
	upd, err := st.UpdateCriterion(ctx, id, func(c *store.Criterion) error {
		c.Host, c.Enabled, c.Filter = "10.1.1.1", false, ""
		c.Delivery = store.DeliveryState{}
		c.ID, c.CreatedAt = 555, time.Time{}
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateCriterion: %v", err)
	}
	want.Host, want.Enabled, want.Filter = "10.1.1.1", false, ""
	want.Delivery = store.DeliveryState{LastDeliveredID: 12, LastSuccess: stored(at), LastError: "connection refused",
		LastErrorAt: stored(at.Add(-time.Second)), FailingSince: stored(at.Add(-time.Hour))}
	got, _ := st.GetCriterion(ctx, id)
	want.UpdatedAt = got.UpdatedAt
	if d := diffCriterion(got, want); d != "" {
		t.Fatalf("after update:\n%s", d)
	}
	if d := diffCriterion(upd, want); d != "" {
		t.Fatalf("UpdateCriterion answer:\n%s", d)
	}
	if got.UpdatedAt.Before(got.CreatedAt) {
		t.Fatalf("updated_at %v before created_at %v", got.UpdatedAt, got.CreatedAt)
	}
	if _, err := st.UpdateCriterion(ctx, id, func(c *store.Criterion) error { c.Name = "other"; return nil }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("rename onto a taken name: %v, want ErrConflict", err)
	}
	boom := errors.New("boom")
	if _, err := st.UpdateCriterion(ctx, id, func(c *store.Criterion) error { c.Host = "changed"; return boom }); !errors.Is(err, boom) {
		t.Fatalf("fn error: %v", err)
	}
	if got, _ := st.GetCriterion(ctx, id); got.Host != "10.1.1.1" {
		t.Fatalf("an aborted update was stored: host %q", got.Host)
	}
}

// checkCriterionReplayAndDelete checks that an unconditional write (a
// replay) clears the delivery state of criterion id, and that a deleted
// criterion is gone for reads, deletes and updates.
func checkCriterionReplayAndDelete(t *testing.T, st store.Store, id int64) {
	t.Helper()
	ctx := context.Background()
	if err := st.SetDeliveryState(ctx, id, -1, store.DeliveryState{LastDeliveredID: 3}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.GetCriterion(ctx, id); got.Delivery != (store.DeliveryState{LastDeliveredID: 3}) {
		t.Fatalf("after replay: %+v", got.Delivery)
	}

	if err := st.DeleteCriterion(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetCriterion(ctx, id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted criterion: %v", err)
	}
	if err := st.DeleteCriterion(ctx, id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := st.UpdateCriterion(ctx, id, func(*store.Criterion) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update of a deleted criterion: %v", err)
	}
}

// diffCriterion compares criteria as diff does, with nil and empty
// lists of their scopes alike.
func diffCriterion(got, want store.Criterion) string {
	got.Scope, want.Scope = scopeFields(got.Scope), scopeFields(want.Scope)
	return diff(got, want)
}

// scopeFields makes nil lists of a scope empty ones.
func scopeFields(s store.Scope) store.Scope {
	if s.Domains == nil {
		s.Domains = []string{}
	}
	if s.Exact == nil {
		s.Exact = []string{}
	}
	return s
}
