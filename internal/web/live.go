package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/logbookhq/logbook/internal/query"
)

// liveHeartbeat keeps proxies from closing an idle event stream.
const liveHeartbeat = 20 * time.Second

// liveCap bounds the count a live view reports ("1000+ new entries").
const liveCap = 1000

// streamNewCount is a Server-Sent Events stream of how many entries that
// match the grid's filters arrived after the one the grid was rendered at.
// The page shows the count and reloads only when the viewer asks.
func (h *Handler) streamNewCount(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	after, err := strconv.ParseInt(v.Get("after"), 10, 64)
	if err != nil || after < 0 {
		http.Error(w, "after: must be a non-negative integer", http.StatusBadRequest)
		return
	}
	v.Del("after")
	q, err := query.ParseGrid(v, h.now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f := q.Filter
	f.AfterID = after
	f.From, f.To = time.Time{}, time.Time{} // a relative range moves with time; new entries are in it
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{})
	rc.SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	ids, cancel := h.hub.Subscribe()
	defer cancel()
	fmt.Fprint(w, "retry: 5000\n\n")
	rc.Flush()
	ctx := r.Context()
	scope := scopeOf(r)
	last := -1
	send := func() bool {
		n, err := h.logs.CountUpTo(ctx, scope, f, liveCap)
		if err != nil {
			return ctx.Err() == nil // a failed count is retried at the next commit
		}
		if n != last {
			last = n
			if _, err := fmt.Fprintf(w, "data: %d\n\n", min(n, liveCap+1)); err != nil {
				return false
			}
			return rc.Flush() == nil
		}
		return true
	}
	if !send() {
		return
	}
	beat := time.NewTicker(liveHeartbeat)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ids:
			if !send() {
				return
			}
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		}
	}
}
