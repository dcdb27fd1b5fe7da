package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// Archive/purge on SQLite deletes in batches (store.Lifecycle.PurgeBatch),
// each its own short transaction on the write connection, so that ingest
// waits at most one batch behind a purge. Entries may sit in audit_log or
// in audit_log_recent; both are purged, with their rows in config_changes
// and audit_objects.

// ScanPurge implements store.Lifecycle.
func (s *Store) ScanPurge(ctx context.Context, p store.PurgeSpec, fn func(*audit.Entry) error) error {
	if err := p.Check(); err != nil {
		return err
	}
	var after int64
	for {
		query, args := dialect.PurgeSQL(store.Columns, p, after, 1000, tables...)
		rows, err := s.r.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("error reading entries to purge: %w", err)
		}
		var batch []audit.Entry
		for rows.Next() {
			var e audit.Entry
			if err := scanEntry(rows, &e); err != nil {
				rows.Close()
				return fmt.Errorf("error reading entries to purge: %w", err)
			}
			batch = append(batch, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("error reading entries to purge: %w", err)
		}
		for i := range batch {
			if err := fn(&batch[i]); err != nil {
				return err
			}
		}
		if len(batch) < 1000 {
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
	query, args := dialect.PurgeCountSQL(p, tables...)
	var n int64
	if err := s.r.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("error counting entries to purge: %w", err)
	}
	return n, nil
}

// BeginPurge implements store.Lifecycle.
func (s *Store) BeginPurge(ctx context.Context, a store.Anchor) (store.Anchor, error) {
	a.PurgedAt = s.stamp(a.PurgedAt)
	a.State = store.PurgeRunning
	err := s.w.QueryRowContext(ctx, `INSERT INTO purge_anchors (job_id, purged_at, before, domains, archive, archive_sha256, state)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.JobID, micro(a.PurgedAt), micro(a.Before), encodeList(a.Domains),
		a.Archive, a.ArchiveSHA256, a.State).Scan(&a.ID)
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
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("error beginning purge: %w", err)
	}
	defer tx.Rollback()
	query, args := dialect.PurgeSQL("id, prev_hash, hash", p, 0, limit, tables...)
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("error choosing entries to purge: %w", err)
	}
	var purged []store.PurgedRow
	for rows.Next() {
		var r store.PurgedRow
		if err := rows.Scan(&r.ID, &r.PrevHash, &r.Hash); err != nil {
			rows.Close()
			return 0, fmt.Errorf("error choosing entries to purge: %w", err)
		}
		purged = append(purged, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("error choosing entries to purge: %w", err)
	}
	if len(purged) == 0 {
		return 0, nil
	}
	for _, b := range store.BridgesOf(anchorID, purged) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO purge_bridges (from_id, to_id, anchor_id, prev_hash, end_hash) VALUES (?, ?, ?, ?, ?)`,
			b.FromID, b.ToID, b.AnchorID, b.PrevHash, b.EndHash); err != nil {
			return 0, fmt.Errorf("error recording purge bridge: %w", err)
		}
	}
	var moved int
	for start := 0; start < len(purged); start += missingChunk {
		chunk := purged[start:min(start+missingChunk, len(purged))]
		ids := make([]any, len(chunk))
		for i, r := range chunk {
			ids[i] = r.ID
		}
		in := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ") + ")"
		if err := rollUp(ctx, tx, "audit_log", "id IN "+in, -1, ids...); err != nil {
			return 0, err
		}
		for _, q := range []string{
			`DELETE FROM audit_objects WHERE (type, name, ts, entry_id) IN (SELECT json_extract(o.value, '$.type'), json_extract(o.value, '$.name'), a.ts, a.id FROM audit_log a, json_each(a.affected_objects) o WHERE a.id IN ` + in + `)`,
			`DELETE FROM config_changes WHERE entry_id IN ` + in,
			`DELETE FROM audit_text WHERE rowid IN ` + in,
			`DELETE FROM audit_log WHERE id IN ` + in,
		} {
			if _, err := tx.ExecContext(ctx, q, ids...); err != nil {
				return 0, fmt.Errorf("error purging entries: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM audit_log_recent WHERE id IN `+in, ids...)
		if err != nil {
			return 0, fmt.Errorf("error purging entries: %w", err)
		}
		n, _ := res.RowsAffected()
		moved += int(n)
	}
	last := purged[len(purged)-1]
	if _, err := tx.ExecContext(ctx, `UPDATE purge_anchors SET count = count + ?, first_id = CASE WHEN first_id = 0 THEN ? ELSE first_id END,
		last_id = ?, last_hash = ? WHERE id = ?`, len(purged), purged[0].ID, last.ID, last.Hash, anchorID); err != nil {
		return 0, fmt.Errorf("error updating purge anchor: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("error committing purge: %w", err)
	}
	s.recent -= moved
	return int64(len(purged)), nil
}

// DropPartitions implements store.Lifecycle: SQLite has no partitions.
func (s *Store) DropPartitions(context.Context, int64, store.PurgeSpec) (int64, []string, error) {
	return 0, nil, nil
}

// FinishPurge implements store.Lifecycle.
func (s *Store) FinishPurge(ctx context.Context, anchorID int64, state, note string) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE purge_anchors SET state = ?, note = ? WHERE id = ?`, state, note, anchorID); err != nil {
		return fmt.Errorf("error finishing purge anchor: %w", err)
	}
	return nil
}

const anchorColumns = "id, job_id, purged_at, before, domains, count, first_id, last_id, last_hash, archive, archive_sha256, state, note"

// Anchors implements store.Lifecycle.
func (s *Store) Anchors(ctx context.Context, limit int) ([]store.Anchor, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+anchorColumns+` FROM purge_anchors ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("error listing purge anchors: %w", err)
	}
	defer rows.Close()
	out := []store.Anchor{}
	for rows.Next() {
		var a store.Anchor
		var purged, before int64
		var domains string
		var hash []byte
		if err := rows.Scan(&a.ID, &a.JobID, &purged, &before, &domains, &a.Count, &a.FirstID, &a.LastID, &hash,
			&a.Archive, &a.ArchiveSHA256, &a.State, &a.Note); err != nil {
			return nil, fmt.Errorf("error listing purge anchors: %w", err)
		}
		a.PurgedAt, a.Before = fromMicro(purged), fromMicro(before)
		if a.Domains, err = decodeList(domains); err != nil {
			return nil, err
		}
		if len(hash) > 0 {
			a.LastHash = hex.EncodeToString(hash)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (s *Store) queryBridges(ctx context.Context, query string, args ...any) ([]store.Bridge, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("error reading purge bridges: %w", err)
	}
	defer rows.Close()
	var out []store.Bridge
	for rows.Next() {
		var b store.Bridge
		if err := rows.Scan(&b.FromID, &b.ToID, &b.AnchorID, &b.PrevHash, &b.EndHash); err != nil {
			return nil, fmt.Errorf("error reading purge bridges: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// AnchorBridges implements store.Lifecycle.
func (s *Store) AnchorBridges(ctx context.Context, anchorID int64) ([]store.Bridge, error) {
	return s.queryBridges(ctx, `SELECT from_id, to_id, anchor_id, prev_hash, end_hash FROM purge_bridges WHERE anchor_id = ? ORDER BY from_id`, anchorID)
}

// Bridges implements store.Lifecycle.
func (s *Store) Bridges(ctx context.Context, afterID int64, limit int) ([]store.Bridge, error) {
	return s.queryBridges(ctx, `SELECT from_id, to_id, anchor_id, prev_hash, end_hash FROM purge_bridges WHERE from_id > ? ORDER BY from_id LIMIT ?`, afterID, limit)
}

// Setting implements store.Lifecycle.
func (s *Store) Setting(ctx context.Context, key string) (json.RawMessage, error) {
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("error reading setting %s: %w", key, err)
	}
	return json.RawMessage(v), nil
}

// UpdateSetting implements store.Lifecycle.
func (s *Store) UpdateSetting(ctx context.Context, key string, fn func(json.RawMessage) (json.RawMessage, error)) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("error updating setting %s: %w", key, err)
	}
	defer tx.Rollback()
	var old json.RawMessage
	var v string
	switch err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v); {
	case err == nil:
		old = json.RawMessage(v)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("error updating setting %s: %w", key, err)
	}
	nv, err := fn(old)
	if err != nil {
		return err
	}
	if err := store.CheckSettingValue(nv); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, string(nv), s.stamp(time.Time{}).UnixMicro()); err != nil {
		return fmt.Errorf("error updating setting %s: %w", key, err)
	}
	return tx.Commit()
}
