package live

import "testing"

func TestPublishKeepsLatestAndNeverBlocks(t *testing.T) {
	h := NewHub()
	ch, cancel := h.Subscribe()
	for id := int64(1); id <= 100; id++ {
		h.Publish(id) // nobody reads: must not block
	}
	if got := <-ch; got != 100 {
		t.Fatalf("subscriber got %d, want the latest id 100", got)
	}
	cancel()
	if h.Subscribers() != 0 {
		t.Fatal("cancel did not unsubscribe")
	}
	h.Publish(101) // no subscribers: fine
}
