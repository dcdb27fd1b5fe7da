package store

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash"

	"github.com/logbookhq/logbook/internal/audit"
)

// A purge is stated in the audit log itself, so that the bridges it
// leaves in the database are bound to entries of the chain: forging a
// bridge then means forging the chain too (docs/archive-purge.md).
//
// Before it deletes anything a purge records a begin statement (its
// anchor, the highest id it may delete and how many entries it selected);
// when it ends, however it ends, an end statement with what its bridges
// add up to (entries, runs, first and last id, the last hash and a digest
// of every bridge). Anchors made before statements existed are bound once,
// at the first start after the upgrade, by one bind statement. Purges
// never delete statements.
const (
	// StatementSource and StatementTask mark the entries that may carry
	// a purge statement. Only Logbook records with source "logbook":
	// entries reported through the API have a "user:" or "token:" source.
	StatementSource = "logbook"
	StatementTask   = "Archive and Purge Audit Logs"

	StatementBegin = "begin"
	StatementEnd   = "end"
	StatementBind  = "bind"
)

// Statement is the part of a purge's audit entry (its affected object
// detail) that verification reads.
type Statement struct {
	Kind     string `json:"purge_statement"`
	AnchorID int64  `json:"anchor_id,omitempty"`
	// Begin: the highest id the purge may delete and how many entries
	// it selected.
	MaxID   int64 `json:"max_id,omitempty"`
	Matched int64 `json:"matched,omitempty"`
	// End: what the purge's bridges add up to.
	Tally *Tally `json:"tally,omitempty"`
	// Bind: the tallies of the anchors made before statements existed.
	Anchors []BoundAnchor `json:"anchors,omitempty"`
}

// BoundAnchor is one anchor in a bind statement.
type BoundAnchor struct {
	AnchorID int64 `json:"anchor_id"`
	Tally    Tally `json:"tally"`
}

// Tally is what the bridges of one purge add up to. Digest is the
// SHA-256 of every bridge in id order (see BridgeTally.Add).
type Tally struct {
	Count    int64  `json:"count"`
	Runs     int64  `json:"runs"`
	FirstID  int64  `json:"first_id"`
	LastID   int64  `json:"last_id"`
	LastHash string `json:"last_hash"`
	Digest   string `json:"bridges_sha256"`
}

// ParseStatement returns the purge statement e carries, or nil.
func ParseStatement(e *audit.Entry) *Statement {
	if e.Source != StatementSource || e.Task != StatementTask || e.AffectedObjectDetail == "" {
		return nil
	}
	var st Statement
	if json.Unmarshal([]byte(e.AffectedObjectDetail), &st) != nil {
		return nil
	}
	switch st.Kind {
	case StatementBegin, StatementEnd, StatementBind:
		return &st
	}
	return nil
}

// BridgeTally adds bridges up, in id order, into a Tally.
type BridgeTally struct {
	t   Tally
	sum hash.Hash
	buf [16]byte
}

// Add counts one bridge. Bridges must come in id order.
func (b *BridgeTally) Add(br Bridge) {
	if b.sum == nil {
		b.sum = sha256.New()
		b.t.FirstID = br.FromID
	}
	binary.BigEndian.PutUint64(b.buf[:8], uint64(br.FromID))
	binary.BigEndian.PutUint64(b.buf[8:], uint64(br.ToID))
	b.sum.Write(b.buf[:])
	b.sum.Write(br.PrevHash)
	b.sum.Write(br.EndHash)
	b.t.Count += br.ToID - br.FromID + 1
	b.t.Runs++
	b.t.LastID = br.ToID
	b.t.LastHash = hex.EncodeToString(br.EndHash)
}

// Tally returns what the bridges added so far add up to.
func (b *BridgeTally) Tally() Tally {
	t := b.t
	if b.sum != nil {
		t.Digest = hex.EncodeToString(b.sum.Sum(nil))
	}
	return t
}

// TallyOf adds up bridges given in id order.
func TallyOf(bs []Bridge) Tally {
	var b BridgeTally
	for _, br := range bs {
		b.Add(br)
	}
	return b.Tally()
}
