package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/logbookhq/logbook/internal/audit"
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
			parts[i] = `"` + w + `"*` // words hold letters and digits only
		}
		return strings.Join(parts, " AND ")
	}
	d.WordsIndexed = func(q string) string {
		return "id IN (SELECT rowid FROM audit_text WHERE audit_text MATCH " + q + ")"
	}
	d.WordsRow = func(table string, patterns []string) string {
		if table == "audit_log_recent" {
			conds := make([]string, len(patterns))
			for i, p := range patterns {
				conds[i] = "' ' || words LIKE " + p
			}
			return "(" + strings.Join(conds, " AND ") + ")"
		}
		// The FTS5 table keeps each entry's words in its content table,
		// keyed by the entry's id.
		conds := make([]string, len(patterns))
		for i, p := range patterns {
			conds[i] = "' ' || t.c0 LIKE " + p
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

// backfillWords indexes the words of entries recorded before migration 8.
func backfillWords(ctx context.Context, tx *sql.Tx) error {
	for _, table := range []string{"audit_log", "audit_log_recent"} {
		var after int64
		for {
			rows, err := tx.QueryContext(ctx, `SELECT id, description, task, user_name, affected_objects FROM `+table+` WHERE id > ? ORDER BY id LIMIT 10000`, after)
			if err != nil {
				return err
			}
			type row struct {
				id    int64
				words string
			}
			var batch []row
			for rows.Next() {
				var e audit.Entry
				var objects string
				if err := rows.Scan(&e.ID, &e.Description, &e.Task, &e.UserName, &objects); err != nil {
					rows.Close()
					return err
				}
				if err := json.Unmarshal([]byte(objects), &e.AffectedObjects); err != nil {
					rows.Close()
					return fmt.Errorf("entry %d: affected_objects: %w", e.ID, err)
				}
				batch = append(batch, row{e.ID, e.Words()})
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if len(batch) == 0 {
				break
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
			after = batch[len(batch)-1].id
		}
	}
	return nil
}
