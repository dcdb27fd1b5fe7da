package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/internal/chain"
	"github.com/logbookhq/logbook/internal/store/internal/sqlstore"
)

// Append implements store.Store with the outline of package chain; an
// appendTx writes the rows.
func (s *Store) Append(ctx context.Context, entries []audit.Entry) ([]int64, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("error beginning append: %w", err)
	}
	defer tx.Rollback()
	s.mu.Lock()
	defer s.mu.Unlock()
	a := &appendTx{s: s, tx: tx}
	ids, err := chain.Append(ctx, a, entries, s.now)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("error committing append: %w", err)
	}
	if a.direct {
		s.recent = 0
	} else {
		s.recent += a.added
	}
	if s.recent >= flushAt {
		select {
		case s.flush <- struct{}{}:
		default:
		}
	}
	return ids, nil
}

// appendTx is the SQLite half of an append (chain.Writer), in tx, with
// s.mu held. A small batch waits in audit_log_recent, which keeps its
// words beside the row; a batch of at least directAt entries goes straight
// to audit_log with the text index, the object index and the hourly
// counts, after the recent entries so that ids in audit_log stay below
// those in audit_log_recent.
type appendTx struct {
	s      *Store
	tx     *sql.Tx
	direct bool
	added  int

	insert, insertWords, insertObject, insertConfig, lookup *sql.Stmt
}

func (a *appendTx) Head(ctx context.Context, entries []audit.Entry) (int64, []byte, chain.Tree, error) {
	var lastID int64
	var lastHash, root []byte
	var t chain.Tree
	if err := a.tx.QueryRowContext(ctx, `SELECT c.last_id, c.last_hash, t.origin, t.size, t.root, t.edge, t.last_entry, t.legacy_upto
		FROM chain_head c, log_state t WHERE c.singleton = 1 AND t.singleton = 1`).Scan(&lastID, &lastHash, &t.Origin, &t.Size, &root, &t.Edge, &t.LastEntry, &t.LegacyUpTo); err != nil {
		return 0, nil, t, fmt.Errorf("error reading chain head: %w", err)
	}
	copy(t.Root[:], root)
	a.direct = len(entries) >= directAt
	a.insert = a.tx.StmtContext(ctx, a.s.insertRecent)
	if a.direct {
		if a.s.recent > 0 {
			if _, err := moveRecentTx(ctx, a.tx, lastID); err != nil {
				return 0, nil, t, err
			}
		}
		a.insert = a.tx.StmtContext(ctx, a.s.insert)
	}
	a.lookup = a.tx.StmtContext(ctx, a.s.lookup)
	a.insertConfig = a.tx.StmtContext(ctx, a.s.insertConfig)
	a.insertObject = a.tx.StmtContext(ctx, a.s.insertObject)
	a.insertWords = a.tx.StmtContext(ctx, a.s.insertWords)
	return lastID, lastHash, t, nil
}

func (a *appendTx) DomainIDs(ctx context.Context, names []string) (map[string]int64, error) {
	return sqlstore.DomainIDs(ctx, a.tx, names)
}

func (a *appendTx) Unleaved(ctx context.Context, after, upTo int64, limit int) ([]audit.Entry, error) {
	return queryEntries(ctx, a.tx, limit, `SELECT * FROM (SELECT `+store.Columns+` FROM audit_log WHERE id > ?1 AND id <= ?2
		UNION ALL SELECT `+store.Columns+` FROM audit_log_recent WHERE id > ?1 AND id <= ?2) ORDER BY id LIMIT ?3`, after, upTo, limit)
}

func (a *appendTx) SetSalts(ctx context.Context, entries []audit.Entry) error {
	for _, table := range []string{"audit_log", "audit_log_recent"} {
		st, err := a.tx.PrepareContext(ctx, `UPDATE `+table+` SET salt = ? WHERE id = ?`)
		if err != nil {
			return fmt.Errorf("error salting entries: %w", err)
		}
		defer st.Close()
		for i := range entries {
			if _, err := st.ExecContext(ctx, entries[i].Salt, entries[i].ID); err != nil {
				return fmt.Errorf("error salting entry %d: %w", entries[i].ID, err)
			}
		}
	}
	return nil
}

func (a *appendTx) Stored(ctx context.Context, source, eventID string) (int64, bool, error) {
	var id int64
	err := a.lookup.QueryRowContext(ctx, source, eventID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("error looking up event_id: %w", err)
	}
	return id, true, nil
}

