// Package ingest is the single writer every new audit log entry goes
// through. Requests that arrive while a transaction is committing are merged
// into the next one (group commit), so that many concurrent clients share
// one fsync, and the store extends the hash chain over each merged batch.
// A request is answered only after the transaction holding its entries has
// committed durably.
package ingest

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// ErrClosed is returned by Submit after Close.
var ErrClosed = errors.New("ingest writer is shut down")

// DefaultMaxBatch bounds the entries of one group commit, so that one
// transaction never holds the write lock for long.
const DefaultMaxBatch = 5000

// Group commit waits at most DefaultLinger for concurrent requests, and not
// once DefaultLingerEntries entries are gathered.
const (
	DefaultLinger        = 250 * time.Microsecond
	DefaultLingerEntries = 256
)

// Writer merges concurrent submissions into group commits.
type Writer struct {
	store    store.Store
	log      *slog.Logger
	maxBatch int
	onCommit func(lastID int64)
	onBatch  func(entries int, took time.Duration, err error)
	// linger is how long a commit waits for more requests when clients are
	// concurrent, and lingerEntries the batch size that ends the wait.
	linger        time.Duration
	lingerEntries int

	mu     sync.RWMutex
	closed bool
	reqs   chan *request
	done   chan struct{}
}

type request struct {
	entries []audit.Entry
	ids     []int64
	err     error
	done    chan struct{}
}

// Options configure a Writer.
type Options struct {
	// MaxBatch bounds the entries of one transaction; DefaultMaxBatch if 0.
	MaxBatch int
	// Linger is the longest a commit waits for more concurrent requests;
	// DefaultLinger if 0, no waiting if negative.
	Linger time.Duration
	// LingerEntries ends the wait once a batch has this many entries;
	// DefaultLingerEntries if 0.
	LingerEntries int
	// OnCommitFunc, if set, is called after every commit with the highest
	// id written, from the writer's goroutine; it must not block.
	OnCommitFunc func(lastID int64)
	// OnBatchFunc, if set, is called after every transaction with the
	// entries it held, how long the store took and its error, from the
	// writer's goroutine; metrics observe ingest with it. It must not
	// block.
	OnBatchFunc func(entries int, took time.Duration, err error)
}

// New starts a writer on st.
func New(st store.Store, log *slog.Logger, opts Options) *Writer {
	w := &Writer{
		store:    st,
		log:      log,
		maxBatch: opts.MaxBatch,
		onCommit: opts.OnCommitFunc,
		onBatch:  opts.OnBatchFunc,
		reqs:     make(chan *request, 1024),
		done:     make(chan struct{}),
	}
	if w.maxBatch <= 0 {
		w.maxBatch = DefaultMaxBatch
	}
	w.linger, w.lingerEntries = opts.Linger, opts.LingerEntries
	if w.linger == 0 {
		w.linger = DefaultLinger
	}
	if w.lingerEntries <= 0 {
		w.lingerEntries = DefaultLingerEntries
	}
	go w.run()
	return w
}

// Submit stores entries and returns their ids once they are durable. The
// entries are stored together, in order, in one transaction. Submit waits
// for the commit even when ctx ends first, because a commit cannot be taken
// back: the caller learns the outcome either way.
func (w *Writer) Submit(ctx context.Context, entries []audit.Entry) ([]int64, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	r := &request{entries: entries, done: make(chan struct{})}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return nil, ErrClosed
	}
	w.reqs <- r
	w.mu.RUnlock()
	<-r.done
	return r.ids, r.err
}

// Close stops taking submissions and returns when every submission taken
// has been committed (or has failed).
func (w *Writer) Close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.reqs)
	}
	w.mu.Unlock()
	<-w.done
}

func (w *Writer) run() {
	defer close(w.done)
	linger := time.NewTimer(0)
	<-linger.C
	prevRequests := 0
	for r := range w.reqs {
		batch := []*request{r}
		n := len(r.entries)
		// Take what is waiting. When the last commit merged several
		// requests, concurrent clients are about: wait up to w.linger for
		// the ones whose requests are still being read, because a commit
		// costs about the same for 5 entries as for 500 (the fsync and the
		// index pages it writes), so fewer, fuller commits serve more.
		waiting := prevRequests > 1 && w.linger > 0 && n < w.lingerEntries
		if waiting {
			linger.Reset(w.linger)
		}
	gather:
		for n < w.maxBatch {
			if waiting && n >= w.lingerEntries {
				break
			}
			select {
			case more, ok := <-w.reqs:
				if !ok {
					break gather
				}
				batch = append(batch, more)
				n += len(more.entries)
				continue
			default:
			}
			if !waiting {
				break
			}
			select {
			case more, ok := <-w.reqs:
				if !ok {
					break gather
				}
				batch = append(batch, more)
				n += len(more.entries)
			case <-linger.C:
				waiting = false
				break gather
			}
		}
		if waiting && !linger.Stop() {
			<-linger.C
		}
		prevRequests = len(batch)
		w.commit(batch, n)
	}
}

func (w *Writer) commit(batch []*request, n int) {
	entries := batch[0].entries
	if len(batch) > 1 {
		entries = make([]audit.Entry, 0, n)
		for _, r := range batch {
			entries = append(entries, r.entries...)
		}
	}
	start := time.Now()
	ids, err := w.store.Append(context.Background(), entries)
	if w.onBatch != nil {
		w.onBatch(len(entries), time.Since(start), err)
	}
	if err != nil && len(batch) > 1 {
		// One request must not fail the others it was merged with: commit
		// each on its own so that only the one at fault is refused.
		w.log.Warn("group commit failed, retrying requests one by one", "requests", len(batch), "error", err)
		for _, r := range batch {
			w.commit([]*request{r}, len(r.entries))
		}
		return
	}
	if err != nil {
		w.log.Error("commit failed", "entries", n, "error", err)
	}
	off := 0
	for _, r := range batch {
		if err != nil {
			r.err = err
		} else {
			r.ids = ids[off : off+len(r.entries)]
			// Give the caller the server-set fields of its own entries.
			copy(r.entries, entries[off:off+len(r.entries)])
			off += len(r.entries)
		}
		close(r.done)
	}
	if err == nil && w.onCommit != nil {
		w.onCommit(slices.Max(ids))
	}
}
