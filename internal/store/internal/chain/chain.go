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
// Merkle tree. The verifiable log (internal/integrity) will add one leaf
// per new entry, in the same transaction, so that the tree and the chain
// head never disagree about the last entry. Its two places are marked
// "Merkle hook" in Append: per entry right after Seal, where buf holds the
// entry's canonical encoding (after the previous hash) that the leaf's
// commitment is computed over, and once after the loop, before Finish
// moves the head, where the leaves and the tree's new stored hashes are
// written. Both engines get it by adding it there once.
package chain

import (
	"context"
	"encoding/json"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// Writer is an engine's part in one append, inside the one transaction
// the engine began. Append calls Head once, then for the entries Stored
// (entries with an event id not seen earlier in the batch) and Write (new
// entries, in id order), then Finish once.
type Writer interface {
	// Head returns the id and hash of the last entry of the chain, locked
	// against other writers until the transaction ends. It sees the whole
	// batch first, for work an engine does once per batch (PostgreSQL
	// looks up every event id in one query; SQLite chooses the table the
	// rows go to).
	Head(ctx context.Context, entries []audit.Entry) (lastID int64, lastHash []byte, err error)
	// Stored returns the id of the entry stored before this append with
	// this source and event id, if there is one.
	Stored(ctx context.Context, source, eventID string) (id int64, ok bool, err error)
	// Write writes e, just sealed as the link from prev to hash (raw
	// SHA-256), or queues it for Finish.
	Write(ctx context.Context, e *audit.Entry, prev, hash []byte) error
	// Finish writes what Write queued and moves the chain head to lastID
	// and lastHash. The entries written have the ids firstID to lastID;
	// none when lastID < firstID, and the head stays where it was.
	Finish(ctx context.Context, firstID, lastID int64, lastHash []byte) error
}

// eventKey is an idempotency key.
type eventKey struct{ source, eventID string }

// Append runs the outline over entries with w and returns the id of every
// entry, in order. It sets ID, RecordedAt, PrevHash and Hash of the new
// entries; recorded_at is now, read once the head is locked, to the
// microsecond both engines store. The caller begins and commits the
// transaction w writes in.
func Append(ctx context.Context, w Writer, entries []audit.Entry, now func() time.Time) ([]int64, error) {
	lastID, lastHash, err := w.Head(ctx, entries)
	if err != nil {
		return nil, err
	}
	firstID := lastID + 1
	recordedAt := now().UTC().Truncate(time.Microsecond)
	ids := make([]int64, len(entries))
	var seen map[eventKey]int64 // the event ids new in this batch
	var buf []byte
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
		// Merkle hook (leaf): the commitment to e is made here from
		// buf[len(prev):], its canonical encoding.
		if err := w.Write(ctx, e, prev, lastHash); err != nil {
			return nil, err
		}
		ids[i] = e.ID
	}
	// Merkle hook (tree): the leaves of entries firstID..lastID and the
	// tree's new stored hashes are written here, in the same transaction,
	// before the head moves.
	if err := w.Finish(ctx, firstID, lastID, lastHash); err != nil {
		return nil, err
	}
	return ids, nil
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
