// Package chain is the one outline of an append, which both storage
// engines follow: an entry whose (source, event id) is stored already, or
// comes earlier in the same batch, is answered with that entry's id; every
// other entry gets the next id and the batch's recorded_at, is sealed onto
// the hash chain (audit.Seal) and handed to the engine, and the chain head
// then moves past the last one, all in the engine's one transaction.
//
// Engines differ only in how the rows reach the database, which is the
// Writer they pass: SQLite inserts each row with prepared statements, into
// its buffer table or straight into audit_log with the text index, the
// object index and the hourly counts; PostgreSQL queues the rows and
// COPYs them, with the idempotency table, once the batch is sealed. The
// group-commit writer (internal/ingest) hands many entries to one Append,
// so the outline adds no statement and no allocation per entry to what
// the engine does.
//
// Merkle tree. Every new entry also gets a random salt and a leaf of the
// verifiable log's tree (package integrity), in the same transaction, so
// that the tree and the chain head never disagree about the last entry:
// the leaf commits to the entry's canonical encoding, which Seal has just
// computed, and the leaves, the tree's new stored hashes and its new
// state are handed to Finish. Entries stored before the tree existed (up
// to Tree.LegacyUpTo) get theirs at open, in chunks and in id order
// (CatchUp), before anything new. An entry above that bound without a
// leaf was not appended by Logbook (a row written into the database, or
// an older release still running beside this one): it is passed over and
// never given a leaf, so that verification names it rather than the tree
// taking it in.
package chain

import (
	"context"
	"encoding/json"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/integrity"
	"github.com/logbookhq/logbook/internal/store"
)

// Writer is an engine's part in one append, inside the one transaction
// the engine began. Append calls Head once, DomainIDs once, Unleaved and
// SetSalts while entries lack leaves, then Stored (entries with an event
// id not seen earlier in the batch) and Write (new entries, in id order),
// then Finish once.
type Writer interface {
	// Head returns the id and hash of the last entry of the chain and the
	// tree's state, locked against other writers until the transaction
	// ends. It sees the whole batch first, for work an engine does once
	// per batch (PostgreSQL looks up every event id in one query; SQLite
	// chooses the table the rows go to).
	Head(ctx context.Context, entries []audit.Entry) (lastID int64, lastHash []byte, tree Tree, err error)
	// DomainIDs returns the number of each named domain in log_domains,
	// numbering the new ones after the largest.
	DomainIDs(ctx context.Context, names []string) (map[string]int64, error)
	// Unleaved returns, in id order, at most limit entries with ids
	// above after and at most upTo: entries stored without a leaf.
	Unleaved(ctx context.Context, after, upTo int64, limit int) ([]audit.Entry, error)
	// SetSalts stores the salts just given to entries Unleaved returned.
	SetSalts(ctx context.Context, entries []audit.Entry) error
	// Stored returns the id of the entry stored before this append with
	// this source and event id, if there is one.
	Stored(ctx context.Context, source, eventID string) (id int64, ok bool, err error)
	// Write writes e (with its salt), just sealed as the link from prev to
	// hash (raw SHA-256), or queues it for Finish.
	Write(ctx context.Context, e *audit.Entry, prev, hash []byte) error
	// Finish writes what Write queued and b's leaves, and moves the chain
	// head and the tree's state.
	Finish(ctx context.Context, b Batch) error
}

// Batch is what one append adds: the entries with ids FirstID to LastID
// (none when LastID < FirstID; the head stays where it was), the chain's
// new last hash, the leaves (of those entries and of any that lacked
// one) and the tree after them.
type Batch struct {
	FirstID, LastID int64
	LastHash        []byte
	Leaves          []LeafRow
	Tree            Tree
}

// catchUpChunk is how many entries without a leaf one read fetches.
const catchUpChunk = 2048

// eventKey is an idempotency key.
type eventKey struct{ source, eventID string }

