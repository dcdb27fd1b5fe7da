package auditlog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/auditlog"
	"github.com/logbookhq/logbook/internal/query"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/sqlite"
)

var at = time.Date(2026, 11, 25, 22, 15, 0, 0, time.UTC)

// recorder keeps what the service records.
type recorder struct {
	mu      sync.Mutex
	entries []audit.Entry
}

func (r *recorder) Submit(_ context.Context, es []audit.Entry) ([]int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries = append(r.entries, es...)
	return make([]int64, len(es)), nil
}

// newStore is a SQLite store holding n entries of users u0 and u1 in
// Global/EMEA and Global/APAC.
func newStore(t *testing.T, n int) store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	es := make([]audit.Entry, n)
	for i := range es {
		d := "Global/EMEA"
		if i%3 == 0 {
			d = "Global/APAC"
		}
		es[i] = audit.Entry{Timestamp: at.Add(time.Duration(i) * time.Second), UserName: fmt.Sprintf("u%d", i%2), Domain: d,
			Application: "REST", Task: "Login", Result: audit.ResultSuccess, Source: "test"}
	}
	if n > 0 {
		if _, err := st.Append(ctx, es); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

var emea = store.Scope{Domains: []string{"Global/EMEA"}}

func TestListCountsWithinTheScope(t *testing.T) {
	svc := auditlog.New(newStore(t, 30), &recorder{}, nil)
	l, err := svc.List(context.Background(), emea, store.Query{Sort: store.DefaultSort, Limit: 5,
		Filter: store.Filter{UserName: []store.Match{{Value: "u1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entries) != 5 || l.Next == nil || l.Total != (auditlog.Total{N: 10}) {
		t.Fatalf("listing: %d entries, next %v, total %+v; want 5 of 10", len(l.Entries), l.Next, l.Total)
	}
	for _, e := range l.Entries {
		if e.Domain != "Global/EMEA" || e.UserName != "u1" {
			t.Errorf("listed %+v", e)
		}
	}
	if l, err := svc.List(context.Background(), store.Scope{}, store.Query{Sort: store.DefaultSort, Limit: 5}); err != nil || len(l.Entries) != 0 || l.Total.N != 0 {
		t.Errorf("the zero scope sees %d entries, total %+v (%v)", len(l.Entries), l.Total, err)
	}
}

// countingStore answers counts past the cap without holding the entries.
type countingStore struct {
	store.Store
	n         int
	estimated bool
}

func (s *countingStore) Count(_ context.Context, _ store.Scope, _ store.Filter, limit int) (int, error) {
	return min(s.n, limit+1), nil
}

func (s *countingStore) Estimate(_ context.Context, _ store.Scope, _ store.Filter, n int) (int64, error) {
	s.estimated = true
	return int64(s.n), nil
}

func TestCountEstimatesPastTheCap(t *testing.T) {
	for _, n := range []int{0, auditlog.CountCap, auditlog.CountCap + 1, 1234567} {
		st := &countingStore{n: n}
		total, err := auditlog.New(st, nil, nil).Count(context.Background(), store.AllDomains, store.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		capped := n > auditlog.CountCap
		want := auditlog.Total{N: min(n, auditlog.CountCap), Capped: capped}
		if capped {
			want.Estimate = int64(n)
		}
		if total != want || st.estimated != capped || total.About() != int64(n) {
			t.Errorf("%d entries: total %+v (estimated %v), want %+v", n, total, st.estimated, want)
		}
	}
}

// target records how an export was opened and flushed.
type target struct {
	buf     bytes.Buffer
	opened  bool
	flushes []int
}

func (t *target) Target() auditlog.Target {
	return auditlog.Target{
		Open:  func() (io.Writer, error) { t.opened = true; return &t.buf, nil },
		Flush: func(n int) error { t.flushes = append(t.flushes, n); return nil },
	}
}

func TestExportWritesEveryEntryInScope(t *testing.T) {
	svc := auditlog.New(newStore(t, 2*auditlog.ExportPageSize+10), &recorder{}, nil)
	x, err := query.ParseExport(map[string][]string{"format": {"ndjson"}}, at)
	if err != nil {
		t.Fatal(err)
	}
	var tg target
	n, opened, err := svc.Export(context.Background(), emea, x, tg.Target())
	want := 2*auditlog.ExportPageSize + 10 - (2*auditlog.ExportPageSize+10+2)/3 // every third is APAC
	if err != nil || !opened || n != want {
		t.Fatalf("export: %d entries, opened %v, %v; want %d", n, opened, err, want)
	}
	lines := strings.Split(strings.TrimSpace(tg.buf.String()), "\n")
	var last int64
	for _, l := range lines {
		var e audit.Entry
		if err := json.Unmarshal([]byte(l), &e); err != nil || e.Domain != "Global/EMEA" || e.ID <= last {
			t.Fatalf("line %q (%v), after id %d", l, err, last)
		}
		last = e.ID
	}
	if len(lines) != want || len(tg.flushes) < 2 || tg.flushes[len(tg.flushes)-1] != want {
		t.Errorf("%d lines, flushes %v", len(lines), tg.flushes)
	}
}

// failingStore fails every listing.
type failingStore struct{ store.Store }

func (failingStore) List(context.Context, store.Scope, store.Query) (store.Page, error) {
	return store.Page{}, errors.New("disk on fire")
}

// TestExportFailsBeforeOpening: a store that fails at once fails the
// export before anything is written, so an HTTP answer can still say so.
func TestExportFailsBeforeOpening(t *testing.T) {
	svc := auditlog.New(failingStore{newStore(t, 3)}, &recorder{}, nil)
	var tg target
	n, opened, err := svc.Export(context.Background(), store.AllDomains, query.Export{Format: query.CSV, Query: store.Query{Sort: query.ExportSort}}, tg.Target())
	if err == nil || opened || tg.opened || n != 0 {
		t.Errorf("export over a failing store: %d, opened %v, %v", n, opened, err)
	}
}

func TestExportCSV(t *testing.T) {
	svc := auditlog.New(newStore(t, 3), &recorder{}, nil)
	x, err := query.ParseExport(map[string][]string{"bom": {"true"}, "tz": {"Europe/Berlin"}}, at)
	if err != nil {
		t.Fatal(err)
	}
	var tg target
	if n, _, err := svc.Export(context.Background(), store.AllDomains, x, tg.Target()); err != nil || n != 3 {
		t.Fatalf("export: %d, %v", n, err)
	}
	out := tg.buf.String()
	if !strings.HasPrefix(out, "\uFEFFAudit Log ID,") || !strings.Contains(out, "Europe/Berlin") || strings.Count(out, "\r\n") != 4 {
		t.Errorf("CSV export:\n%s", out)
	}
}

func TestRecordExport(t *testing.T) {
	rec := &recorder{}
	svc := auditlog.New(nil, rec, func() time.Time { return at })
	req := accounts.Request{Subject: access.Subject{Name: "ann"}, IP: "192.0.2.7"}
	x := query.Export{Format: query.NDJSON}
	if err := svc.RecordExport(context.Background(), req, x, "format=ndjson&user_name=u1", 12, nil, false); err != nil {
		t.Fatal(err)
	}
	if err := svc.RecordExport(context.Background(), req, x, "", 3, errors.New("gone"), true); err != nil {
		t.Fatal(err)
	}
	ok, failed := rec.entries[0], rec.entries[1]
	if ok.Result != audit.ResultSuccess || ok.UserName != "ann" || ok.UserIP != "192.0.2.7" || !ok.Timestamp.Equal(at) ||
		ok.Description != "User ann exported 12 audit log entries as NDJSON. Query: format=ndjson&user_name=u1" {
		t.Errorf("recorded %+v", ok)
	}
	if failed.Result != audit.ResultFailure || !strings.Contains(failed.Description, "failed after 3 entries: the client went away. Query: (none)") {
		t.Errorf("recorded %+v", failed)
	}
}
