package ingest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/sqlite"
)

// countingStore is a real SQLite store that counts transactions and can be
// told to refuse batches holding a given user, to test fault isolation.
type countingStore struct {
	store.Store
	appends  atomic.Int64
	poisoned string
}

func (c *countingStore) Append(ctx context.Context, es []audit.Entry) ([]int64, error) {
	c.appends.Add(1)
	for _, e := range es {
		if e.UserName == c.poisoned {
			return nil, errors.New("refused")
		}
	}
	return c.Store.Append(ctx, es)
}

func newStore(t *testing.T) *countingStore {
	st, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &countingStore{Store: st}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func entry(user string) audit.Entry {
	return audit.Entry{Timestamp: time.Now().UTC(), UserName: user, Domain: "Global", Application: "REST",
		Task: "Login", Result: audit.ResultSuccess, Source: "test"}
}

func TestConcurrentSubmitsShareCommits(t *testing.T) {
	st := newStore(t)
	w := New(st, quiet, Options{})
	const clients, each = 32, 20
	var wg sync.WaitGroup
	ids := make(chan int64, clients*each)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				got, err := w.Submit(context.Background(), []audit.Entry{entry("u")})
				if err != nil {
					t.Error(err)
					return
				}
				ids <- got[0]
			}
		}()
	}
	wg.Wait()
	w.Close()
	close(ids)
	seen := map[int64]bool{}
	for id := range ids {
		if seen[id] {
			t.Fatalf("id %d given twice", id)
		}
		seen[id] = true
	}
	if len(seen) != clients*each {
		t.Fatalf("%d ids, want %d", len(seen), clients*each)
	}
	if n := st.appends.Load(); n >= clients*each {
		t.Errorf("%d transactions for %d concurrent single-entry submits: nothing was merged", n, clients*each)
	}
	if _, _, err := store.VerifyChain(context.Background(), st); err != nil {
		t.Fatal(err)
	}
}

func TestFailedRequestDoesNotFailOthers(t *testing.T) {
	st := newStore(t)
	st.poisoned = "mallory"
	w := New(st, quiet, Options{Linger: 20 * time.Millisecond, LingerEntries: 1000})
	defer w.Close()
	// Two submits first so that the writer lingers and merges what follows.
	w.Submit(context.Background(), []audit.Entry{entry("a")})
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := "good"
			if i == 3 {
				user = "mallory"
			}
			_, errs[i] = w.Submit(context.Background(), []audit.Entry{entry(user)})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (err != nil) != (i == 3) {
			t.Errorf("submit %d: err = %v", i, err)
		}
	}
	n, err := st.Count(context.Background(), store.AllDomains, store.Filter{}, 100)
	if err != nil || n != 6 {
		t.Fatalf("stored %d entries (%v), want 6: the poisoned request must not take the others with it", n, err)
	}
}

func TestCloseDrainsAndRefusesLater(t *testing.T) {
	st := newStore(t)
	w := New(st, quiet, Options{})
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.Submit(context.Background(), []audit.Entry{entry("u")})
		}()
	}
	wg.Wait()
	w.Close()
	if _, err := w.Submit(context.Background(), []audit.Entry{entry("late")}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Submit after Close = %v, want ErrClosed", err)
	}
	n, _ := st.Count(context.Background(), store.AllDomains, store.Filter{}, 100)
	if n != 50 {
		t.Fatalf("stored %d, want 50", n)
	}
}

func TestOnCommitSeesHighestID(t *testing.T) {
	st := newStore(t)
	var last atomic.Int64
	w := New(st, quiet, Options{OnCommitFunc: func(id int64) { last.Store(id) }})
	ids, err := w.Submit(context.Background(), []audit.Entry{entry("a"), entry("b"), entry("c")})
	w.Close()
	if err != nil || last.Load() != ids[2] {
		t.Fatalf("OnCommit saw %d, want %d (%v)", last.Load(), ids[2], err)
	}
}
