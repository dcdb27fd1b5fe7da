package store

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"

	"github.com/logbookhq/logbook/internal/audit"
)

// VerifyChain recomputes every hash from the first entry to the last and
// checks that the chain ends at the chain head; it returns the number of
// entries checked and the hash of the last. The error names the first entry
// that was altered, inserted or removed. Entries appended while it runs are
// verified too.
//
// Entries removed by archive/purge leave gaps in the ids. A gap verifies
// when the bridges the purges recorded cover it exactly, id for id, and
// chain from the hash of the entry before the gap to the prev_hash of the
// entry after it (docs/archive-purge.md). Every remaining entry is still
// checked against its own content, so altering one after a purge shows
// just as before.
func VerifyChain(ctx context.Context, st Store) (int64, []byte, error) {
	headID, _, err := st.Head(ctx)
	if err != nil {
		return 0, nil, err
	}
	br := &bridgeReader{st: st}
	var checked int64
	prevID, prevHash := int64(0), audit.GenesisHash
	var buf []byte
	err = st.Scan(ctx, 0, func(e *audit.Entry) error {
		if e.ID != prevID+1 {
			h, err := br.cross(ctx, prevID, prevHash, e.ID)
			if err != nil {
				return err
			}
			prevHash = h
		}
		if e.PrevHash != hex.EncodeToString(prevHash) {
			return fmt.Errorf("entry %d: previous hash does not match the entry before it (an entry was removed, inserted or altered before it)", e.ID)
		}
		var h []byte
		h, buf = audit.ChainHash(prevHash, e, buf)
		if e.Hash != hex.EncodeToString(h) {
			return fmt.Errorf("entry %d: content does not match its hash (the entry was altered)", e.ID)
		}
		prevID, prevHash = e.ID, h
		checked++
		return nil
	})
	if err != nil {
		return checked, nil, fmt.Errorf("chain broken: %w", err)
	}
	endID, endHash, err := st.Head(ctx)
	if err != nil {
		return checked, nil, err
	}
	if prevID > endID {
		return checked, nil, fmt.Errorf("chain broken: entry %d lies beyond the chain head %d (inserted)", prevID, endID)
	}
	if prevID < endID {
		// The last entries are gone: purged (bridged up to the head) or
		// removed at the end. Entries appended after the scan read its
		// last page also end here; the head read first bounds what must
		// have been seen.
		if prevID < headID || endID > headID {
			h, err := br.cross(ctx, prevID, prevHash, endID+1)
			if err != nil {
				if prevID >= headID {
					return checked, prevHash, nil // appended while verifying
				}
				return checked, nil, fmt.Errorf("chain broken: the entries end at %d but the chain head is %d (entries removed at the end): %w", prevID, endID, err)
			}
			prevID, prevHash = endID, h
		}
	}
	if prevID == endID && endID != 0 && !bytes.Equal(prevHash, endHash) {
		return checked, nil, fmt.Errorf("chain broken: entry %d does not have the hash the chain head records", prevID)
	}
	return checked, prevHash, nil
}

// bridgeReader walks the purge bridges in id order beside the scan.
type bridgeReader struct {
	st      Store
	pending []Bridge
	after   int64 // FromID of the last bridge read
	done    bool
}

const bridgePage = 1000

// next returns the first bridge with FromID above id, or nil.
func (r *bridgeReader) next(ctx context.Context, id int64) (*Bridge, error) {
	for {
		for len(r.pending) > 0 && r.pending[0].FromID <= id {
			r.pending = r.pending[1:]
		}
		if len(r.pending) > 0 {
			return &r.pending[0], nil
		}
		if r.done {
			return nil, nil
		}
		bs, err := r.st.Bridges(ctx, max(r.after, id), bridgePage)
		if err != nil {
			return nil, err
		}
		if len(bs) < bridgePage {
			r.done = true
		}
		if len(bs) > 0 {
			r.after = bs[len(bs)-1].FromID
		}
		r.pending = bs
	}
}

// cross walks the gap between the entry prevID (hash prevHash) and the
// entry nextID over bridges and returns the hash the chain has at the end
// of the gap. A purge that ran while the scan read past the gap has
// bridges the reader has not seen yet; the reader starts afresh once.
func (r *bridgeReader) cross(ctx context.Context, prevID int64, prevHash []byte, nextID int64) ([]byte, error) {
	h, err := r.walk(ctx, prevID, prevHash, nextID)
	if err != nil {
		r.pending, r.done, r.after = nil, false, 0
		if h2, err2 := r.walk(ctx, prevID, prevHash, nextID); err2 == nil {
			return h2, nil
		}
	}
	return h, err
}

func (r *bridgeReader) walk(ctx context.Context, prevID int64, prevHash []byte, nextID int64) ([]byte, error) {
	id, h := prevID, prevHash
	for id+1 < nextID {
		b, err := r.next(ctx, id)
		if err != nil {
			return nil, err
		}
		switch {
		case b == nil || b.FromID > id+1:
			to := nextID - 1
			if b != nil && b.FromID-1 < to {
				to = b.FromID - 1
			}
			return nil, fmt.Errorf("entry %d: entries %d to %d are missing and no purge anchor accounts for them (removed)", nextID, id+1, to)
		case b.ToID >= nextID:
			return nil, fmt.Errorf("entry %d: a purge anchor says entries %d to %d were purged, but this one is there (inserted)", nextID, b.FromID, b.ToID)
		case !bytes.Equal(b.PrevHash, h):
			return nil, fmt.Errorf("entry %d: its hash does not match the purge anchor %d that follows it (the entry or the anchor was altered)", id, b.AnchorID)
		}
		id, h = b.ToID, b.EndHash
	}
	return h, nil
}
