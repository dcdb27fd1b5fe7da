package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// canonicalVersion starts every canonical encoding so that a later change of
// the encoding (for example to cover configuration changes) can be told
// apart from this one when an old chain is verified.
const canonicalVersion = 1

// configCanonicalVersion marks the encoding of an entry that carries
// configuration changes: version 1 followed by the changes' digest.
// Entries without changes keep version 1, so chains written before
// changes were recorded verify as they did.
const configCanonicalVersion = 2

// AppendCanonical appends the canonical encoding of e to b. The encoding is
// a version byte followed by every stored field in a fixed order, integers
// as 8-byte big-endian values and strings as a uvarint length and the bytes.
// Length prefixes make it unambiguous: no two different entries encode the
// same, whatever their fields contain. PrevHash and Hash are not part of it.
func AppendCanonical(b []byte, e *Entry) []byte {
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	num := func(n int64) { b = binary.BigEndian.AppendUint64(b, uint64(n)) }
	version := byte(canonicalVersion)
	if len(e.ConfigDigest) > 0 {
		version = configCanonicalVersion
	}
	b = append(b, version)
	num(e.ID)
	num(e.Timestamp.UnixMicro())
	num(e.RecordedAt.UnixMicro())
	str(e.UserName)
	str(e.UserIP)
	str(e.Domain)
	str(e.Application)
	str(e.Workspace)
	str(e.Task)
	str(string(e.Result))
	num(e.JobID)
	str(e.Description)
	b = binary.AppendUvarint(b, uint64(len(e.AffectedObjects)))
	for _, o := range e.AffectedObjects {
		str(o.Type)
		str(o.ID)
		str(o.Name)
	}
	str(e.AffectedObjectDetail)
	if e.HasConfigChange {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	str(e.Source)
	str(e.EventID)
	if version == configCanonicalVersion {
		str(string(e.ConfigDigest))
	}
	return b
}

// HashSize is the size of a chain hash in bytes.
const HashSize = sha256.Size

// GenesisHash is the previous hash of the first entry of a chain.
var GenesisHash = make([]byte, HashSize)

// ChainHash returns SHA-256(prev ‖ canonical(e)). buf is scratch space that
// is returned grown so that a caller hashing many entries allocates once.
func ChainHash(prev []byte, e *Entry, buf []byte) ([]byte, []byte) {
	buf = append(buf[:0], prev...)
	buf = AppendCanonical(buf, e)
	sum := sha256.Sum256(buf)
	return sum[:], buf
}

// Seal sets e.PrevHash and e.Hash from prev and returns the new hash.
func Seal(prev []byte, e *Entry, buf []byte) ([]byte, []byte) {
	h, buf := ChainHash(prev, e, buf)
	e.PrevHash = hex.EncodeToString(prev)
	e.Hash = hex.EncodeToString(h)
	return h, buf
}

// Verifier recomputes a chain entry by entry, in id order.
type Verifier struct {
	prev    []byte
	buf     []byte
	Checked int64
}

// NewVerifier starts a verification at a chain position whose last hash is
// prev (GenesisHash for a whole chain).
func NewVerifier(prev []byte) *Verifier {
	return &Verifier{prev: append([]byte(nil), prev...)}
}

// Next checks the next entry: its stored previous hash must be the hash of
// the entry before it and its stored hash must be what its content gives.
func (v *Verifier) Next(e *Entry) error {
	if e.PrevHash != hex.EncodeToString(v.prev) {
		return fmt.Errorf("entry %d: previous hash does not match the entry before it (an entry was removed, inserted or altered before it)", e.ID)
	}
	var h []byte
	h, v.buf = ChainHash(v.prev, e, v.buf)
	if e.Hash != hex.EncodeToString(h) {
		return fmt.Errorf("entry %d: content does not match its hash (the entry was altered)", e.ID)
	}
	v.prev = h
	v.Checked++
	return nil
}