// Append runs the outline over entries with w and returns the id of every
// entry, in order. It sets ID, RecordedAt, PrevHash and Hash of the new
// entries; recorded_at is now, read once the head is locked, to the
// microsecond both engines store. The caller begins and commits the
// transaction w writes in.
func Append(ctx context.Context, w Writer, entries []audit.Entry, now func() time.Time) ([]int64, error) {
	lastID, lastHash, tree, err := w.Head(ctx, entries)
	if err != nil {
		return nil, err
	}
	g, err := newGrower(tree)
	if err != nil {
		return nil, err
	}
	domains, err := w.DomainIDs(ctx, DomainNames(entries))
	if err != nil {
		return nil, err
	}
	if _, err := catchUp(ctx, w, g, lastID, -1); err != nil {
		return nil, err
	}
	firstID := lastID + 1
	recordedAt := now().UTC().Truncate(time.Microsecond)
	ids := make([]int64, len(entries))
	var seen map[eventKey]int64 // the event ids new in this batch
	var buf []byte
	salts := integrity.NewSalts(len(entries))
	for i := range entries {
		e := &entries[i]
		if e.EventID != "" {
			k := eventKey{e.Source, e.EventID}
			if id, ok := seen[k]; ok {
				ids[i] = id
				continue
			}
			id, ok, err := w.Stored(ctx, e.Source, e.EventID)
			if err != nil {
				return nil, err
			}
			if ok {
				ids[i] = id
				continue
			}
			if seen == nil {
				seen = make(map[eventKey]int64)
			}
			seen[k] = lastID + 1
		}
		lastID++
		e.ID, e.RecordedAt = lastID, recordedAt
		prev := lastHash
		lastHash, buf = audit.Seal(prev, e, buf)
		e.Salt = salts.Next()
		if err := g.add(e, buf[len(prev):], domains[e.Domain]); err != nil {
			return nil, err
		}
		if err := w.Write(ctx, e, prev, lastHash); err != nil {
			return nil, err
		}
		ids[i] = e.ID
	}
	t, err := g.done()
	if err != nil {
		return nil, err
	}
	if err := w.Finish(ctx, Batch{FirstID: firstID, LastID: lastID, LastHash: lastHash, Leaves: g.rows, Tree: t}); err != nil {
		return nil, err
	}
	return ids, nil
}

// CatchUp gives leaves to at most limit entries stored without one, in
// one append with no new entries, and reports whether more remain. The
// engines call it at open until none remain, one transaction a call, so
// that building the tree over a large log resumes where a stop left it.
func CatchUp(ctx context.Context, w Writer, limit int) (added int, more bool, err error) {
	lastID, lastHash, tree, err := w.Head(ctx, nil)
	if err != nil {
		return 0, false, err
	}
	if tree.LastEntry >= min(lastID, tree.LegacyUpTo) {
		return 0, false, nil
	}
	g, err := newGrower(tree)
	if err != nil {
		return 0, false, err
	}
	if added, err = catchUp(ctx, w, g, lastID, limit); err != nil {
		return 0, false, err
	}
	t, err := g.done()
	if err != nil {
		return 0, false, err
	}
	if err := w.Finish(ctx, Batch{FirstID: lastID + 1, LastID: lastID, LastHash: lastHash, Leaves: g.rows, Tree: t}); err != nil {
		return 0, false, err
	}
	return added, t.LastEntry < min(lastID, t.LegacyUpTo), nil
}

// catchUp adds to g the leaves of entries up to upTo that have none, at
// most limit of them (no limit when negative), giving each a new salt;
// only entries up to the tree's LegacyUpTo are taken in, the rest passed
// over.
func catchUp(ctx context.Context, w Writer, g *grower, upTo int64, limit int) (int, error) {
	added := 0
	var buf []byte
	legacy := min(upTo, g.tree.LegacyUpTo)
	defer func() {
		if g.tree.LastEntry >= legacy && g.tree.LastEntry < upTo {
			g.tree.LastEntry = upTo // passed over: verification names them
		}
	}()
	for g.tree.LastEntry < legacy && (limit < 0 || added < limit) {
		n := catchUpChunk
		if limit >= 0 {
			n = min(n, limit-added)
		}
		es, err := w.Unleaved(ctx, g.tree.LastEntry, legacy, n)
		if err != nil {
			return 0, err
		}
		if len(es) == 0 { // the rest was purged before it had leaves
			g.tree.LastEntry = legacy
			break
		}
		domains, err := w.DomainIDs(ctx, DomainNames(es))
		if err != nil {
			return 0, err
		}
		salts := integrity.NewSalts(len(es))
		for i := range es {
			e := &es[i]
			e.Salt = salts.Next()
			buf = audit.AppendCanonical(buf[:0], e)
			if err := g.add(e, buf, domains[e.Domain]); err != nil {
				return 0, err
			}
		}
		if err := w.SetSalts(ctx, es); err != nil {
			return 0, err
		}
		added += len(es)
	}
	return added, nil
}

// Row is how both engines store the parts of an entry that are not plain
// columns: its affected objects as JSON ("[]" for none), its detail
// packed (store.PackText; nil for none), and its event id and
// configuration digest as NULL when absent, so that the unique index on
// event ids skips entries without one.
type Row struct {
	Objects string
	Detail  []byte
	EventID any
	Digest  any
}

// RowOf returns e's Row.
func RowOf(e *audit.Entry) Row {
	r := Row{Objects: "[]"}
	if len(e.AffectedObjects) > 0 {
		b, _ := json.Marshal(e.AffectedObjects)
		r.Objects = string(b)
	}
	if e.AffectedObjectDetail != "" {
		r.Detail = store.PackText(e.AffectedObjectDetail)
	}
	if e.EventID != "" {
		r.EventID = e.EventID
	}
	if len(e.ConfigDigest) > 0 {
		r.Digest = e.ConfigDigest
	}
	return r
}
