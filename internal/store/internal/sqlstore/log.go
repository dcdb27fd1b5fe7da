package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/logbookhq/logbook/internal/store"
)

// OpenLog implements store.Log.
func (s *Store) OpenLog(ctx context.Context, origin string) (string, error) {
	var stored string
	err := s.inTx(ctx, "error naming the log", func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT origin FROM log_state WHERE singleton = 1`+s.e.ForUpdate).Scan(&stored); err != nil {
			return fmt.Errorf("error reading the log's origin: %w", err)
		}
		switch {
		case stored == "" && origin == "":
			return errors.New("origin: the log has no origin yet; name one")
		case stored == "":
			stored = origin
			_, err := tx.ExecContext(ctx, `UPDATE log_state SET origin = $1 WHERE singleton = 1`, origin)
			return err
		case origin != "" && origin != stored:
			return fmt.Errorf("origin: this database holds the log %q; %q would name another log (its leaves commit to the origin)", stored, origin)
		}
		return nil
	})
	return stored, err
}

// LogTree implements store.Log.
func (s *Store) LogTree(ctx context.Context) (store.LogTree, error) {
	var t store.LogTree
	var root []byte
	err := s.e.Read.QueryRowContext(ctx, `SELECT origin, size, root, last_entry FROM log_state WHERE singleton = 1`).Scan(&t.Origin, &t.Size, &root, &t.LastEntry)
	if err != nil {
		return t, fmt.Errorf("error reading the tree's state: %w", err)
	}
	copy(t.Root[:], root)
	return t, nil
}

// ReadLeaves implements store.Log.
func (s *Store) ReadLeaves(ctx context.Context, from, to int64) ([][]byte, error) {
	rows, err := s.e.Read.QueryContext(ctx, `SELECT idx, leaf FROM log_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx`, from, to)
	if err != nil {
		return nil, fmt.Errorf("error reading leaves: %w", err)
	}
	defer rows.Close()
	out := make([][]byte, 0, max(0, min(to-from, 1<<16)))
	for rows.Next() {
		var idx int64
		var leaf []byte
		if err := rows.Scan(&idx, &leaf); err != nil {
			return nil, fmt.Errorf("error reading leaves: %w", err)
		}
		if idx != from+int64(len(out)) {
			return nil, fmt.Errorf("leaf %d is missing", from+int64(len(out)))
		}
		out = append(out, leaf)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("error reading leaves: %w", err)
	}
	if int64(len(out)) != to-from {
		return nil, fmt.Errorf("leaf %d is missing", from+int64(len(out)))
	}
	return out, nil
}

// LeafRecords implements store.Log.
func (s *Store) LeafRecords(ctx context.Context, from, to int64) ([]store.LeafRecord, error) {
	rows, err := s.e.Read.QueryContext(ctx, `SELECT idx, entry_id, leaf, hashes FROM log_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx`, from, to)
	if err != nil {
		return nil, fmt.Errorf("error reading leaves: %w", err)
	}
	defer rows.Close()
	var out []store.LeafRecord
	for rows.Next() {
		var r store.LeafRecord
		if err := rows.Scan(&r.Index, &r.EntryID, &r.Leaf, &r.Hashes); err != nil {
			return nil, fmt.Errorf("error reading leaves: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// LogDomains implements store.Log.
func (s *Store) LogDomains(ctx context.Context) (map[string]int64, error) {
	rows, err := s.e.Read.QueryContext(ctx, `SELECT name, id FROM log_domains`)
	if err != nil {
		return nil, fmt.Errorf("error reading the log's domains: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var n string
		var id int64
		if err := rows.Scan(&n, &id); err != nil {
			return nil, fmt.Errorf("error reading the log's domains: %w", err)
		}
		out[n] = id
	}
	return out, rows.Err()
}

// ReadLogHashes implements store.Log. Each leaf's row holds the stored
// hashes it added: the hash of the subtree at level L, index n is kept
// with the last leaf of that subtree.
func (s *Store) ReadLogHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	type at struct{ leaf, offset int64 }
	where := make([]at, len(indexes))
	var leaves []int64
	for i, x := range indexes {
		level, n := tlog.SplitStoredHashIndex(x)
		leaf := (n+1)<<level - 1
		where[i] = at{leaf, x - tlog.StoredHashIndex(0, leaf)}
		leaves = append(leaves, leaf)
	}
	slices.Sort(leaves)
	leaves = slices.Compact(leaves)
	packed := make(map[int64][]byte, len(leaves))
	for start := 0; start < len(leaves); start += 500 {
		chunk := leaves[start:min(start+500, len(leaves))]
		marks := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, l := range chunk {
			marks[i], args[i] = "$"+strconv.Itoa(i+1), l
		}
		rows, err := s.e.Read.QueryContext(ctx, `SELECT idx, hashes FROM log_leaves WHERE idx IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("error reading stored hashes: %w", err)
		}
		for rows.Next() {
			var idx int64
			var h []byte
			if err := rows.Scan(&idx, &h); err != nil {
				rows.Close()
				return nil, fmt.Errorf("error reading stored hashes: %w", err)
			}
			packed[idx] = h
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("error reading stored hashes: %w", err)
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for i, w := range where {
		h := packed[w.leaf]
		if int64(len(h)) < (w.offset+1)*tlog.HashSize {
			return nil, fmt.Errorf("stored hash %d (leaf %d) is missing", indexes[i], w.leaf)
		}
		copy(out[i][:], h[w.offset*tlog.HashSize:])
	}
	return out, nil
}

// LeafOf implements store.Log. Leaves are in entry id order, so the
// leaf of an entry is found by bisection over the leaf indexes, about 25
// primary key reads at a billion leaves.
func (s *Store) LeafOf(ctx context.Context, entryID int64) (int64, []byte, error) {
	op := fmt.Sprintf("error reading the leaf of entry %d", entryID)
	var size int64
	if err := s.e.Read.QueryRowContext(ctx, `SELECT size FROM log_state WHERE singleton = 1`).Scan(&size); err != nil {
		return 0, nil, fmt.Errorf("%s: %w", op, err)
	}
	lo, hi := int64(0), size // the leaf, if any, is in [lo, hi)
	for lo < hi {
		mid := lo + (hi-lo)/2
		var id int64
		if err := s.e.Read.QueryRowContext(ctx, `SELECT entry_id FROM log_leaves WHERE idx = $1`, mid).Scan(&id); err != nil {
			return 0, nil, fmt.Errorf("%s: leaf %d: %w", op, mid, err)
		}
		switch {
		case id == entryID:
			var leaf []byte
			if err := s.e.Read.QueryRowContext(ctx, `SELECT leaf FROM log_leaves WHERE idx = $1`, mid).Scan(&leaf); err != nil {
				return 0, nil, fmt.Errorf("%s: %w", op, err)
			}
			return mid, leaf, nil
		case id < entryID:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return 0, nil, fmt.Errorf("entry %d has no leaf: %w", entryID, store.ErrNotFound)
}

// SaveCheckpoint implements store.Log.
func (s *Store) SaveCheckpoint(ctx context.Context, c store.Checkpoint) error {
	_, err := s.e.Write.ExecContext(ctx, `INSERT INTO log_checkpoints (size, signed_at, note) VALUES ($1, $2, $3)
		ON CONFLICT (size) DO NOTHING`, c.Size, s.at(s.stamp(c.SignedAt)), c.Note)
	if err != nil {
		return fmt.Errorf("error storing checkpoint %d: %w", c.Size, err)
	}
	return nil
}

// LatestCheckpoint implements store.Log.
func (s *Store) LatestCheckpoint(ctx context.Context) (store.Checkpoint, error) {
	var c store.Checkpoint
	err := s.e.Read.QueryRowContext(ctx, `SELECT size, signed_at, note FROM log_checkpoints ORDER BY size DESC LIMIT 1`).Scan(&c.Size, s.scanTime(&c.SignedAt), &c.Note)
	return one(c, err, "error reading the latest checkpoint")
}

// DomainIDs returns the number of each named domain in log_domains, in
// tx, numbering the new ones after the largest.
func DomainIDs(ctx context.Context, tx *sql.Tx, names []string) (map[string]int64, error) {
	out := make(map[string]int64, len(names))
	for _, n := range names {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM log_domains WHERE name = $1`, n).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			err = tx.QueryRowContext(ctx, `INSERT INTO log_domains (id, name) SELECT coalesce(max(id), 0) + 1, $1 FROM log_domains RETURNING id`, n).Scan(&id)
		}
		if err != nil {
			return nil, fmt.Errorf("error numbering domain %q: %w", n, err)
		}
		out[n] = id
	}
	return out, nil
}
