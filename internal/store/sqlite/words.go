package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/logbookhq/logbook/internal/store"
)

// commonWords is how many entries a search's words may match for the
// text index to answer it. The index yields matches in id order, so a
// page in another order fetches and sorts every match; beyond this many a
// walk in the page's order that checks each entry's words finds a page
// sooner. Measured at ten million entries (README, "Performance").
const commonWords = 20000

// wordsDialect completes the dialect with the text index of migration 008.
func wordsDialect(d store.Dialect) store.Dialect {
	d.WordsQuery = func(words []string) string {
		parts := make([]string, len(words))
		for i, w := range words {
			// Words hold letters and digits only, and a prefix a final "*".
			if t, ok := strings.CutSuffix(w, "*"); ok {
				parts[i] = `"` + t + `"*`
			} else {
				parts[i] = `"` + w + `"`
			}
		}
		return strings.Join(parts, " AND ")
	}
	d.WordsIndexed = func(q string) string {
		return "id IN (SELECT rowid FROM audit_text WHERE audit_text MATCH " + q + ")"
	}
	d.WordsScanned = func(q string) string {
		return "+id IN (SELECT rowid FROM audit_text WHERE audit_text MATCH " + q + ")"
	}
	d.WordsRow = func(table string, patterns []string) string {
		if table == "audit_log_recent" {
			conds := make([]string, len(patterns))
			for i, p := range patterns {
				conds[i] = "' ' || words || ' ' LIKE " + p
			}
			return "(" + strings.Join(conds, " AND ") + ")"
		}
		// The FTS5 table keeps each entry's words in its content table,
		// keyed by the entry's id.
		conds := make([]string, len(patterns))
		for i, p := range patterns {
			conds[i] = "' ' || t.c0 || ' ' LIKE " + p
		}
		return "EXISTS (SELECT 1 FROM audit_text_content t WHERE t.id = " + table + ".id AND " + strings.Join(conds, " AND ") + ")"
	}
	return d
}

// planWords chooses how a filter's free words are matched: through the
// text index when it finds few entries, row by row in the page's order
// when they are common. matches is the number of entries the index finds
// for the positive words, at most s.commonWords+1; -1 when there are none.
func (s *Store) planWords(ctx context.Context, f store.Filter) (d store.Dialect, matches int, err error) {
	d = dialect
	words := store.PositiveWords(f.Search)
	if len(words) == 0 {
		return d, -1, nil
	}
	err = s.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM audit_text WHERE audit_text MATCH ? LIMIT ?)`,
		d.WordsQuery(words), s.commonWords+1).Scan(&matches)
	if err != nil {
		return d, 0, fmt.Errorf("error searching the text index: %w", err)
	}
	d.IndexWords = matches <= s.commonWords
	return d, matches, nil
}

// backfillWords prepares the indexing of entries recorded before
// migration 8: the few in the buffer at once, those in audit_log by
// indexWords, in transactions of their own.
func backfillWords(ctx context.Context, tx *sql.Tx) error {
	if err := wordsOf(ctx, tx, "audit_log_recent", 0, 1<<62, 1<<30); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO backfill (name, next_id, last_id) VALUES ('words', 1, (SELECT coalesce(max(id), 0) FROM audit_log))`)
	return err
}

// backfillChunk is how many entries one transaction of indexWords
// indexes: one transaction for millions of entries grew the WAL to several
// times the database while FTS5 merged its segments.
var backfillChunk int64 = 50000

