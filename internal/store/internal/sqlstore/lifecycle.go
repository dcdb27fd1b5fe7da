package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// Archive/purge deletes in batches (store.Lifecycle.PurgeBatch), each its
// own short transaction on the write connection, so that ingest waits at
// most one batch behind a purge. The outline of a batch is the same on
// both engines: choose the entries, record their bridges and add them to
// the anchor (RecordPurged), then let the engine delete them and their
// side rows (Engine.PurgeFunc) and commit.

// scanBatch is how many entries ScanPurge reads per query.
const scanBatch = 1000

// ScanPurge implements store.Lifecycle. Each batch is read whole before
// fn sees it, so that fn (which writes an archive) never holds a
// connection.
func (s *Store) ScanPurge(ctx context.Context, p store.PurgeSpec, fn func(*audit.Entry) error) error {
	if err := p.Check(); err != nil {
		return err
	}
	scan := func(r Row) (audit.Entry, error) {
		var e audit.Entry
		err := s.e.ScanEntryFunc(r, &e)
		return e, err
	}
	var after int64
	for {
		text, args := s.e.Dialect.PurgeSQL(store.Columns, p, after, scanBatch, s.e.Tables...)
		batch, err := query(ctx, s.e.Read, scan, text, args...)
		if err != nil {
			return fmt.Errorf("error reading entries to purge: %w", err)
		}
		for i := range batch {
			if err := fn(&batch[i]); err != nil {
				return err
			}
		}
		if len(batch) < scanBatch {
			return nil
		}
		after = batch[len(batch)-1].ID
	}
}

// CountPurge implements store.Lifecycle.
func (s *Store) CountPurge(ctx context.Context, p store.PurgeSpec) (int64, error) {
	if err := p.Check(); err != nil {
		return 0, err
	}
	text, args := s.e.Dialect.PurgeCountSQL(p, s.e.Tables...)
	var n int64
	if err := s.e.Read.QueryRowContext(ctx, text, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("error counting entries to purge: %w", err)
	}
	return n, nil
}

// BeginPurge implements store.Lifecycle.
func (s *Store) BeginPurge(ctx context.Context, a store.Anchor) (store.Anchor, error) {
	a.PurgedAt = s.stamp(a.PurgedAt)
	a.State = store.PurgeRunning
	err := s.e.Write.QueryRowContext(ctx, `INSERT INTO purge_anchors (job_id, purged_at, before, domains, archive,
		archive_sha256, state) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		a.JobID, s.at(a.PurgedAt), s.at(a.Before), JSONList(a.Domains), a.Archive, a.ArchiveSHA256, a.State).Scan(&a.ID)
	if err != nil {
		return store.Anchor{}, fmt.Errorf("error recording purge anchor: %w", err)
	}
	return a, nil
}

// PurgeBatch implements store.Lifecycle.
func (s *Store) PurgeBatch(ctx context.Context, anchorID int64, p store.PurgeSpec, limit int) (int64, error) {
	if err := p.Check(); err != nil {
		return 0, err
	}
	tx, err := s.e.Write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("error beginning purge: %w", err)
	}
	defer tx.Rollback()
	text, args := s.e.Dialect.PurgeSQL("id, prev_hash, hash", p, 0, limit, s.e.Tables...)
	purged, err := PurgedRows(ctx, tx, text, args...)
	if err != nil {
		return 0, fmt.Errorf("error choosing entries to purge: %w", err)
	}
	if len(purged) == 0 {
		return 0, nil
	}
	if err := RecordPurged(ctx, tx, anchorID, purged); err != nil {
		return 0, err
	}
	commit, err := s.e.PurgeFunc(ctx, tx, PurgedIDs(purged))
	if err != nil {
		return 0, err
	}
	if err := commit(); err != nil {
		return 0, fmt.Errorf("error committing purge: %w", err)
	}
	return int64(len(purged)), nil
}

// PurgedRows reads the rows a purge step is about to delete (id,
// prev_hash, hash, in id order) in tx.
func PurgedRows(ctx context.Context, tx *sql.Tx, text string, args ...any) ([]store.PurgedRow, error) {
	return query(ctx, tx, func(r Row) (store.PurgedRow, error) {
		var p store.PurgedRow
		err := r.Scan(&p.ID, &p.PrevHash, &p.Hash)
		return p, err
	}, text, args...)
}

// PurgedIDs returns the ids of rows.
func PurgedIDs(rows []store.PurgedRow) []int64 {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids
}

// bridgeChunk bounds the bridges of one INSERT (five parameters each).
const bridgeChunk = 100

// RecordPurged does, in tx, what every purge step does whatever deletes
// the entries (a batch, or PostgreSQL dropping a partition): it records
// the bridges of the purged rows (in id order), deletes their
// configuration changes and adds them to the anchor.
func RecordPurged(ctx context.Context, tx *sql.Tx, anchorID int64, purged []store.PurgedRow) error {
	bs := store.BridgesOf(anchorID, purged)
	for start := 0; start < len(bs); start += bridgeChunk {
		chunk := bs[start:min(start+bridgeChunk, len(bs))]
		rows := make([]string, len(chunk))
		vals := make([]any, 0, 5*len(chunk))
		for i, b := range chunk {
			rows[i] = "(" + marks(5*i+1, 5) + ")"
			vals = append(vals, b.FromID, b.ToID, b.AnchorID, b.PrevHash, b.EndHash)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO purge_bridges (from_id, to_id, anchor_id, prev_hash, end_hash) VALUES `+
			strings.Join(rows, ", "), vals...); err != nil {
			return fmt.Errorf("error recording purge bridges: %w", err)
		}
	}
	ids := PurgedIDs(purged)
	for start := 0; start < len(ids); start += inChunk {
		chunk := ids[start:min(start+inChunk, len(ids))]
		if _, err := tx.ExecContext(ctx, `DELETE FROM config_changes WHERE entry_id IN (`+marks(1, len(chunk))+`)`, args(chunk)...); err != nil {
			return fmt.Errorf("error purging configuration changes: %w", err)
		}
	}
	last := purged[len(purged)-1]
	if _, err := tx.ExecContext(ctx, `UPDATE purge_anchors SET count = count + $1,
		first_id = CASE WHEN first_id = 0 THEN $2 ELSE first_id END, last_id = $3, last_hash = $4 WHERE id = $5`,
		len(purged), purged[0].ID, last.ID, last.Hash, anchorID); err != nil {
		return fmt.Errorf("error updating purge anchor: %w", err)
	}
	return nil
}

