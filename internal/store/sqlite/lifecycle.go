package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Archive/purge on SQLite deletes in batches (sqlstore's PurgeBatch).
// Entries may sit in audit_log or in audit_log_recent; both are purged.
// What only SQLite keeps beside an entry goes with it: its words in
// audit_text, its objects in audit_objects and its share of the hourly
// counts in audit_stats (entries join all three when they leave
// audit_log_recent, so only entries of audit_log have any).

// purgeChunk bounds the ids of one DELETE, well below SQLite's limit on
// bound parameters.
const purgeChunk = 500

// purgeEntries deletes the entries with ids and their side rows in tx,
// and returns how to commit it: under s.mu, so that s.recent always counts
// the committed rows of audit_log_recent (Append reads it under s.mu).
func (s *Store) purgeEntries(ctx context.Context, tx *sql.Tx, ids []int64) (func() error, error) {
	var moved int
	for start := 0; start < len(ids); start += purgeChunk {
		chunk := ids[start:min(start+purgeChunk, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		in := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ") + ")"
		if err := rollUp(ctx, tx, "audit_log", "id IN "+in, -1, args...); err != nil {
			return nil, err
		}
		for _, q := range []string{
			`DELETE FROM audit_objects WHERE (type, name, ts, entry_id) IN (SELECT json_extract(o.value, '$.type'), json_extract(o.value, '$.name'), a.ts, a.id FROM audit_log a, json_each(a.affected_objects) o WHERE a.id IN ` + in + `)`,
			`DELETE FROM audit_text WHERE rowid IN ` + in,
			`DELETE FROM audit_log WHERE id IN ` + in,
		} {
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return nil, fmt.Errorf("error purging entries: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM audit_log_recent WHERE id IN `+in, args...)
		if err != nil {
			return nil, fmt.Errorf("error purging entries: %w", err)
		}
		n, _ := res.RowsAffected()
		moved += int(n)
	}
	return func() error {
		s.mu.Lock()
		defer s.mu.Unlock()
		if err := tx.Commit(); err != nil {
			return err
		}
		s.recent -= moved
		return nil
	}, nil
}
