package postgres

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// Archive/purge on PostgreSQL drops the monthly partitions of audit_log
// that a purge of every domain covers whole (DETACH and DROP, no row
// deletes, no bloat), and deletes the remaining entries in batches.

// ScanPurge implements store.Lifecycle.
func (s *Store) ScanPurge(ctx context.Context, p store.PurgeSpec, fn func(*audit.Entry) error) error {
	if err := p.Check(); err != nil {
		return err
	}
	var after int64
	for {
		query, args := dialect.PurgeSQL(store.Columns, p, after, 1000, tables...)
		batch, err := s.queryEntries(ctx, 1000, query, args...)
		if err != nil {
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
	if err := s.pool.QueryRow(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("error counting entries to purge: %w", err)
	}
	return n, nil
}

// BeginPurge implements store.Lifecycle.
func (s *Store) BeginPurge(ctx context.Context, a store.Anchor) (store.Anchor, error) {
	a.PurgedAt = s.stamp(a.PurgedAt)
	a.State = store.PurgeRunning
	domains, _ := json.Marshal(a.Domains)
	err := s.pool.QueryRow(ctx, `INSERT INTO purge_anchors (job_id, purged_at, before, domains, archive, archive_sha256, state)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, a.JobID, a.PurgedAt, a.Before.UTC(), string(domains),
		a.Archive, a.ArchiveSHA256, a.State).Scan(&a.ID)
	if err != nil {
		return store.Anchor{}, fmt.Errorf("error recording purge anchor: %w", err)
	}
	return a, nil
}

// purgeRows records the bridges of rows, deletes their side rows and
// adds them to the anchor, inside tx.
func purgeRows(ctx context.Context, tx pgx.Tx, anchorID int64, purged []store.PurgedRow) error {
	bs := store.BridgesOf(anchorID, purged)
	rows := make([][]any, len(bs))
	for i, b := range bs {
		rows[i] = []any{b.FromID, b.ToID, b.AnchorID, b.PrevHash, b.EndHash}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"purge_bridges"}, []string{"from_id", "to_id", "anchor_id", "prev_hash", "end_hash"}, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("error recording purge bridges: %w", err)
	}
	ids := make([]int64, len(purged))
	for i, r := range purged {
		ids[i] = r.ID
	}
	if _, err := tx.Exec(ctx, `DELETE FROM config_changes WHERE entry_id = ANY($1)`, ids); err != nil {
		return fmt.Errorf("error purging configuration changes: %w", err)
	}
	last := purged[len(purged)-1]
	if _, err := tx.Exec(ctx, `UPDATE purge_anchors SET count = count + $1, first_id = CASE WHEN first_id = 0 THEN $2 ELSE first_id END,
		last_id = $3, last_hash = $4 WHERE id = $5`, len(purged), purged[0].ID, last.ID, last.Hash, anchorID); err != nil {
		return fmt.Errorf("error updating purge anchor: %w", err)
	}
	return nil
}

// deleteSideRows removes the object index and idempotency keys of the
// entries of table (audit_log or a partition) with the given ids.
func deleteSideRows(ctx context.Context, tx pgx.Tx, table string, ids []int64) error {
	t := pgx.Identifier{table}.Sanitize()
	if _, err := tx.Exec(ctx, `DELETE FROM audit_objects WHERE (type, name, ts, entry_id) IN (
		SELECT o->>'type', o->>'name', a.ts, a.id FROM `+t+` a, jsonb_array_elements(a.affected_objects::jsonb) o WHERE a.id = ANY($1))`, ids); err != nil {
		return fmt.Errorf("error purging the object index: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM audit_log_event WHERE (source, event_id) IN (
		SELECT source, event_id FROM `+t+` WHERE id = ANY($1) AND event_id IS NOT NULL)`, ids); err != nil {
		return fmt.Errorf("error purging event ids: %w", err)
	}
	return nil
}

func collectPurged(rows pgx.Rows) ([]store.PurgedRow, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.PurgedRow, error) {
		var p store.PurgedRow
		err := r.Scan(&p.ID, &p.PrevHash, &p.Hash)
		return p, err
	})
}