// DropPartitions implements store.Lifecycle: Engine.DropPartitionsFunc,
// or nothing on an engine without partitions.
func (s *Store) DropPartitions(ctx context.Context, anchorID int64, p store.PurgeSpec) (int64, []string, error) {
	if s.e.DropPartitionsFunc == nil {
		return 0, nil, nil
	}
	return s.e.DropPartitionsFunc(ctx, anchorID, p)
}

// FinishPurge implements store.Lifecycle.
func (s *Store) FinishPurge(ctx context.Context, anchorID int64, state, note string) error {
	if _, err := s.e.Write.ExecContext(ctx, `UPDATE purge_anchors SET state = $1, note = $2 WHERE id = $3`, state, note, anchorID); err != nil {
		return fmt.Errorf("error finishing purge anchor: %w", err)
	}
	return nil
}

const anchorColumns = "id, job_id, purged_at, before, domains, count, first_id, last_id, last_hash, archive, archive_sha256, state, note"

// Anchors implements store.Lifecycle.
func (s *Store) Anchors(ctx context.Context, limit int) ([]store.Anchor, error) {
	out, err := query(ctx, s.e.Read, func(r Row) (store.Anchor, error) {
		var a store.Anchor
		var hash []byte
		if err := r.Scan(&a.ID, &a.JobID, s.scanTime(&a.PurgedAt), s.scanTime(&a.Before), ScanJSONList(&a.Domains),
			&a.Count, &a.FirstID, &a.LastID, &hash, &a.Archive, &a.ArchiveSHA256, &a.State, &a.Note); err != nil {
			return a, err
		}
		if len(hash) > 0 {
			a.LastHash = hex.EncodeToString(hash)
		}
		return a, nil
	}, `SELECT `+anchorColumns+` FROM purge_anchors ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("error listing purge anchors: %w", err)
	}
	return out, nil
}

const bridgeColumns = "from_id, to_id, anchor_id, prev_hash, end_hash"

func (s *Store) queryBridges(ctx context.Context, text string, args ...any) ([]store.Bridge, error) {
	out, err := query(ctx, s.e.Read, func(r Row) (store.Bridge, error) {
		var b store.Bridge
		err := r.Scan(&b.FromID, &b.ToID, &b.AnchorID, &b.PrevHash, &b.EndHash)
		return b, err
	}, text, args...)
	if err != nil {
		return nil, fmt.Errorf("error reading purge bridges: %w", err)
	}
	return out, nil
}

// AnchorBridges implements store.Lifecycle.
func (s *Store) AnchorBridges(ctx context.Context, anchorID int64) ([]store.Bridge, error) {
	return s.queryBridges(ctx, `SELECT `+bridgeColumns+` FROM purge_bridges WHERE anchor_id = $1 ORDER BY from_id`, anchorID)
}

// Bridges implements store.Lifecycle.
func (s *Store) Bridges(ctx context.Context, afterID int64, limit int) ([]store.Bridge, error) {
	return s.queryBridges(ctx, `SELECT `+bridgeColumns+` FROM purge_bridges WHERE from_id > $1 ORDER BY from_id LIMIT $2`, afterID, limit)
}