func (a *appendTx) Write(ctx context.Context, e *audit.Entry, prev, hash []byte) error {
	words := e.Words()
	if a.direct {
		if _, err := a.insert.ExecContext(ctx, rowArgs(e, prev, hash)...); err != nil {
			return fmt.Errorf("error inserting entry: %w", err)
		}
		if _, err := a.insertWords.ExecContext(ctx, e.ID, words); err != nil {
			return fmt.Errorf("error indexing entry's words: %w", err)
		}
	} else if _, err := a.insert.ExecContext(ctx, append(rowArgs(e, prev, hash), words)...); err != nil {
		return fmt.Errorf("error inserting entry: %w", err)
	}
	// Entries that wait in audit_log_recent join the object index when
	// they move, in batches: indexed here, each small commit wrote a page
	// of audit_objects per entry (15% of single-entry ingest).
	for _, o := range e.AffectedObjects {
		if !a.direct {
			break
		}
		if _, err := a.insertObject.ExecContext(ctx, o.Type, o.Name, e.Timestamp.UnixMicro(), e.ID); err != nil {
			return fmt.Errorf("error indexing affected objects: %w", err)
		}
	}
	for seq, c := range e.ConfigChanges {
		if _, err := a.insertConfig.ExecContext(ctx, e.ID, seq, c.Device, c.Format, store.PackText(c.Before), store.PackText(c.After)); err != nil {
			return fmt.Errorf("error inserting configuration change: %w", err)
		}
	}
	a.added++
	return nil
}

func (a *appendTx) Finish(ctx context.Context, b chain.Batch) error {
	if a.direct && b.LastID >= b.FirstID {
		if err := rollUp(ctx, a.tx, "audit_log", "id > ? AND id <= ?", 1, b.FirstID-1, b.LastID); err != nil {
			return err
		}
	}
	if b.LastID >= b.FirstID {
		if _, err := a.tx.ExecContext(ctx, `UPDATE chain_head SET last_id = ?, last_hash = ? WHERE singleton = 1`, b.LastID, b.LastHash); err != nil {
			return fmt.Errorf("error updating chain head: %w", err)
		}
	}
	if len(b.Leaves) == 0 && b.LastID < b.FirstID {
		return nil
	}
	if err := a.insertLeaves(ctx, b.Leaves); err != nil {
		return err
	}
	t := b.Tree
	if _, err := a.tx.ExecContext(ctx, `UPDATE log_state SET size = ?, root = ?, edge = ?, last_entry = ? WHERE singleton = 1`, t.Size, t.Root[:], t.Edge, t.LastEntry); err != nil {
		return fmt.Errorf("error updating the tree's state: %w", err)
	}
	return nil
}

// leavesPerInsert is how many leaves one INSERT writes: a statement's
// cost in the driver is mostly its own, not its rows'.
const leavesPerInsert = 64

func (a *appendTx) insertLeaves(ctx context.Context, leaves []chain.LeafRow) error {
	many := a.tx.StmtContext(ctx, a.s.insertLeaves)
	args := make([]any, 0, 4*leavesPerInsert)
	for len(leaves) >= leavesPerInsert {
		args = args[:0]
		for _, l := range leaves[:leavesPerInsert] {
			args = append(args, l.Index, l.EntryID, l.Leaf, l.Hashes)
		}
		if _, err := many.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("error inserting leaves from %d: %w", leaves[0].Index, err)
		}
		leaves = leaves[leavesPerInsert:]
	}
	one := a.tx.StmtContext(ctx, a.s.insertLeaf)
	for _, l := range leaves {
		if _, err := one.ExecContext(ctx, l.Index, l.EntryID, l.Leaf, l.Hashes); err != nil {
			return fmt.Errorf("error inserting leaf %d: %w", l.Index, err)
		}
	}
	return nil
}

func rowArgs(e *audit.Entry, prev, hash []byte) []any {
	r := chain.RowOf(e)
	return []any{e.ID, e.Timestamp.UnixMicro(), e.RecordedAt.UnixMicro(), e.UserName, e.UserIP,
		e.Domain, e.Application, e.Workspace, e.Task, string(e.Result), e.JobID, e.Description,
		r.Objects, r.Detail, e.HasConfigChange, e.Source, r.EventID, prev, hash, r.Digest, e.Salt}
}

// InsertRaw inserts entries as they are, perTx rows per transaction, with
// the same prepared INSERT, schema and indexes as Append but none of its
// work (no chain head, no idempotency lookups, no hashing). It is the
// baseline `logbook bench` compares Logbook's ingest with; entries must
// carry their IDs.
func (s *Store) InsertRaw(ctx context.Context, entries []audit.Entry, perTx int) error {
	hash := make([]byte, audit.HashSize)
	for start := 0; start < len(entries); start += perTx {
		tx, err := s.w.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		insert, insertWords := tx.StmtContext(ctx, s.insert), tx.StmtContext(ctx, s.insertWords)
		for i := start; i < min(start+perTx, len(entries)); i++ {
			if _, err := insert.ExecContext(ctx, rowArgs(&entries[i], hash, hash)...); err != nil {
				tx.Rollback()
				return fmt.Errorf("error inserting entry: %w", err)
			}
			if _, err := insertWords.ExecContext(ctx, entries[i].ID, entries[i].Words()); err != nil {
				tx.Rollback()
				return fmt.Errorf("error indexing entry's words: %w", err)
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// catchUp gives a chunk of the entries stored before the verifiable log
// their leaves, in one transaction (chain.Build calls it at open).
func (s *Store) catchUp(ctx context.Context) (int, bool, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, err
	}
	defer tx.Rollback()
	s.mu.Lock()
	defer s.mu.Unlock()
	added, more, err := chain.CatchUp(ctx, &appendTx{s: s, tx: tx}, chain.BuildChunk)
	if err != nil {
		return 0, false, err
	}
	return added, more, tx.Commit()
}