// indexWords indexes the words of the entries migration 8 left to index,
// a chunk per transaction, before the store opens; an interrupted run
// goes on where it stopped.
func indexWords(ctx context.Context, db *sql.DB) error {
	var next, last int64
	err := db.QueryRowContext(ctx, `SELECT next_id, last_id FROM backfill WHERE name = 'words'`).Scan(&next, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if next <= last {
		slog.Info("indexing the words of entries recorded before this version", "from_id", next, "to_id", last)
	}
	for chunk := 0; next <= last; chunk++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		end := min(next+backfillChunk, last+1)
		if err := wordsOf(ctx, tx, "audit_log", next, end, int(backfillChunk)); err != nil {
			tx.Rollback()
			return fmt.Errorf("error indexing words: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE backfill SET next_id = ? WHERE name = 'words'`, end); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		next = end
		if chunk%10 == 9 {
			slog.Info("indexing words", "next_id", next, "to_id", last)
			if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
				return err
			}
		}
	}
	_, err = db.ExecContext(ctx, `DELETE FROM backfill WHERE name = 'words'`)
	return err
}

// wordsOf indexes the words of the entries of table with ids in
// [from, to), reading limit at a time: into audit_text for audit_log,
// into the words column for audit_log_recent.
func wordsOf(ctx context.Context, tx *sql.Tx, table string, from, to int64, limit int) error {
	for {
		rows, err := tx.QueryContext(ctx, `SELECT `+store.WordsColumns+` FROM `+table+` WHERE id >= ? AND id < ? ORDER BY id LIMIT ?`, from, to, limit)
		if err != nil {
			return err
		}
		type row struct {
			id    int64
			words string
		}
		var batch []row
		for rows.Next() {
			id, words, err := store.ScanWords(rows.Scan)
			if err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, row{id, words})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		q := `INSERT INTO audit_text (rowid, words) VALUES (?, ?)`
		if table == "audit_log_recent" {
			q = `UPDATE audit_log_recent SET words = ?2 WHERE id = ?1`
		}
		stmt, err := tx.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		for _, r := range batch {
			if _, err := stmt.ExecContext(ctx, r.id, r.words); err != nil {
				stmt.Close()
				return err
			}
		}
		stmt.Close()
		from = batch[len(batch)-1].id + 1
	}
}

// manyObjects is how many entries of the objects a filter names make it
// cheaper to walk the page's order and check each entry (ScanObjects)
// than to fetch every entry of the objects and sort them.
const manyObjects = 2000

// planObjects sets d.ScanObjects when the objects f names have more than
// manyObjects entries in f's time range.
func (s *Store) planObjects(ctx context.Context, d store.Dialect, f store.Filter) (store.Dialect, error) {
	refs := store.ObjectRefs(f)
	if len(refs) == 0 {
		return d, nil
	}
	var ors []string
	var args []any
	for _, r := range refs {
		ors = append(ors, "(type = ? AND name = ?)")
		args = append(args, r.Type, r.Name)
	}
	q := "SELECT count(*) FROM (SELECT 1 FROM audit_objects WHERE (" + strings.Join(ors, " OR ") + ")"
	if !f.From.IsZero() {
		q += " AND ts >= ?"
		args = append(args, f.From.UnixMicro())
	}
	if !f.To.IsZero() {
		q += " AND ts < ?"
		args = append(args, f.To.UnixMicro())
	}
	var n int
	if err := s.r.QueryRowContext(ctx, q+" LIMIT ?)", append(args, max(s.manyObjects, 0)+1)...).Scan(&n); err != nil {
		return d, fmt.Errorf("error counting entries of objects: %w", err)
	}
	d.ScanObjects = n > s.manyObjects
	return d, nil
}

// objectSQL is the part of a query of the entries that touched ref within
// f's time range: cols of audit_objects, then of audit_log_recent (whose
// entries are not in audit_objects yet), each ordered and limited.
func objectSQL(ref store.ObjectRef, f store.Filter, objectCols, recentCols, order string, limit int) (string, []any) {
	var conds []string
	var args []any
	bound := func() {
		if !f.From.IsZero() {
			conds = append(conds, "ts >= ?")
			args = append(args, f.From.UnixMicro())
		}
		if !f.To.IsZero() {
			conds = append(conds, "ts < ?")
			args = append(args, f.To.UnixMicro())
		}
	}
	conds = append(conds, "type = ? AND name = ?")
	args = append(args, ref.Type, ref.Name)
	bound()
	a := "SELECT * FROM (SELECT " + objectCols + " FROM audit_objects WHERE " + strings.Join(conds, " AND ") + order + " LIMIT ?)"
	args = append(args, limit)
	conds = []string{dialect.ObjectMatch("?", "?")}
	args = append(args, ref.Type, ref.Name)
	bound()
	b := "SELECT * FROM (SELECT " + recentCols + " FROM audit_log_recent WHERE " + strings.Join(conds, " AND ") + order + " LIMIT ?)"
	args = append(args, limit)
	return a + " UNION ALL " + b, args
}
