package chain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/integrity"
	"github.com/logbookhq/logbook/internal/store"
)

// Tree is the state of the log's Merkle tree (package integrity) as both
// engines keep it in their one-row table log_state: the origin the
// commitments name, the number of leaves, the root, the right edge (the
// stored hashes of the tree's largest complete subtrees, at most 64, from
// the largest down) that the next leaf is hashed with, the id of the last
// entry the tree covers, and the chain head when the tree began
// (LegacyUpTo): only entries up to it are given leaves after the fact.
type Tree struct {
	Origin     string
	Size       int64
	Root       tlog.Hash
	Edge       []byte
	LastEntry  int64
	LegacyUpTo int64
}

// LeafRow is one new row of log_leaves: the leaf index, the entry it
// commits to, the leaf record (integrity.Leaf) and the stored hashes the
// leaf adds to the tree, concatenated, the first at
// tlog.StoredHashIndex(0, Index).
type LeafRow struct {
	Index   int64
	EntryID int64
	Leaf    []byte
	Hashes  []byte
}

// grower adds the leaves of one append to the tree.
type grower struct {
	tree Tree
	b    *integrity.Builder
	rows []LeafRow
}

func newGrower(t Tree) (*grower, error) {
	if t.Origin == "" {
		return nil, errors.New("the log has no origin yet")
	}
	b, err := integrity.NewBuilder(t.Size, t.Edge)
	if err != nil {
		return nil, err
	}
	return &grower{tree: t, b: b}, nil
}

// add makes the leaf of e, sealed just now or read back, whose canonical
// encoding (audit.AppendCanonical) is canonical and whose salt is set,
// in the domain numbered domainID.
func (g *grower) add(e *audit.Entry, canonical []byte, domainID int64) error {
	idx := g.tree.Size
	leaf := integrity.Leaf{Index: idx, Timestamp: e.Timestamp, DomainID: domainID,
		Commitment: integrity.Commit(g.tree.Origin, idx, e.Salt, canonical)}.Marshal()
	hashes, err := g.b.Add(leaf)
	if err != nil {
		return err
	}
	packed := make([]byte, 0, len(hashes)*tlog.HashSize)
	for _, h := range hashes {
		packed = append(packed, h[:]...)
	}
	g.rows = append(g.rows, LeafRow{Index: idx, EntryID: e.ID, Leaf: leaf, Hashes: packed})
	g.tree.Size++
	g.tree.LastEntry = e.ID
	return nil
}

// done returns the tree after the added leaves, with its root and edge.
func (g *grower) done() (Tree, error) {
	t := g.tree
	root, err := g.b.Root()
	if err != nil {
		return Tree{}, fmt.Errorf("error hashing the tree's root: %w", err)
	}
	t.Root, t.Edge = root, g.b.Edge()
	return t, nil
}

// DomainNames returns the distinct domains of entries, in order of first
// appearance.
func DomainNames(entries []audit.Entry) []string {
	var names []string
	seen := map[string]bool{}
	for i := range entries {
		if d := entries[i].Domain; !seen[d] {
			seen[d] = true
			names = append(names, d)
		}
	}
	return names
}

// BuildChunk is how many older entries one catch-up transaction of Build
// gives leaves to.
const BuildChunk = 10_000

// Build names the log in l (the stored name, origin, or for a new log
// integrity.DefaultOrigin) and gives every entry stored before the tree
// its leaf, calling catchUp (one CatchUp in a transaction of the
// engine's) until none remains, so that a stop part way resumes where it
// was. log, if set, is told the progress.
func Build(ctx context.Context, l store.Log, origin string, catchUp func(context.Context) (int, bool, error), log *slog.Logger) error {
	if t, err := l.LogTree(ctx); err == nil && t.Origin == "" && origin == "" {
		origin = integrity.DefaultOrigin()
	}
	if _, err := l.OpenLog(ctx, origin); err != nil {
		return err
	}
	total := 0
	for {
		added, more, err := catchUp(ctx)
		if err != nil {
			return fmt.Errorf("error building the log's tree over older entries: %w", err)
		}
		total += added
		if added > 0 && log != nil {
			log.Info("building the log's tree over older entries", "entries", total, "done", !more)
		}
		if !more {
			return nil
		}
	}
}
