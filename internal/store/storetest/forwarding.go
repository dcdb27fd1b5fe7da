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

	// The delivery state moves only from the expected cursor.
	at := accountsBase.Add(time.Minute)
	ds := store.DeliveryState{LastDeliveredID: 7, InFlightID: 12}
	if err := st.SetDeliveryState(ctx, c.ID, 7, ds); err != nil {
		t.Fatalf("SetDeliveryState: %v", err)
	}
	if err := st.SetDeliveryState(ctx, c.ID, 6, store.DeliveryState{LastDeliveredID: 99}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("SetDeliveryState from a moved cursor: %v, want ErrConflict", err)
	}
	ds = store.DeliveryState{LastDeliveredID: 12, LastSuccess: at, LastError: "connection refused", LastErrorAt: at.Add(-time.Second), FailingSince: at.Add(-time.Hour)}
	if err := st.SetDeliveryState(ctx, c.ID, 7, ds); err != nil {
		t.Fatal(err)
	}
	if err := st.SetDeliveryState(ctx, 9999, -1, ds); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SetDeliveryState of a missing criterion: %v, want ErrNotFound", err)
	}

	// An update changes the configuration, never the delivery state.
	upd, err := st.UpdateCriterion(ctx, c.ID, func(c *store.Criterion) error {
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
	got, _ = st.GetCriterion(ctx, c.ID)
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
	if _, err := st.UpdateCriterion(ctx, c.ID, func(c *store.Criterion) error { c.Name = "other"; return nil }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("rename onto a taken name: %v, want ErrConflict", err)
	}
	boom := errors.New("boom")
	if _, err := st.UpdateCriterion(ctx, c.ID, func(c *store.Criterion) error { c.Host = "changed"; return boom }); !errors.Is(err, boom) {
		t.Fatalf("fn error: %v", err)
	}
	if got, _ := st.GetCriterion(ctx, c.ID); got.Host != "10.1.1.1" {
		t.Fatalf("an aborted update was stored: host %q", got.Host)
	}
	// Unconditional writes (a replay) clear the state.
	if err := st.SetDeliveryState(ctx, c.ID, -1, store.DeliveryState{LastDeliveredID: 3}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.GetCriterion(ctx, c.ID); got.Delivery != (store.DeliveryState{LastDeliveredID: 3}) {
		t.Fatalf("after replay: %+v", got.Delivery)
	}

	if err := st.DeleteCriterion(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetCriterion(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted criterion: %v", err)
	}
	if err := st.DeleteCriterion(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := st.UpdateCriterion(ctx, c.ID, func(*store.Criterion) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update of a deleted criterion: %v", err)
	}
}

// diffCriterion compares criteria, the nested structs field by field.
func diffCriterion(got, want store.Criterion) string {
	out := diff(got.Delivery, want.Delivery) + diff(got.TLS, want.TLS) + diff(scopeFields(got.Scope), scopeFields(want.Scope))
	got.Delivery, want.Delivery = store.DeliveryState{}, store.DeliveryState{}
	got.Scope, want.Scope = store.Scope{}, store.Scope{}
	return out + diff(got, want)
}

// scopeFields makes a scope comparable by diff: nil lists as empty ones.
func scopeFields(s store.Scope) store.Scope {
	if s.Domains == nil {
		s.Domains = []string{}
	}
	if s.Exact == nil {
		s.Exact = []string{}
	}
	return s
}
