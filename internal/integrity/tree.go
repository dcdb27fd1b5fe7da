package integrity

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// EdgeIndexes returns the stored hash indexes (tlog.StoredHashIndex) of
// the right edge of a tree of size leaves, from the largest subtree down:
// the hashes of its complete subtrees, which are all that hashing the
// next leaf and the root read. There are at most 63.
func EdgeIndexes(size int64) []int64 {
	var out []int64
	for level := 62; level >= 0; level-- {
		if size>>level&1 == 1 {
			out = append(out, tlog.StoredHashIndex(level, size>>level-1))
		}
	}
	return out
}

// Builder grows a tree leaf by leaf from its right edge, so that neither
// the store's append nor a verifier holds more than the edge and the
// hashes just added.
type Builder struct {
	size  int64
	known map[int64]tlog.Hash
}

// NewBuilder starts from a tree of size leaves whose right edge is edge
// (the hashes of EdgeIndexes(size), concatenated).
func NewBuilder(size int64, edge []byte) (*Builder, error) {
	idx := EdgeIndexes(size)
	if len(edge) != len(idx)*tlog.HashSize {
		return nil, fmt.Errorf("the tree's right edge holds %d bytes; a tree of %d leaves needs %d", len(edge), size, len(idx)*tlog.HashSize)
	}
	b := &Builder{size: size, known: make(map[int64]tlog.Hash, len(idx)+64)}
	for i, x := range idx {
		b.known[x] = tlog.Hash(edge[i*tlog.HashSize : (i+1)*tlog.HashSize])
	}
	return b, nil
}

// Size is the number of leaves.
func (b *Builder) Size() int64 { return b.size }

// ReadHashes implements tlog.HashReader over the hashes b knows.
func (b *Builder) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := b.known[x]
		if !ok {
			return nil, fmt.Errorf("stored hash %d is not on the tree's right edge", x)
		}
		out[i] = h
	}
	return out, nil
}

// Add appends a leaf record and returns the stored hashes it adds, the
// first at tlog.StoredHashIndex(0, index of the leaf).
func (b *Builder) Add(leaf []byte) ([]tlog.Hash, error) {
	hashes, err := tlog.StoredHashesForRecordHash(b.size, tlog.RecordHash(leaf), b)
	if err != nil {
		return nil, fmt.Errorf("error hashing leaf %d: %w", b.size, err)
	}
	first := tlog.StoredHashIndex(0, b.size)
	for i, h := range hashes {
		b.known[first+int64(i)] = h
	}
	b.size++
	if len(b.known) > 4096 {
		b.prune()
	}
	return hashes, nil
}

// prune forgets every hash but the edge.
func (b *Builder) prune() {
	keep := make(map[int64]tlog.Hash, 128)
	for _, x := range EdgeIndexes(b.size) {
		keep[x] = b.known[x]
	}
	b.known = keep
}

// Root returns the tree's root hash.
func (b *Builder) Root() (tlog.Hash, error) {
	return tlog.TreeHash(b.size, b)
}

// Edge returns the right edge, as NewBuilder takes it.
func (b *Builder) Edge() []byte {
	var out []byte
	for _, x := range EdgeIndexes(b.size) {
		h := b.known[x]
		out = append(out, h[:]...)
	}
	return out
}
