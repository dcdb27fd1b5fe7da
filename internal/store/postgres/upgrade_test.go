package postgres_test

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/logbookhq/logbook/internal/store/internal/migrate/migratetest"
	"github.com/logbookhq/logbook/internal/store/postgres"
	"github.com/logbookhq/logbook/internal/store/postgres/pgtest"
)

// releasedAt is when the release's runner applied old version v, in the
// database TestUpgradeFromLastRelease builds.
func releasedAt(v int) time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, v) }

// TestUpgradeFromLastRelease opens a database of the last release: its
// schema made by the migrations that release shipped
// (testdata/legacy.txtar, numbered 1 to 12), applied in order with their
// numbers in schema_migrations, holding entries, a user, a job and a
// purge. The store translates the numbers once, applies no step again
// (only the no-ops 2 and 12 are new), and reads back everything; the
// chain verifies and goes on.
func TestUpgradeFromLastRelease(t *testing.T) {
	ctx := context.Background()
	// The content is stored by this code in a schema of its own, then
	// copied row by row into the release's schema.
	dataURL := pgtest.Schema(t)
	st, err := postgres.Open(ctx, dataURL, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := migratetest.Fill(t, st)
	st.Close()

	url := pgtest.Schema(t)
	conn := connect(t, url)
	buildRelease(t, conn, migratetest.Released(t, filepath.Join("testdata", "legacy.txtar")))
	copyRows(t, conn, schemaOf(t, connect(t, dataURL)))

	st, err = postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatalf("opening the release's database: %v", err)
	}
	migratetest.Check(t, st, want)
	st.Close()

	applied := migrations(t, conn)
	// The release's versions and the shared ones (docs/architecture.md).
	renumbered := map[int]int{1: 1, 2: 3, 3: 4, 4: 5, 5: 6, 6: 7, 7: 8, 8: 9, 9: 10, 10: 11, 11: 13, 12: 14}
	for old, shared := range renumbered {
		if !applied[shared].Equal(releasedAt(old)) {
			t.Errorf("version %d (the release's %d) applied at %v; want the release's %v", shared, old, applied[shared], releasedAt(old))
		}
	}
	for _, v := range []int{0, 2, 12, 15} { // the marker, the no-ops and the log's tree, applied now
		if applied[v].Before(time.Now().Add(-time.Hour)) {
			t.Errorf("version %d applied at %v; want now", v, applied[v])
		}
	}
	if len(applied) != 16 {
		t.Errorf("schema_migrations = %v; want 0 to 15", applied)
	}
	if diff := cmp.Diff(schema(t, connect(t, dataURL)), schema(t, conn)); diff != "" {
		t.Errorf("the upgraded schema differs from a new database's (-new +upgraded):\n%s", diff)
	}

	// Opening again changes nothing.
	st, err = postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if diff := cmp.Diff(applied, migrations(t, conn)); diff != "" {
		t.Errorf("a second open changed schema_migrations:\n%s", diff)
	}
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func schemaOf(t *testing.T, conn *pgx.Conn) string {
	t.Helper()
	var s string
	if err := conn.QueryRow(context.Background(), `SELECT current_schema()`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// buildRelease does what the release's runner did on an empty schema:
// its table, then each file, its hook and its row in a transaction.
func buildRelease(t *testing.T, conn *pgx.Conn, released fs.FS) {
	t.Helper()
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(released, "*.up.sql")
	for _, name := range names {
		body, _ := fs.ReadFile(released, name)
		v := migratetest.Version(t, name)
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Conn().PgConn().Exec(ctx, string(body)).ReadAll(); err != nil {
				return err
			}
			if v == 7 { // its hook backfillWords, with no entries to fill
				if _, err := tx.Exec(ctx, `CREATE INDEX audit_log_words ON audit_log USING gin (array_to_tsvector(string_to_array(words, ' ')))`); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, v, releasedAt(v))
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// copyRows replaces the rows of every table of conn's schema with those
// of the same table in schema from, which has the same columns; entries
// go through the partitioned parent and identities continue after the
// ids copied.
func copyRows(t *testing.T, conn *pgx.Conn, from string) {
	t.Helper()
	ctx := context.Background()
	rows, err := conn.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> 'schema_migrations'`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range tables {
		// The release's columns only: the content was made by this code,
		// whose schema has more.
		var cols string
		if err := conn.QueryRow(ctx, `SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position)
			FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`, name).Scan(&cols); err != nil {
			t.Fatal(err)
		}
		src := pgx.Identifier{from, name}.Sanitize()
		for _, q := range []string{`DELETE FROM ` + name, `INSERT INTO ` + name + ` (` + cols + `) OVERRIDING SYSTEM VALUE SELECT ` + cols + ` FROM ` + src} {
			if _, err := conn.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	rows, err = conn.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_identity = 'YES'`)
	if err != nil {
		t.Fatal(err)
	}
	var identities [][2]string
	var table, column string
	if _, err := pgx.ForEachRow(rows, []any{&table, &column}, func() error { identities = append(identities, [2]string{table, column}); return nil }); err != nil {
		t.Fatal(err)
	}
	for _, id := range identities {
		col := pgx.Identifier{id[1]}.Sanitize()
		if _, err := conn.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), max(`+col+`)) FROM `+pgx.Identifier{id[0]}.Sanitize(), id[0], id[1]); err != nil {
			t.Fatal(err)
		}
	}
}

// migrations returns the applied_at of each version in schema_migrations.
func migrations(t *testing.T, conn *pgx.Conn) map[int]time.Time {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]time.Time{}
	var v int
	var at time.Time
	if _, err := pgx.ForEachRow(rows, []any{&v, &at}, func() error { out[v] = at; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// schema returns the columns and indexes of the tables of conn's schema
// (not of the monthly partitions, which depend on the month).
func schema(t *testing.T, conn *pgx.Conn) map[string]string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `
		SELECT 'column ' || table_name || '.' || column_name,
			concat_ws(' ', data_type, collation_name, is_nullable, column_default, is_identity, identity_generation)
		FROM information_schema.columns WHERE table_schema = current_schema() AND table_name IN (SELECT relname FROM pg_class c
			JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND NOT c.relispartition)
		UNION ALL
		SELECT 'index ' || indexname, replace(indexdef, current_schema() || '.', '')
		FROM pg_indexes WHERE schemaname = current_schema() AND tablename NOT LIKE 'audit_log\_y%'`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var k, v string
	if _, err := pgx.ForEachRow(rows, []any{&k, &v}, func() error { out[k] = v; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}
