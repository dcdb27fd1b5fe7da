package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/integrity"
)

// LogReport is what VerifyLog checked.
type LogReport struct {
	Tree LogTree
	// Leaves were checked against the tree; Content of them against
	// their entries; Purged have no content left (their entries' gaps
	// are for VerifyChain to account for).
	Leaves, Content, Purged int64
}

// String says what was checked.
func (r LogReport) String() string {
	return fmt.Sprintf("log %s: tree of %d leaves, root %x; %d leaves checked against their entries, %d purged",
		r.Tree.Origin, r.Tree.Size, r.Tree.Root[:], r.Content, r.Purged)
}

// verifyLogChunk is how many leaves VerifyLog reads at a time.
const verifyLogChunk = 10_000

var errStopScan = errors.New("stop")

// VerifyLog checks the verifiable log against what is stored (logbook
// verify --data): every leaf parses, sits at its index and commits, with
// its entry's salt, to the entry's content, time and domain; the stored
// hashes and the root recompute from the leaves; every entry the tree
// covers has a leaf; no leaf names an entry beyond the chain head. Run
// with VerifyChain, which accounts for the entries purges removed. The
// error names the first leaf or entry that does not match.
//
// What it cannot see is a database rewritten consistently, tree and all:
// only a checkpoint signed before (logbook verify --log --state, a
// witness) tells that history was changed.
func VerifyLog(ctx context.Context, st Store) (LogReport, error) {
	// The head read before the tree: every entry up to it must be in the
	// tree (appends move both at once); the head read after it bounds
	// the entries a leaf may name.
	before, _, err := st.Head(ctx)
	if err != nil {
		return LogReport{}, err
	}
	t, err := st.LogTree(ctx)
	if err != nil {
		return LogReport{}, err
	}
	r := LogReport{Tree: t}
	headID, _, err := st.Head(ctx)
	if err != nil {
		return r, err
	}
	domains, err := st.LogDomains(ctx)
	if err != nil {
		return r, err
	}
	b, _ := integrity.NewBuilder(0, nil)
	lastEntry := int64(0)
	for from := int64(0); from < t.Size; from += verifyLogChunk {
		leaves, err := st.LeafRecords(ctx, from, min(from+verifyLogChunk, t.Size))
		if err != nil {
			return r, err
		}
		if len(leaves) == 0 {
			return r, fmt.Errorf("leaf %d: missing (the tree has %d leaves)", from, t.Size)
		}
		entries, err := entriesBetween(ctx, st, lastEntry, leaves[len(leaves)-1].EntryID)
		if err != nil {
			return r, err
		}
		for _, l := range leaves {
			if err := checkLeaf(b, l, r.Leaves, t.Origin, entries, domains, &r); err != nil {
				return r, err
			}
			if l.EntryID <= lastEntry {
				return r, fmt.Errorf("leaf %d: names entry %d after leaf %d named entry %d (leaves out of order)", l.Index, l.EntryID, l.Index-1, lastEntry)
			}
			if l.EntryID > headID {
				return r, fmt.Errorf("leaf %d: commits to entry %d, beyond the chain head %d (entries removed at the end)", l.Index, l.EntryID, headID)
			}
			lastEntry = l.EntryID
			delete(entries, l.EntryID)
		}
		if len(entries) > 0 {
			return r, fmt.Errorf("entry %d: has no leaf in the tree (inserted)", slices.Min(slices.Collect(maps.Keys(entries))))
		}
	}
	// Entries after the last leaf, up to the head read first, have no
	// leaf: rows Logbook did not append.
	late, err := entriesBetween(ctx, st, lastEntry, max(t.LastEntry, before))
	if err != nil {
		return r, err
	}
	if len(late) > 0 {
		return r, fmt.Errorf("entry %d: has no leaf in the tree (inserted)", slices.Min(slices.Collect(maps.Keys(late))))
	}
	root, err := b.Root()
	if err != nil {
		return r, err
	}
	if root != t.Root {
		return r, fmt.Errorf("the tree's root %x is not the root of its %d leaves (a leaf or the state was altered)", t.Root[:8], t.Size)
	}
	return r, nil
}

// checkLeaf checks the leaf at position index and adds it to b.
func checkLeaf(b *integrity.Builder, l LeafRecord, index int64, origin string, entries map[int64]*audit.Entry, domains map[string]int64, r *LogReport) error {
	leaf, err := integrity.ParseLeaf(l.Leaf)
	if err != nil {
		return fmt.Errorf("leaf %d: %w", index, err)
	}
	if l.Index != index || leaf.Index != index {
		return fmt.Errorf("leaf %d: stored as leaf %d, recording index %d", index, l.Index, leaf.Index)
	}
	hashes, err := b.Add(l.Leaf)
	if err != nil {
		return err
	}
	var want []byte
	for _, h := range hashes {
		want = append(want, h[:]...)
	}
	if !bytes.Equal(want, l.Hashes) {
		return fmt.Errorf("leaf %d: its stored hashes are not the tree's (altered)", index)
	}
	r.Leaves++
	e, ok := entries[l.EntryID]
	if !ok {
		r.Purged++
		return nil
	}
	canonical := audit.AppendCanonical(nil, e)
	switch {
	case len(e.Salt) != integrity.SaltSize:
		return fmt.Errorf("entry %d: has no salt, so leaf %d cannot be checked (altered)", e.ID, index)
	case leaf.Commitment != integrity.Commit(origin, index, e.Salt, canonical):
		return fmt.Errorf("entry %d: leaf %d does not commit to its content (the entry or its leaf was altered)", e.ID, index)
	case !leaf.Timestamp.Equal(e.Timestamp):
		return fmt.Errorf("entry %d: leaf %d records another time", e.ID, index)
	case leaf.DomainID != domains[e.Domain]:
		return fmt.Errorf("entry %d: leaf %d records domain %d, not %s's", e.ID, index, leaf.DomainID, e.Domain)
	}
	r.Content++
	return nil
}

// entriesBetween returns the entries with ids above after and at most
// upTo, by id.
func entriesBetween(ctx context.Context, st Store, after, upTo int64) (map[int64]*audit.Entry, error) {
	out := map[int64]*audit.Entry{}
	if upTo <= after {
		return out, nil
	}
	err := st.Scan(ctx, after, func(e *audit.Entry) error {
		if e.ID > upTo {
			return errStopScan
		}
		c := *e
		out[e.ID] = &c
		return nil
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return nil, err
	}
	return out, nil
}
