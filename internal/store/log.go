package store

import (
	"context"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// Log is the verifiable log's part of a store (package integrity): the
// leaves of the Merkle tree over the audit log, one per entry in commit
// order, its stored hashes and state, which Append extends in the
// entries' own transaction, and the checkpoints signed over it.
type Log interface {
	// OpenLog names the log origin unless it is named already, and
	// returns the name it has. A non-empty origin that differs from the
	// stored one is refused: it would name another log, and the
	// commitments of every leaf so far name this one.
	OpenLog(ctx context.Context, origin string) (string, error)
	// LogTree returns the tree's state as of the last append.
	LogTree(ctx context.Context) (LogTree, error)
	// ReadLeaves returns the leaf records from index from up to, not
	// including, to (at most the tree's size).
	ReadLeaves(ctx context.Context, from, to int64) ([][]byte, error)
	// ReadLogHashes returns the stored hashes at indexes
	// (tlog.StoredHashIndex); it is a tlog.HashReader with a context.
	ReadLogHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	// LeafRecords returns the leaves from index from up to, not
	// including, to, with their entries and stored hashes.
	LeafRecords(ctx context.Context, from, to int64) ([]LeafRecord, error)
	// LogDomains returns the number of every domain leaves name.
	LogDomains(ctx context.Context) (map[string]int64, error)
	// LeafOf returns the leaf index and record of an entry, ErrNotFound
	// when it has none.
	LeafOf(ctx context.Context, entryID int64) (int64, []byte, error)
	// SaveCheckpoint stores a signed checkpoint; one of a size stored
	// already is kept as it was.
	SaveCheckpoint(ctx context.Context, c Checkpoint) error
	// LatestCheckpoint returns the checkpoint of the largest tree,
	// ErrNotFound when none was signed.
	LatestCheckpoint(ctx context.Context) (Checkpoint, error)
}

// LogTree is the state of the log's tree.
type LogTree struct {
	Origin string
	Size   int64
	Root   tlog.Hash
	// LastEntry is the id of the last entry with a leaf.
	LastEntry int64
}

// LeafRecord is one leaf as stored: its index, the id of the entry it
// commits to, the leaf record (integrity.Leaf) and the stored hashes it
// added to the tree, concatenated.
type LeafRecord struct {
	Index   int64
	EntryID int64
	Leaf    []byte
	Hashes  []byte
}

// Checkpoint is a signed checkpoint (C2SP tlog-checkpoint as a signed
// note) of the tree of Size leaves.
type Checkpoint struct {
	Size     int64
	SignedAt time.Time
	Note     []byte
}