// PurgeBatch implements store.Lifecycle.
func (s *Store) PurgeBatch(ctx context.Context, anchorID int64, p store.PurgeSpec, limit int) (int64, error) {
	if err := p.Check(); err != nil {
		return 0, err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("error beginning purge: %w", err)
	}
	defer tx.Rollback(context.Background())
	query, args := dialect.PurgeSQL("id, prev_hash, hash", p, 0, limit, tables...)
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("error choosing entries to purge: %w", err)
	}
	purged, err := collectPurged(rows)
	if err != nil {
		return 0, fmt.Errorf("error choosing entries to purge: %w", err)
	}
	if len(purged) == 0 {
		return 0, nil
	}
	ids := make([]int64, len(purged))
	for i, r := range purged {
		ids[i] = r.ID
	}
	if err := deleteSideRows(ctx, tx, "audit_log", ids); err != nil {
		return 0, err
	}
	if err := purgeRows(ctx, tx, anchorID, purged); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM audit_log WHERE id = ANY($1)`, ids); err != nil {
		return 0, fmt.Errorf("error purging entries: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("error committing purge: %w", err)
	}
	return int64(len(purged)), nil
}

var partitionName = regexp.MustCompile(`^audit_log_y(\d{4})m(\d{2})$`)

// DropPartitions implements store.Lifecycle. Only a purge of every domain
// drops partitions, and only a monthly partition whose whole month lies
// before the cut and which holds no entry above MaxID. The check runs
// after DETACH, under its lock, so no entry can slip in between; a
// partition that fails it is left to PurgeBatch.
func (s *Store) DropPartitions(ctx context.Context, anchorID int64, p store.PurgeSpec) (int64, []string, error) {
	if !p.Scope.All {
		return 0, nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'audit_log'::regclass`)
	if err != nil {
		return 0, nil, fmt.Errorf("error listing partitions: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, nil, fmt.Errorf("error listing partitions: %w", err)
	}
	sort.Strings(names)
	var total int64
	var dropped []string
	for _, name := range names {
		m := partitionName.FindStringSubmatch(name)
		if m == nil {
			continue // the default partition holds any month
		}
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		end := time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
		if end.After(p.Before) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return total, dropped, err
		}
		n, ok, err := s.dropPartition(ctx, anchorID, name, p.MaxID)
		if err != nil {
			return total, dropped, err
		}
		if ok {
			total += n
			dropped = append(dropped, name)
		}
	}
	return total, dropped, nil
}

func (s *Store) dropPartition(ctx context.Context, anchorID int64, name string, maxID int64) (int64, bool, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, false, err
	}
	defer tx.Rollback(context.Background())
	t := pgx.Identifier{name}.Sanitize()
	if _, err := tx.Exec(ctx, `ALTER TABLE audit_log DETACH PARTITION `+t); err != nil {
		return 0, false, fmt.Errorf("error detaching partition %s: %w", name, err)
	}
	// A partition with an entry newer than the purge, or with a purge
	// statement (which no purge removes), stays; batches purge the rest.
	var keep bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+t+` WHERE id > $1 OR (source = $2 AND task = $3))`,
		maxID, store.StatementSource, store.StatementTask).Scan(&keep); err != nil {
		return 0, false, err
	}
	if keep {
		return 0, false, nil // rolled back: attached again
	}
	rows, err := tx.Query(ctx, `SELECT id, prev_hash, hash FROM `+t+` ORDER BY id`)
	if err != nil {
		return 0, false, err
	}
	purged, err := collectPurged(rows)
	if err != nil {
		return 0, false, err
	}
	if len(purged) > 0 {
		ids := make([]int64, len(purged))
		for i, r := range purged {
			ids[i] = r.ID
		}
		if err := deleteSideRows(ctx, tx, name, ids); err != nil {
			return 0, false, err
		}
		if err := purgeRows(ctx, tx, anchorID, purged); err != nil {
			return 0, false, err
		}
	}
	if _, err := tx.Exec(ctx, `DROP TABLE `+t); err != nil {
		return 0, false, fmt.Errorf("error dropping partition %s: %w", name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, false, err
	}
	return int64(len(purged)), true, nil
}

