package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/internal/sqlstore"
)

// Archive/purge on PostgreSQL drops the monthly partitions of audit_log
// that a purge of every domain covers whole (DETACH and DROP, no row
// deletes, no bloat), and deletes the remaining entries in batches
// (sqlstore's PurgeBatch). What only PostgreSQL keeps beside an entry goes
// with it: its rows in audit_objects and its idempotency key in
// audit_log_event.

// purgeEntries deletes the entries of audit_log with ids and their side
// rows in tx; nothing but the transaction needs committing.
func purgeEntries(ctx context.Context, tx *sql.Tx, ids []int64) (func() error, error) {
	if err := deleteSideRows(ctx, tx, "audit_log", ids); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM audit_log WHERE id = ANY($1)`, ids); err != nil {
		return nil, fmt.Errorf("error purging entries: %w", err)
	}
	return tx.Commit, nil
}

// deleteSideRows removes the object index and idempotency keys of the
// entries of table (audit_log or a partition) with the given ids.
func deleteSideRows(ctx context.Context, tx *sql.Tx, table string, ids []int64) error {
	t := pgx.Identifier{table}.Sanitize()
	if _, err := tx.ExecContext(ctx, `DELETE FROM audit_objects WHERE (type, name, ts, entry_id) IN (
		SELECT o->>'type', o->>'name', a.ts, a.id FROM `+t+` a, jsonb_array_elements(a.affected_objects::jsonb) o WHERE a.id = ANY($1))`, ids); err != nil {
		return fmt.Errorf("error purging the object index: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM audit_log_event WHERE (source, event_id) IN (
		SELECT source, event_id FROM `+t+` WHERE id = ANY($1) AND event_id IS NOT NULL)`, ids); err != nil {
		return fmt.Errorf("error purging event ids: %w", err)
	}
	return nil
}

var partitionName = regexp.MustCompile(`^audit_log_y(\d{4})m(\d{2})$`)

// dropPartitions implements store.Lifecycle.DropPartitions. Only a purge
// of every domain drops partitions, and only a monthly partition whose
// whole month lies before the cut and which holds no entry above MaxID.
// The check runs after DETACH, under its lock, so no entry can slip in
// between; a partition that fails it is left to PurgeBatch.
func (s *Store) dropPartitions(ctx context.Context, anchorID int64, p store.PurgeSpec) (int64, []string, error) {
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

// dropPartition detaches one partition and, unless it holds an entry the
// purge must keep, records its entries' bridges and drops it, in one
// transaction.
func (s *Store) dropPartition(ctx context.Context, anchorID int64, name string, maxID int64) (int64, bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, err
	}
	defer tx.Rollback()
	t := pgx.Identifier{name}.Sanitize()
	if _, err := tx.ExecContext(ctx, `ALTER TABLE audit_log DETACH PARTITION `+t); err != nil {
		return 0, false, fmt.Errorf("error detaching partition %s: %w", name, err)
	}
	// A partition with an entry newer than the purge, or with a purge
	// statement (which no purge removes), stays; batches purge the rest.
	var keep bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+t+` WHERE id > $1 OR (source = $2 AND task = $3))`,
		maxID, store.StatementSource, store.StatementTask).Scan(&keep); err != nil {
		return 0, false, err
	}
	if keep {
		return 0, false, nil // rolled back: attached again
	}
	purged, err := sqlstore.PurgedRows(ctx, tx, `SELECT id, prev_hash, hash FROM `+t+` ORDER BY id`)
	if err != nil {
		return 0, false, err
	}
	if len(purged) > 0 {
		if err := deleteSideRows(ctx, tx, name, sqlstore.PurgedIDs(purged)); err != nil {
			return 0, false, err
		}
		if err := sqlstore.RecordPurged(ctx, tx, anchorID, purged); err != nil {
			return 0, false, err
		}
	}
	if _, err := tx.ExecContext(ctx, `DROP TABLE `+t); err != nil {
		return 0, false, fmt.Errorf("error dropping partition %s: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, false, err
	}
	return int64(len(purged)), true, nil
}
