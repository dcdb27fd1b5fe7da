package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/logbookhq/logbook/internal/store"
)

// wordsVector is the lexemes of an entry's words, as the GIN index of
// migration 8 holds them.
const wordsVector = "array_to_tsvector(string_to_array(words, ' '))"

func wordsQuery(words []string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		// Words hold letters and digits only, and a prefix a final "*".
		if t, ok := strings.CutSuffix(w, "*"); ok {
			parts[i] = "'" + t + "':*"
		} else {
			parts[i] = "'" + w + "'"
		}
	}
	return strings.Join(parts, " & ")
}

func wordsIndexed(q string) string { return wordsVector + " @@ " + q + "::tsquery" }

// backfillWords fills the words of entries recorded before migration 8,
// then builds the index.
func backfillWords(ctx context.Context, tx pgx.Tx) error {
	var after int64
	for {
		rows, err := tx.Query(ctx, `SELECT `+store.WordsColumns+` FROM audit_log WHERE id > $1 ORDER BY id LIMIT 10000`, after)
		if err != nil {
			return err
		}
		var ids []int64
		var words []string
		for rows.Next() {
			id, w, err := store.ScanWords(rows.Scan)
			if err != nil {
				rows.Close()
				return err
			}
			ids, words = append(ids, id), append(words, w)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			break
		}
		if _, err := tx.Exec(ctx, `UPDATE audit_log a SET words = v.words FROM unnest($1::bigint[], $2::text[]) AS v(id, words) WHERE a.id = v.id`, ids, words); err != nil {
			return err
		}
		after = ids[len(ids)-1]
	}
	_, err := tx.Exec(ctx, `CREATE INDEX audit_log_words ON audit_log USING gin (`+wordsVector+`)`)
	return err
}
