package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

// Background work runs beside ingest: checkpointInterval is how often the
// WAL is copied into the database file (and recent entries moved when any
// wait), optimizeInterval how often the planner statistics are refreshed.
// Recent entries move as soon as flushAt of them wait, moveChunk per
// transaction; a commit of at least directAt entries shares index pages
// well enough to go straight to audit_log.
//
// A move writes a page of each index for every value among the entries it
// moves, whatever their number, so larger moves cost less per entry: with
// 64 single-entry clients, moves of 8,192 rather than 2,048 entries cut
// the acknowledgement p99 from 100-140 ms to 15-25 ms (fewer stalls behind
// a move, each longer) at the same or a higher rate (logbook bench
// --single-entries).
const (
	checkpointInterval = time.Second
	optimizeInterval   = 10 * time.Minute
	flushAt            = 8192
	moveChunk          = 8192
	directAt           = 256
)

func (s *Store) background() {
	defer close(s.done)
	tick := time.NewTicker(checkpointInterval)
	defer tick.Stop()
	lastOptimize := time.Now()
	for {
		select {
		case <-s.stop:
			return
		case <-s.flush:
			if err := s.moveRecent(context.Background()); err != nil {
				slog.Error("error moving recent audit logs", "error", err)
			}
			continue
		case <-tick.C:
		}
		if err := s.moveRecent(context.Background()); err != nil {
			slog.Error("error moving recent audit logs", "error", err)
		}
		if _, err := s.ckpt.Exec("PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
			continue // busy: the next tick tries again
		}
		if time.Since(lastOptimize) > optimizeInterval {
			s.Optimize(context.Background())
			lastOptimize = time.Now()
		}
	}
}

// Optimize refreshes the query planner's statistics where the tables have
// changed enough to matter. Without them SQLite picked the result index for
// task=? AND result=?, several times slower than the task index. It runs at
// start, every optimizeInterval and after bulk loads.
func (s *Store) Optimize(ctx context.Context) error {
	if _, err := s.ckpt.ExecContext(ctx, "PRAGMA optimize"); err != nil {
		return fmt.Errorf("error optimizing database: %w", err)
	}
	return nil
}

// moveRecent moves the recent entries to audit_log, oldest first, at most
// moveChunk per transaction so that ingest never waits long behind a move
// (a whole chunk holds ingest for 0.25-0.45 s on a 2-core machine).
// Each move is one transaction, so readers see every entry in exactly one
// of the two tables.
func (s *Store) moveRecent(ctx context.Context) error {
	for {
		s.mu.Lock()
		n := s.recent
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		if err := s.moveChunk(ctx); err != nil {
			return err
		}
		select {
		case <-s.stop:
			return nil
		default:
		}
	}
}

func (s *Store) moveChunk(ctx context.Context) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var upTo int64
	err = tx.QueryRowContext(ctx, `SELECT coalesce((SELECT id FROM audit_log_recent ORDER BY id LIMIT 1 OFFSET ?), (SELECT max(id) FROM audit_log_recent), 0)`, moveChunk-1).Scan(&upTo)
	if err != nil {
		return fmt.Errorf("error choosing recent entries to move: %w", err)
	}
	moved, err := moveRecentTx(ctx, tx, upTo)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := tx.Commit(); err != nil {
		return err
	}
	s.recent -= int(moved)
	return nil
}

// moveRecentTx moves the recent entries with ids up to upTo.
func moveRecentTx(ctx context.Context, tx *sql.Tx, upTo int64) (int64, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (`+store.Columns+`) SELECT `+store.Columns+` FROM audit_log_recent WHERE id <= ? ORDER BY id`, upTo); err != nil {
		return 0, fmt.Errorf("error moving recent entries: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO audit_objects (type, name, ts, entry_id)
		SELECT json_extract(o.value, '$.type'), json_extract(o.value, '$.name'), r.ts, r.id
		FROM audit_log_recent r, json_each(r.affected_objects) o WHERE r.id <= ?`, upTo); err != nil {
		return 0, fmt.Errorf("error indexing moved entries' objects: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_text (rowid, words) SELECT id, words FROM audit_log_recent WHERE id <= ?`, upTo); err != nil {
		return 0, fmt.Errorf("error indexing moved entries' words: %w", err)
	}
	if err := rollUp(ctx, tx, "audit_log_recent", "id <= ?", 1, upTo); err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM audit_log_recent WHERE id <= ?`, upTo)
	if err != nil {
		return 0, fmt.Errorf("error moving recent entries: %w", err)
	}
	return res.RowsAffected()
}
