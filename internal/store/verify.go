package store

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"math"
	"slices"

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
// just as before. Every bridge must belong to a purge that the chain
// itself states (statement.go), with the tally its statement records,
// and its anchor must agree: a bridge written into the database by hand
// fails, named.
func VerifyChain(ctx context.Context, st Store) (int64, []byte, error) {
	headID, _, err := st.Head(ctx)
	if err != nil {
		return 0, nil, err
	}
	pc := &purgeCheck{st: st, seen: map[int64]*seenAnchor{}, stated: map[int64]*statedPurge{}}
	br := &bridgeReader{st: st, crossed: pc.crossed}
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
		if err := pc.entry(e); err != nil {
			return err
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
	if err := pc.check(ctx); err != nil {
		return checked, nil, fmt.Errorf("purge record broken: %w", err)
	}
	return checked, prevHash, nil
}

// bridgeReader walks the purge bridges in id order beside the scan.
type bridgeReader struct {
	st      Store
	pending []Bridge
	after   int64 // FromID of the last bridge read
	done    bool
	crossed func([]Bridge) // the bridges of each gap crossed, once
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
	h, bs, err := r.walk(ctx, prevID, prevHash, nextID)
	if err != nil {
		r.pending, r.done, r.after = nil, false, 0
		if h, bs, err = r.walk(ctx, prevID, prevHash, nextID); err != nil {
			return nil, err
		}
	}
	r.crossed(bs)
	return h, nil
}

func (r *bridgeReader) walk(ctx context.Context, prevID int64, prevHash []byte, nextID int64) ([]byte, []Bridge, error) {
	id, h := prevID, prevHash
	var crossed []Bridge
	for id+1 < nextID {
		b, err := r.next(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case b == nil || b.FromID > id+1:
			to := nextID - 1
			if b != nil && b.FromID-1 < to {
				to = b.FromID - 1
			}
			return nil, nil, fmt.Errorf("entry %d: entries %d to %d are missing and no purge anchor accounts for them (removed)", nextID, id+1, to)
		case b.ToID >= nextID:
			return nil, nil, fmt.Errorf("entry %d: a purge anchor says entries %d to %d were purged, but this one is there (inserted)", nextID, b.FromID, b.ToID)
		case !bytes.Equal(b.PrevHash, h):
			return nil, nil, fmt.Errorf("entry %d: its hash does not match the purge anchor %d that follows it (the entry or the anchor was altered)", id, b.AnchorID)
		}
		crossed = append(crossed, *b)
		id, h = b.ToID, b.EndHash
	}
	return h, crossed, nil
}

// purgeCheck binds the bridges a scan crosses to the purge statements it
// reads in the chain.
type purgeCheck struct {
	st     Store
	seen   map[int64]*seenAnchor  // by anchor id: the bridges crossed
	stated map[int64]*statedPurge // by anchor id: what the chain states
	bindAt int64                  // the entry holding the bind statement
}

type seenAnchor struct {
	first Bridge // names the purge in errors
	tally BridgeTally
}

type statedPurge struct {
	begin          *Statement
	beginAt, endAt int64 // entry ids of the statements
	end            *Tally
}

func (c *purgeCheck) crossed(bs []Bridge) {
	for _, b := range bs {
		s := c.seen[b.AnchorID]
		if s == nil {
			s = &seenAnchor{first: b}
			c.seen[b.AnchorID] = s
		}
		s.tally.Add(b)
	}
}

func (c *purgeCheck) purge(anchorID int64) *statedPurge {
	p := c.stated[anchorID]
	if p == nil {
		p = &statedPurge{}
		c.stated[anchorID] = p
	}
	return p
}

// entry reads the statement a verified entry carries, if any.
func (c *purgeCheck) entry(e *audit.Entry) error {
	st := ParseStatement(e)
	if st == nil {
		return nil
	}
	switch st.Kind {
	case StatementBegin:
		p := c.purge(st.AnchorID)
		if p.begin != nil || p.endAt != 0 {
			return fmt.Errorf("entry %d: a second statement that purge %d began (it began at entry %d)", e.ID, st.AnchorID, p.beginAt)
		}
		p.begin, p.beginAt = st, e.ID
	case StatementEnd:
		p := c.purge(st.AnchorID)
		if p.endAt != 0 || st.Tally == nil {
			return fmt.Errorf("entry %d: a second or empty statement that purge %d ended", e.ID, st.AnchorID)
		}
		p.end, p.endAt = st.Tally, e.ID
	case StatementBind:
		if c.bindAt != 0 {
			return fmt.Errorf("entry %d: a second statement binding earlier purges (the first is entry %d)", e.ID, c.bindAt)
		}
		c.bindAt = e.ID
		for _, a := range st.Anchors {
			p := c.purge(a.AnchorID)
			if p.endAt != 0 {
				return fmt.Errorf("entry %d: binds purge %d, which entry %d already states", e.ID, a.AnchorID, p.endAt)
			}
			t := a.Tally
			p.end, p.endAt = &t, e.ID
		}
	}
	return nil
}

// check holds every purge whose bridges the scan crossed against its
// statements and its anchor.
func (c *purgeCheck) check(ctx context.Context) error {
	if len(c.seen) == 0 {
		return nil
	}
	list, err := c.st.Anchors(ctx, math.MaxInt32)
	if err != nil {
		return err
	}
	anchors := make(map[int64]Anchor, len(list))
	for _, a := range list {
		anchors[a.ID] = a
	}
	ids := make([]int64, 0, len(c.seen))
	for id := range c.seen {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		s := c.seen[id]
		name := fmt.Sprintf("the purge bridge over entries %d to %d (purge anchor %d)", s.first.FromID, s.first.ToID, id)
		a, ok := anchors[id]
		if !ok {
			return fmt.Errorf("%s: its purge anchor does not exist (a forged bridge)", name)
		}
		p := c.stated[id]
		if p == nil || (p.begin == nil && p.end == nil) {
			return fmt.Errorf("%s: no statement in the audit log records this purge (a forged bridge)", name)
		}
		got := s.tally.Tally()
		if at := max(p.beginAt, p.endAt); p.begin == nil && at <= got.LastID || p.begin != nil && p.beginAt <= got.LastID {
			return fmt.Errorf("%s: the purge is stated at entry %d, before entry %d it removed (a forged bridge)", name, at, got.LastID)
		}
		if p.begin != nil && got.LastID > p.begin.MaxID {
			return fmt.Errorf("%s: it reaches entry %d, past entry %d, the last its purge could remove (entry %d states it; a forged bridge)", name, got.LastID, p.begin.MaxID, p.beginAt)
		}
		if p.end == nil {
			// Under way, or ended by a crash before its end was stated:
			// bound only by its begin statement.
			if a.State != PurgeRunning {
				return fmt.Errorf("%s: the purge is %s, but no statement records what it removed", name, a.State)
			}
			if got.Count > p.begin.Matched {
				return fmt.Errorf("%s: its purge's bridges cover %d entries, more than the %d it selected (entry %d; a forged bridge)", name, got.Count, p.begin.Matched, p.beginAt)
			}
			continue
		}
		if got != *p.end {
			// A purge that ran while the scan read past its gaps: the
			// scan crossed only some of its bridges. Read them whole.
			bs, err := c.st.AnchorBridges(ctx, id)
			if err != nil {
				return err
			}
			got = TallyOf(bs)
		}
		if got != *p.end {
			return fmt.Errorf("%s: its purge's bridges add up to %d entries in %d runs (%d to %d, digest %.16s), but its statement (entry %d) records %d in %d runs (%d to %d, digest %.16s): a bridge was forged, altered or removed",
				name, got.Count, got.Runs, got.FirstID, got.LastID, got.Digest, p.endAt, p.end.Count, p.end.Runs, p.end.FirstID, p.end.LastID, p.end.Digest)
		}
		if a.Count != got.Count {
			return fmt.Errorf("purge anchor %d: records %d entries, but its statement (entry %d) and its bridges %d (the anchor was altered)", id, a.Count, p.endAt, got.Count)
		}
	}
	return nil
}
