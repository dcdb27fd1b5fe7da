package forward_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/forward"
	"github.com/logbookhq/logbook/internal/forward/ceftest"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/sqlite"
)

func openStore(t *testing.T) store.Store {
	st, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func appendEntries(t *testing.T, st store.Store, n int, domain string) []int64 {
	t.Helper()
	es := make([]audit.Entry, n)
	for i := range es {
		es[i] = audit.Entry{Timestamp: time.Now().UTC().Truncate(time.Microsecond), UserName: "u" + strconv.Itoa(i), Domain: domain,
			Application: "REST", Task: "Login", Result: audit.ResultSuccess, Source: "test"}
	}
	ids, err := st.Append(context.Background(), es)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// syslogReceiver is a TCP receiver reading octet-counted frames.
type syslogReceiver struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []string
}

func listen(t *testing.T, addr string) *syslogReceiver {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	r := &syslogReceiver{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go r.read(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return r
}

func (r *syslogReceiver) read(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		n, err := br.ReadString(' ')
		if err != nil {
			return
		}
		size, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil {
			return
		}
		b := make([]byte, size)
		if _, err := io.ReadFull(br, b); err != nil {
			return
		}
		r.mu.Lock()
		r.msgs = append(r.msgs, string(b))
		r.mu.Unlock()
	}
}

// ids are the externalIds of the CEF messages received.
func (r *syslogReceiver) ids(t *testing.T) []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int64
	for _, m := range r.msgs {
		c, err := ceftest.ParseCEF(m[strings.Index(m, "CEF:"):])
		if err != nil {
			t.Fatalf("bad CEF %q: %v", m, err)
		}
		id, _ := strconv.ParseInt(c.Extensions["externalId"], 10, 64)
		out = append(out, id)
	}
	return out
}

func runManager(t *testing.T, st store.Store) (stop func()) {
	m := forward.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), forward.Options{
		IntervalFunc: func() time.Duration { return 50 * time.Millisecond }, Poll: 50 * time.Millisecond,
		Linger: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, BatchEntries: 7})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.Run(ctx) }()
	return func() { cancel(); <-done }
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCursorHoldsWhileReceiverIsDown: while nothing listens, every attempt
// fails, the failure is recorded, the criterion stays enabled and the
// cursor does not move; once a receiver listens, the entries the filter
// and scope select arrive exactly once, in order, and the cursor reaches
// the head.
func TestCursorHoldsWhileReceiverIsDown(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	before := appendEntries(t, st, 3, "Global")
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().(*net.TCPAddr)
	ln.Close()
	c, err := st.CreateCriterion(ctx, store.Criterion{Name: "siem", Host: "127.0.0.1", Port: addr.Port, Protocol: "tcp",
		Format: "cef", Filter: "-user:u1", Enabled: true, Scope: store.Scope{Domains: []string{"Global/EMEA"}},
		Delivery: store.DeliveryState{LastDeliveredID: before[2]}})
	if err != nil {
		t.Fatal(err)
	}
	stop := runManager(t, st)
	defer stop()
	emea := appendEntries(t, st, 20, "Global/EMEA")
	appendEntries(t, st, 5, "Global/APAC") // outside the criterion's scope
	waitFor(t, "a recorded failure", func() bool {
		got, _ := st.GetCriterion(ctx, c.ID)
		return !got.Delivery.FailingSince.IsZero() && strings.Contains(got.Delivery.LastError, "refused")
	})
	time.Sleep(300 * time.Millisecond) // several retries
	got, _ := st.GetCriterion(ctx, c.ID)
	if got.Delivery.LastDeliveredID != before[2] || got.Delivery.InFlightID != 0 || !got.Enabled {
		t.Fatalf("after failed sends: %+v enabled=%v", got.Delivery, got.Enabled)
	}
	if n, _ := forward.Backlog(ctx, st, got, 100); n != 19 {
		t.Fatalf("backlog %d, want 19", n)
	}

	r := listen(t, addr.String())
	head, _, _ := st.Head(ctx)
	waitFor(t, "delivery", func() bool {
		got, _ := st.GetCriterion(ctx, c.ID)
		return got.Delivery.LastDeliveredID == head
	})
	var want []int64
	for i, id := range emea {
		if i != 1 { // -user:u1
			want = append(want, id)
		}
	}
	if got := r.ids(t); !equal(got, want) {
		t.Fatalf("received %v, want %v", got, want)
	}
	got, _ = st.GetCriterion(ctx, c.ID)
	if !got.Delivery.FailingSince.IsZero() || got.Delivery.LastSuccess.IsZero() {
		t.Fatalf("after recovery: %+v", got.Delivery)
	}
}

// TestInFlightBatchIsNotSentAgain: a batch recorded as in flight when the
// process stopped had left it, so the next forwarder starts after it.
func TestInFlightBatchIsNotSentAgain(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	ids := appendEntries(t, st, 10, "Global")
	r := listen(t, "127.0.0.1:0")
	port := r.ln.Addr().(*net.TCPAddr).Port
	c, err := st.CreateCriterion(ctx, store.Criterion{Name: "siem", Host: "127.0.0.1", Port: port, Protocol: "tcp",
		Format: "cef", Enabled: true, Scope: store.AllDomains, Delivery: store.DeliveryState{LastDeliveredID: ids[1]}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetDeliveryState(ctx, c.ID, ids[1], store.DeliveryState{LastDeliveredID: ids[1], InFlightID: ids[4]}); err != nil {
		t.Fatal(err)
	}
	stop := runManager(t, st)
	defer stop()
	waitFor(t, "delivery", func() bool {
		got, _ := st.GetCriterion(ctx, c.ID)
		return got.Delivery.LastDeliveredID == ids[9]
	})
	if got := r.ids(t); !equal(got, ids[5:]) {
		t.Fatalf("received %v, want %v", got, ids[5:])
	}

	// A replay moves the cursor back: the forwarder sends from there.
	if err := st.SetDeliveryState(ctx, c.ID, -1, store.DeliveryState{LastDeliveredID: ids[7]}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "replay", func() bool { return len(r.ids(t)) == 7 })
	if got := r.ids(t); !equal(got[5:], ids[8:]) {
		t.Fatalf("after replay received %v", got)
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
