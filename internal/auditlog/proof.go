package auditlog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// ErrNotSigned says an entry or a tree size is not covered by a signed
// checkpoint yet; one follows within the checkpoint interval.
var ErrNotSigned = errors.New("not in a signed checkpoint yet")

// Proof is what shows, to someone holding only the log's verifier key,
// that an entry is in the log: the leaf and what recomputes it (the salt
// and the canonical encoding of the entry, which the leaf's commitment
// covers), and the inclusion proof of the leaf in the signed checkpoint.
type Proof struct {
	EntryID    int64       `json:"entry_id"`
	LeafIndex  int64       `json:"leaf_index"`
	Leaf       []byte      `json:"leaf"`      // the leaf record (integrity.Leaf), base64
	Salt       []byte      `json:"salt"`      // base64
	Canonical  []byte      `json:"canonical"` // audit.AppendCanonical of the entry, base64
	Origin     string      `json:"origin"`
	TreeSize   int64       `json:"tree_size"`
	Checkpoint string      `json:"checkpoint"` // the signed note
	Inclusion  []tlog.Hash `json:"inclusion_proof"`
}

// Proof returns the inclusion proof of an entry the caller may see.
func (s *Service) Proof(ctx context.Context, scope store.Scope, id int64) (Proof, error) {
	e, err := s.st.Get(ctx, scope, id)
	if err != nil {
		return Proof{}, err
	}
	idx, leaf, err := s.st.LeafOf(ctx, id)
	if err != nil {
		return Proof{}, fmt.Errorf("entry %d has no leaf: %w", id, err)
	}
	t, err := s.st.LogTree(ctx)
	if err != nil {
		return Proof{}, err
	}
	c, err := s.st.LatestCheckpoint(ctx)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.Size <= idx) {
		return Proof{}, fmt.Errorf("entry %d: %w", id, ErrNotSigned)
	}
	if err != nil {
		return Proof{}, err
	}
	inc, err := tlog.ProveRecord(c.Size, idx, s.hashes(ctx))
	if err != nil {
		return Proof{}, fmt.Errorf("error proving entry %d: %w", id, err)
	}
	return Proof{EntryID: id, LeafIndex: idx, Leaf: leaf, Salt: e.Salt, Canonical: audit.AppendCanonical(nil, &e),
		Origin: t.Origin, TreeSize: c.Size, Checkpoint: string(c.Note), Inclusion: inc}, nil
}

// Consistency is the proof that the tree of size To extends the tree of
// size From (RFC 6962 consistency proof).
type Consistency struct {
	From  int64       `json:"from"`
	To    int64       `json:"to"`
	Proof []tlog.Hash `json:"proof"`
}

// Consistency proves that the tree of size to extends the tree of size
// from; to must be covered by a signed checkpoint.
func (s *Service) Consistency(ctx context.Context, from, to int64) (Consistency, error) {
	c, err := s.st.LatestCheckpoint(ctx)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.Size < to) {
		return Consistency{}, fmt.Errorf("tree size %d: %w", to, ErrNotSigned)
	}
	if err != nil {
		return Consistency{}, err
	}
	p, err := tlog.ProveTree(to, from, s.hashes(ctx))
	if err != nil {
		return Consistency{}, fmt.Errorf("error proving size %d from %d: %w", to, from, err)
	}
	return Consistency{From: from, To: to, Proof: p}, nil
}

// hashes reads the tree's stored hashes for tlog.
func (s *Service) hashes(ctx context.Context) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		return s.st.ReadLogHashes(ctx, indexes)
	})
}

// Inclusion says where an entry stands in the verifiable log: its leaf,
// and the newest signed checkpoint when that covers it.
type Inclusion struct {
	LeafIndex int64
	Signed    bool  // a signed checkpoint covers the leaf
	TreeSize  int64 // of that checkpoint
	SignedAt  time.Time
}

// Included returns where entry id stands in the log; the caller has read
// the entry within its scope. An entry without a leaf is ErrNotFound.
func (s *Service) Included(ctx context.Context, id int64) (Inclusion, error) {
	idx, _, err := s.st.LeafOf(ctx, id)
	if err != nil {
		return Inclusion{}, err
	}
	in := Inclusion{LeafIndex: idx}
	c, err := s.st.LatestCheckpoint(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return in, nil
	}
	if err != nil {
		return in, err
	}
	if c.Size > idx {
		in.Signed, in.TreeSize, in.SignedAt = true, c.Size, c.SignedAt
	}
	return in, nil
}