// FinishPurge implements store.Lifecycle.
func (s *Store) FinishPurge(ctx context.Context, anchorID int64, state, note string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE purge_anchors SET state = $1, note = $2 WHERE id = $3`, state, note, anchorID); err != nil {
		return fmt.Errorf("error finishing purge anchor: %w", err)
	}
	return nil
}

// Anchors implements store.Lifecycle.
func (s *Store) Anchors(ctx context.Context, limit int) ([]store.Anchor, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, job_id, purged_at, before, domains, count, first_id, last_id, last_hash,
		archive, archive_sha256, state, note FROM purge_anchors ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("error listing purge anchors: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Anchor, error) {
		var a store.Anchor
		var domains string
		var hash []byte
		if err := r.Scan(&a.ID, &a.JobID, &a.PurgedAt, &a.Before, &domains, &a.Count, &a.FirstID, &a.LastID, &hash,
			&a.Archive, &a.ArchiveSHA256, &a.State, &a.Note); err != nil {
			return a, err
		}
		a.PurgedAt, a.Before = a.PurgedAt.UTC(), a.Before.UTC()
		if len(hash) > 0 {
			a.LastHash = hex.EncodeToString(hash)
		}
		return a, json.Unmarshal([]byte(domains), &a.Domains)
	})
	if err != nil {
		return nil, fmt.Errorf("error listing purge anchors: %w", err)
	}
	if out == nil {
		out = []store.Anchor{}
	}
	return out, nil
}

func (s *Store) queryBridges(ctx context.Context, query string, args ...any) ([]store.Bridge, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("error reading purge bridges: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Bridge, error) {
		var b store.Bridge
		err := r.Scan(&b.FromID, &b.ToID, &b.AnchorID, &b.PrevHash, &b.EndHash)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("error reading purge bridges: %w", err)
	}
	return out, nil
}

// AnchorBridges implements store.Lifecycle.
func (s *Store) AnchorBridges(ctx context.Context, anchorID int64) ([]store.Bridge, error) {
	return s.queryBridges(ctx, `SELECT from_id, to_id, anchor_id, prev_hash, end_hash FROM purge_bridges WHERE anchor_id = $1 ORDER BY from_id`, anchorID)
}

// Bridges implements store.Lifecycle.
func (s *Store) Bridges(ctx context.Context, afterID int64, limit int) ([]store.Bridge, error) {
	return s.queryBridges(ctx, `SELECT from_id, to_id, anchor_id, prev_hash, end_hash FROM purge_bridges WHERE from_id > $1 ORDER BY from_id LIMIT $2`, afterID, limit)
}

// Setting implements store.Lifecycle.
func (s *Store) Setting(ctx context.Context, key string) (json.RawMessage, error) {
	var v string
	err := s.pool.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("error reading setting %s: %w", key, err)
	}
	if v == "" {
		return nil, nil
	}
	return json.RawMessage(v), nil
}

// UpdateSetting implements store.Lifecycle. The row is created if need
// be and locked while fn runs, so concurrent changes from several
// replicas queue.
func (s *Store) UpdateSetting(ctx context.Context, key string, fn func(json.RawMessage) (json.RawMessage, error)) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("error updating setting %s: %w", key, err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, '', now()) ON CONFLICT (key) DO NOTHING`, key); err != nil {
		return fmt.Errorf("error updating setting %s: %w", key, err)
	}
	var v string
	if err := tx.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1 FOR UPDATE`, key).Scan(&v); err != nil {
		return fmt.Errorf("error updating setting %s: %w", key, err)
	}
	var old json.RawMessage
	if v != "" {
		old = json.RawMessage(v)
	}
	nv, err := fn(old)
	if err != nil {
		return err
	}
	if err := store.CheckSettingValue(nv); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE settings SET value = $1, updated_at = $2 WHERE key = $3`, string(nv), s.stamp(time.Time{}), key); err != nil {
		return fmt.Errorf("error updating setting %s: %w", key, err)
	}
	return tx.Commit(ctx)
}
