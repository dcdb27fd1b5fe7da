// Package live tells open views that new audit log entries were committed.
// The ingest writer publishes the highest committed id; each subscriber
// holds only the latest value, so a slow viewer never slows ingest down.
package live

import "sync"

// Hub fans commit notifications out to subscribers.
type Hub struct {
	mu   sync.Mutex
	subs map[chan int64]struct{}
	last int64
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[chan int64]struct{}{}} }

// Publish announces that entries up to id are committed. It never blocks.
func (h *Hub) Publish(id int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if id > h.last {
		h.last = id
	}
	for ch := range h.subs {
		select {
		case ch <- id:
		default:
			// The subscriber has not read the previous value: replace it.
			select {
			case <-ch:
			default:
			}
			ch <- id
		}
	}
}

// Subscribe returns a channel of committed ids and a function that ends the
// subscription.
func (h *Hub) Subscribe() (<-chan int64, func()) {
	ch := make(chan int64, 1)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
	}
}

// Subscribers is the number of open subscriptions.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}
