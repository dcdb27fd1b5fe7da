// Package forward sends audit log entries to syslog receivers and SIEMs:
// one forwarder per enabled forwarding criterion, each on exactly one
// replica, reading the entries its filter selects in id order from a
// durable cursor, formatting them as CEF or RFC 5424, sending them over
// UDP, TCP or TLS, and only then moving the cursor. docs/forwarding.md
// states what this guarantees.
package forward

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/logbookhq/logbook/internal/search"
	"github.com/logbookhq/logbook/internal/store"
)

// Interval bounds: batches go out every DefaultInterval unless the
// Interval option says otherwise, never more often than MinInterval and
// never less often than MaxInterval (Junos Space's 60 minutes).
const (
	DefaultInterval = 5 * time.Second
	MinInterval     = 100 * time.Millisecond
	MaxInterval     = 60 * time.Minute
)

// Options configure a Manager.
type Options struct {
	// IntervalFunc returns the time between batches; it is asked before
	// every wait, so a setting can change it at run time.
	// DefaultInterval when nil or zero.
	IntervalFunc func() time.Duration
	// BatchEntries bounds the entries of one batch (default 500) and
	// BatchBytes its size on the wire (default 32 KiB, at least one
	// entry): a batch is written in one write and counted as delivered
	// or not as a whole.
	BatchEntries int
	BatchBytes   int
	// Linger is how long a connection is watched after the receiver's
	// system acknowledged a batch, before the batch counts as delivered
	// (default 250 ms); see conn.confirm.
	Linger time.Duration
	// MaxBackoff caps the wait between attempts while a receiver fails
	// (default 1 minute).
	MaxBackoff time.Duration
	// Poll is how often the criteria are read again for changes made on
	// other replicas, and how often a forwarder that another replica runs
	// tries to take over (default 5 s).
	Poll time.Duration
	// Hostname and Version go into every message.
	Hostname string
	Version  string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.BatchEntries <= 0 {
		o.BatchEntries = 500
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = 32 << 10
	}
	if o.Linger <= 0 {
		o.Linger = 250 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

func (o *Options) interval() time.Duration {
	d := DefaultInterval
	if o.IntervalFunc != nil {
		if v := o.IntervalFunc(); v > 0 {
			d = v
		}
	}
	return min(max(d, MinInterval), MaxInterval)
}

// Manager runs a forwarder for every enabled criterion.
type Manager struct {
	st   store.Store
	log  *slog.Logger
	opts Options
	fmt  Formatter

	poke chan struct{}

	mu      sync.Mutex // guards workers; held while sync starts and stops them
	workers map[int64]*worker

	activeMu sync.Mutex     // apart from mu: workers being stopped under mu take it
	active   map[int64]bool // criteria whose forwarder runs in this process
}

type worker struct {
	version time.Time // the UpdatedAt of the configuration it runs
	cancel  context.CancelFunc
	done    chan struct{}
}

// New returns a manager; Run starts it.
func New(st store.Store, log *slog.Logger, opts Options) *Manager {
	opts.defaults()
	return &Manager{st: st, log: log, opts: opts, fmt: Formatter{Hostname: opts.Hostname, Version: opts.Version},
		poke: make(chan struct{}, 1), workers: map[int64]*worker{}, active: map[int64]bool{}}
}

// Changed tells the manager that criteria changed, so that it starts,
// restarts or stops forwarders now rather than at the next poll.
func (m *Manager) Changed() {
	select {
	case m.poke <- struct{}{}:
	default:
	}
}

// Run keeps one forwarder per enabled criterion until ctx ends, then
// stops them all and returns.
func (m *Manager) Run(ctx context.Context) {
	t := time.NewTicker(m.opts.Poll)
	defer t.Stop()
	for {
		if err := m.sync(ctx); err != nil && ctx.Err() == nil {
			m.log.Error("error reading forwarding criteria", "error", err)
		}
		select {
		case <-ctx.Done():
			m.mu.Lock()
			ws := m.workers
			m.workers = map[int64]*worker{}
			m.mu.Unlock()
			for _, w := range ws {
				w.cancel()
				<-w.done
			}
			return
		case <-t.C:
		case <-m.poke:
		}
	}
}

// sync starts and stops forwarders to match the stored criteria.
func (m *Manager) sync(ctx context.Context) error {
	cs, err := m.st.ListCriteria(ctx)
	if err != nil {
		return err
	}
	want := map[int64]store.Criterion{}
	for _, c := range cs {
		if c.Enabled {
			want[c.ID] = c
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, w := range m.workers {
		c, ok := want[id]
		if ok && c.UpdatedAt.Equal(w.version) {
			select {
			case <-w.done: // ended by itself (deleted meanwhile): start again below if wanted
			default:
				delete(want, id)
				continue
			}
		}
		w.cancel()
		<-w.done
		delete(m.workers, id)
	}
	for id, c := range want {
		wctx, cancel := context.WithCancel(ctx)
		w := &worker{version: c.UpdatedAt, cancel: cancel, done: make(chan struct{})}
		m.workers[id] = w
		go func() {
			defer close(w.done)
			m.runLocked(wctx, c)
		}()
	}
	return nil
}

// runLocked runs the forwarder of c whenever this process holds its lock,
// trying to take it every Poll.
func (m *Manager) runLocked(ctx context.Context, c store.Criterion) {
	lock := "forward:" + strconv.FormatInt(c.ID, 10)
	for ctx.Err() == nil {
		release, ok, err := m.st.TryLock(ctx, lock)
		if err != nil && ctx.Err() == nil {
			m.log.Warn("error taking the forwarding lock", "criterion", c.Name, "error", err)
		}
		if ok {
			m.setActive(c.ID, true)
			m.forward(ctx, c)
			m.setActive(c.ID, false)
			release()
		}
		sleep(ctx, m.opts.Poll)
	}
}

func (m *Manager) setActive(id int64, on bool) {
	m.activeMu.Lock()
	defer m.activeMu.Unlock()
	if on {
		m.active[id] = true
	} else {
		delete(m.active, id)
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// errGone ends a forwarder whose criterion was deleted or disabled.
var errGone = errors.New("the criterion was deleted or disabled")

// forward is one criterion's forwarder, run while holding its lock.
func (m *Manager) forward(ctx context.Context, c store.Criterion) {
	log := m.log.With("criterion", c.Name, "criterion_id", c.ID)
	f := &forwarder{m: m, c: c, log: log}
	if err := f.recover(ctx); err != nil {
		if ctx.Err() == nil {
			log.Error("error recovering the forwarding cursor", "error", err)
		}
		return
	}
	defer func() { f.conn.Close() }()
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		start := m.opts.Now()
		err := f.cycle(ctx)
		if errors.Is(err, errGone) || ctx.Err() != nil {
			return
		}
		wait := m.opts.interval() - m.opts.Now().Sub(start)
		if err != nil {
			f.conn.Close()
			f.conn = nil
			backoff = min(max(2*backoff, time.Second), m.opts.MaxBackoff)
			wait = backoff/2 + rand.N(backoff/2+1)
			log.Warn("forwarding failed; retrying", "error", err, "retry_in", wait.Round(time.Millisecond).String())
			f.failed(ctx, err)
		} else {
			backoff = 0
		}
		if wait > 0 {
			sleep(ctx, wait)
		}
	}
}

// forwarder is the state of one running forwarder.
type forwarder struct {
	m    *Manager
	c    store.Criterion
	log  *slog.Logger
	conn *conn
	// unstored is a cursor a delivered batch moved to that could not be
	// stored yet; it is stored before anything else is sent, and the
	// in-flight mark that covers the batch stays until then.
	unstored int64
}

// recover settles a batch a previous forwarder recorded as in flight and
// never confirmed: the process ended between handing it to the operating
// system and storing the cursor. The batch had left the process (it is
// recorded only just before the write), so it counts as delivered:
// sending it again would duplicate it at the receiver.
func (f *forwarder) recover(ctx context.Context) error {
	c, err := f.m.st.GetCriterion(ctx, f.c.ID)
	if err != nil {
		return err
	}
	d := c.Delivery
	if d.InFlightID <= d.LastDeliveredID {
		return nil
	}
	f.log.Warn("a batch was in flight when the previous forwarder stopped; counting it as delivered",
		"last_delivered_id", d.LastDeliveredID, "in_flight_id", d.InFlightID)
	from := d.LastDeliveredID
	d.LastDeliveredID, d.InFlightID = d.InFlightID, 0
	return f.m.st.SetDeliveryState(ctx, c.ID, from, d)
}

// failed records a failed attempt; the criterion stays enabled and its
// forwarder retries.
func (f *forwarder) failed(ctx context.Context, cause error) {
	c, err := f.m.st.GetCriterion(ctx, f.c.ID)
	if err != nil {
		return
	}
	d := c.Delivery
	now := f.m.opts.Now()
	d.LastError, d.LastErrorAt = truncate(cause.Error(), 1000), now
	if f.unstored == 0 {
		d.InFlightID = 0 // the batch was not delivered: send it again
	}
	if d.FailingSince.IsZero() {
		d.FailingSince = now
	}
	if err := f.m.st.SetDeliveryState(ctx, c.ID, d.LastDeliveredID, d); err != nil && ctx.Err() == nil {
		f.log.Error("error recording a forwarding failure", "error", err)
	}
}

// cycle sends batches until the criterion's receiver has every entry it
// selects that was committed when the cycle began.
func (f *forwarder) cycle(ctx context.Context) error {
	for {
		more, err := f.batch(ctx)
		if err != nil || !more {
			return err
		}
	}
}

// batch sends one batch. It answers whether more entries wait.
func (f *forwarder) batch(ctx context.Context) (bool, error) {
	st, opts := f.m.st, &f.m.opts
	c, err := st.GetCriterion(ctx, f.c.ID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!c.Enabled || !c.UpdatedAt.Equal(f.c.UpdatedAt))) {
		return false, errGone
	}
	if err != nil {
		return false, err
	}
	d := c.Delivery
	from := d.LastDeliveredID
	if f.unstored > from {
		d.LastDeliveredID, d.InFlightID, d.LastSuccess, d.FailingSince = f.unstored, 0, opts.Now(), time.Time{}
		if err := f.store(ctx, from, d); err != nil {
			return false, err
		}
		f.unstored = 0
		return true, nil
	}
	f.unstored = 0
	q, err := ParseFilter(c.Filter, opts.Now())
	if err != nil {
		return false, fmt.Errorf("filter: %w", err)
	}
	head, _, err := st.Head(ctx)
	if err != nil {
		return false, err
	}
	page, err := st.List(ctx, c.Scope, store.Query{Filter: store.Filter{Search: q, AfterID: from},
		Sort: store.Sort{Field: store.SortID}, Limit: opts.BatchEntries})
	if err != nil {
		return false, err
	}
	entries := page.Entries
	msgs := make([][]byte, 0, len(entries))
	size := 0
	for i := range entries {
		m := f.m.fmt.Message(c.Format, &entries[i])
		if i > 0 && size+len(m) > opts.BatchBytes {
			break
		}
		msgs = append(msgs, m)
		size += len(m) + 8
	}
	complete := len(msgs) == len(entries) && page.Next == nil
	through := from
	if len(msgs) > 0 {
		through = entries[len(msgs)-1].ID
	}
	// Every entry up to the head the listing could see is either in this
	// batch or not selected: the cursor may pass them all.
	cursor := through
	if complete && head > cursor {
		cursor = head
	}
	now := opts.Now()
	if len(msgs) == 0 {
		if cursor > from {
			d.LastDeliveredID, d.InFlightID = cursor, 0
			return false, f.store(ctx, from, d)
		}
		return false, nil
	}
	if err := f.connect(ctx, c); err != nil {
		return false, err
	}
	// Record the batch as in flight, then write it in one write.
	d.InFlightID = through
	if err := f.store(ctx, from, d); err != nil {
		return false, err
	}
	sendErr := f.conn.send(msgs)
	delivered, open := false, false
	if sendErr == nil {
		delivered, open, sendErr = f.conn.confirm(ctx, opts.Linger)
	}
	if !open {
		f.conn.Close()
		f.conn = nil
	}
	if !delivered {
		if sendErr == nil {
			sendErr = errors.New("not delivered")
		}
		return false, sendErr // failed() clears the in-flight mark
	}
	d.LastDeliveredID, d.InFlightID = cursor, 0
	d.LastSuccess, d.FailingSince = now, time.Time{}
	if err := f.store(ctx, from, d); err != nil {
		f.unstored = cursor
		return false, err
	}
	return !complete, nil
}

// store writes the delivery state if the cursor is still from. A replay
// moved it when it is not: the next batch starts from the new cursor.
func (f *forwarder) store(ctx context.Context, from int64, d store.DeliveryState) error {
	err := f.m.st.SetDeliveryState(ctx, f.c.ID, from, d)
	if errors.Is(err, store.ErrConflict) {
		f.log.Info("the forwarding cursor was moved (replay); continuing from the new cursor")
		return nil
	}
	if errors.Is(err, store.ErrNotFound) {
		return errGone
	}
	return err
}

// connect opens a connection when there is none or the open one was
// closed by the receiver, which is checked before every batch so that
// nothing is written to a connection known to be dead.
func (f *forwarder) connect(ctx context.Context, c store.Criterion) error {
	if f.conn != nil {
		if err := f.conn.check(); err == nil {
			return nil
		} else {
			f.log.Info("the receiver closed the connection; reconnecting", "reason", err)
		}
		f.conn.Close()
		f.conn = nil
	}
	conn, err := dial(ctx, c)
	if err != nil {
		return err
	}
	f.conn = conn
	return nil
}

// ParseFilter reads a criterion's filter; "" selects every entry (nil).
// Relative times ("after:-24h") are taken from now, so they move along.
func ParseFilter(text string, now time.Time) (*search.Query, error) {
	if text == "" {
		return nil, nil
	}
	q, err := search.Parse(text, now, time.UTC)
	if err != nil {
		return nil, err
	}
	if err := store.CheckSearch(&q); err != nil {
		return nil, err
	}
	return &q, nil
}

// Backlog counts the entries c selects that wait for delivery, up to
// limit (above it, some number greater than limit).
func Backlog(ctx context.Context, st store.Store, c store.Criterion, limit int) (int, error) {
	q, err := ParseFilter(c.Filter, time.Now())
	if err != nil {
		return 0, err
	}
	return st.Count(ctx, c.Scope, store.Filter{Search: q, AfterID: c.Delivery.LastDeliveredID}, limit)
}
