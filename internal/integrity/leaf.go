package integrity

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// LeafVersion is the version of the leaf record this package writes.
const LeafVersion = 1

// LeafSize is the size of a leaf record: version, leaf index, timestamp
// in microseconds since the epoch, domain number, commitment.
const LeafSize = 1 + 8 + 8 + 8 + sha256.Size

// SaltSize is the size of an entry's random salt.
const SaltSize = 32

// commitTag separates entry commitments from every other use of SHA-256.
const commitTag = "logbook/entry-commitment/v1\x00"

// Leaf is what the tree holds for one entry.
type Leaf struct {
	Index      int64
	Timestamp  time.Time
	DomainID   int64
	Commitment [sha256.Size]byte
}

// Marshal returns the leaf record: big-endian fields in the order of
// LeafSize.
func (l Leaf) Marshal() []byte {
	b := make([]byte, 0, LeafSize)
	b = append(b, LeafVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(l.Index))
	b = binary.BigEndian.AppendUint64(b, uint64(l.Timestamp.UnixMicro()))
	b = binary.BigEndian.AppendUint64(b, uint64(l.DomainID))
	return append(b, l.Commitment[:]...)
}

// ParseLeaf reads a leaf record.
func ParseLeaf(b []byte) (Leaf, error) {
	if len(b) != LeafSize {
		return Leaf{}, fmt.Errorf("a leaf is %d bytes, not %d", LeafSize, len(b))
	}
	if b[0] != LeafVersion {
		return Leaf{}, fmt.Errorf("leaf version %d is not known", b[0])
	}
	var l Leaf
	l.Index = int64(binary.BigEndian.Uint64(b[1:9]))
	l.Timestamp = time.UnixMicro(int64(binary.BigEndian.Uint64(b[9:17]))).UTC()
	l.DomainID = int64(binary.BigEndian.Uint64(b[17:25]))
	copy(l.Commitment[:], b[25:])
	if l.Index < 0 || l.DomainID < 0 {
		return Leaf{}, errors.New("a leaf's index and domain are not negative")
	}
	return l, nil
}

// Commit returns the commitment to an entry: SHA-256 over a tag, the
// log's origin (length-prefixed), the leaf index, the salt and the
// entry's canonical encoding (audit.AppendCanonical). Without the salt
// the commitment says nothing of the entry, even to someone who guesses
// its content.
func Commit(origin string, index int64, salt, canonical []byte) [sha256.Size]byte {
	h := sha256.New()
	var n [8]byte
	h.Write([]byte(commitTag))
	binary.BigEndian.PutUint64(n[:], uint64(len(origin)))
	h.Write(n[:])
	h.Write([]byte(origin))
	binary.BigEndian.PutUint64(n[:], uint64(index))
	h.Write(n[:])
	h.Write(salt)
	h.Write(canonical)
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

// NewSalt returns a fresh random salt.
func NewSalt() []byte {
	b := make([]byte, SaltSize)
	rand.Read(b)
	return b
}

// Salts hands out fresh random salts, reading the randomness for many at
// once: one read for a whole batch of entries rather than one each.
type Salts struct{ buf []byte }

// NewSalts returns Salts with randomness read for n salts.
func NewSalts(n int) *Salts {
	s := &Salts{buf: make([]byte, n*SaltSize)}
	rand.Read(s.buf)
	return s
}

// Next returns the next salt; past the n read at first, one read each.
func (s *Salts) Next() []byte {
	if len(s.buf) < SaltSize {
		return NewSalt()
	}
	b := s.buf[:SaltSize:SaltSize]
	s.buf = s.buf[SaltSize:]
	return b
}
