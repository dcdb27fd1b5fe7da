package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/search"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/internal/migrate/migratetest"
	"github.com/logbookhq/logbook/internal/store/sqlite"
)

// TestUpgradeFromLastRelease opens a database of the last release: its
// schema made by the migrations that release shipped
// (testdata/legacy.txtar), applied in order with their numbers in
// schema_migrations, holding entries, a user, a job and a purge. The store
// translates the numbers once, applies no step again, and reads back
// everything; the chain verifies and goes on.
func TestUpgradeFromLastRelease(t *testing.T) {
	ctx := context.Background()
	// The content is stored by this code in a database of its own, then
	// copied row by row into the release's schema.
	dataDir := t.TempDir()
	st, err := sqlite.Open(ctx, dataDir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := migratetest.Fill(t, st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	db := openDB(t, dir)
	released := migratetest.Released(t, filepath.Join("testdata", "legacy.txtar"))
	// What the release's runner did: its table, then each file and its
	// row in a transaction. Its hooks (8: backfillWords, 12: backfillStats)
	// leave nothing behind in an empty database.
	mustExec(t, db, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`)
	names, _ := fs.Glob(released, "*.up.sql")
	for _, name := range names {
		body, _ := fs.ReadFile(released, name)
		v := migratetest.Version(t, name)
		mustExec(t, db, `BEGIN; `+string(body)+`; INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?); COMMIT`, v, 1_700_000_000+v)
	}
	copyRows(t, db, filepath.Join(dataDir, sqlite.FileName))
	db.Close()

	st, err = sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		t.Fatalf("opening the release's database: %v", err)
	}
	migratetest.Check(t, st, want)
	st.Close()

	db = openDB(t, dir)
	applied := migratetest.Applied(t, db)
	for v := 1; v <= 14; v++ {
		// SQLite's numbers did not change: the same rows, as applied.
		if applied[v] != int64(1_700_000_000+v) {
			t.Errorf("version %d applied at %d; want the release's %d", v, applied[v], 1_700_000_000+v)
		}
	}
	_, marker := applied[0]
	if _, tree := applied[15]; !marker || !tree || len(applied) != 16 {
		t.Errorf("schema_migrations = %v; want 1 to 14, the shared numbering's marker 0 and the log's tree, 15", applied)
	}
	if diff := cmp.Diff(schema(t, openDB(t, dataDir)), schema(t, db)); diff != "" {
		t.Errorf("the upgraded schema differs from a new database's (-new +upgraded):\n%s", diff)
	}
	db.Close()

	// Opening again changes nothing.
	st, err = sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if diff := cmp.Diff(applied, migratetest.Applied(t, openDB(t, dir))); diff != "" {
		t.Errorf("a second open changed schema_migrations:\n%s", diff)
	}
}

func openDB(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // ATTACH holds for one connection
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%.60s: %v", q, err)
	}
}

// copyRows replaces the rows of every table of db with those of the
// database at path, whose schema (this code's) has the same tables and
// columns and more: the columns of db's tables are copied.
func copyRows(t *testing.T, db *sql.DB, path string) {
	t.Helper()
	mustExec(t, db, `ATTACH DATABASE ? AS data`, "file:"+path)
	rows, err := db.Query(`SELECT name, sql FROM main.sqlite_master WHERE type = 'table' AND name <> 'schema_migrations'
		AND name NOT LIKE 'sqlite_stat%' AND name NOT LIKE 'audit_text_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables, virtual []string
	for rows.Next() {
		var name, create string
		if err := rows.Scan(&name, &create); err != nil {
			t.Fatal(err)
		}
		if len(create) > 14 && create[:14] == "CREATE VIRTUAL" {
			virtual = append(virtual, name)
		} else {
			tables = append(tables, name)
		}
	}
	rows.Close()
	for _, name := range tables {
		mustExec(t, db, `DELETE FROM main.`+name)
		var cols string
		if err := db.QueryRow(`SELECT group_concat(name, ', ') FROM pragma_table_info(?, 'main')`, name).Scan(&cols); err != nil {
			t.Fatal(err)
		}
		mustExec(t, db, `INSERT INTO main.`+name+` (`+cols+`) SELECT `+cols+` FROM data.`+name)
	}
	for _, name := range virtual { // the text index: its content, not its shadow tables
		mustExec(t, db, `INSERT INTO main.`+name+` (rowid, words) SELECT rowid, words FROM data.`+name)
	}
	mustExec(t, db, `DETACH DATABASE data`)
}

// schema returns the definition of every table, index and trigger.
func schema(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	rows, err := db.Query(`SELECT type || ' ' || name, coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		out[k] = v
	}
	return out
}

// TestUpgradeIndexesOldEntries opens a database as it was before the text
// index and the hourly counts (migrations 8 and 12): the entries it holds
// are indexed, in chunks, and counted before the store opens.
func TestUpgradeIndexesOldEntries(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	mk := func(n int, word string) []audit.Entry {
		es := make([]audit.Entry, n)
		for i := range es {
			es[i] = audit.Entry{Timestamp: at.Add(time.Duration(i) * time.Minute), UserName: "u", Domain: "Global",
				Application: "REST", Task: "Login", Result: audit.ResultSuccess, Source: "t", Description: word + fmt.Sprint(i%2)}
		}
		return es
	}
	st.Append(ctx, mk(700, "alpha")) // straight to audit_log
	st.Append(ctx, mk(30, "beta"))   // buffered
	st.Close()

	// Take the database back to before migrations 8 and 12.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TABLE audit_text`, `DROP TABLE audit_stats`, `DROP TABLE backfill`,
		`ALTER TABLE audit_log_recent DROP COLUMN words`, `DELETE FROM schema_migrations WHERE version IN (8, 12)`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	sqlite.SetBackfillChunk(64)
	defer sqlite.SetBackfillChunk(50000)
	st, err = sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for q, want := range map[string]int{"alpha*": 700, "alpha1": 350, "beta*": 30, "login": 730} {
		sq, err := search.Parse(q, at, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := st.Count(ctx, store.AllDomains, store.Filter{Search: &sq}, 10000); err != nil || n != want {
			t.Errorf("%s: Count = %d, %v; want %d", q, n, err, want)
		}
	}
	groups, err := st.Stats(ctx, store.AllDomains, store.Filter{From: at.Add(-time.Hour)}, store.SortTask, 10)
	if err != nil || len(groups) != 1 || groups[0].Count != 730 {
		t.Errorf("Stats = %v, %v; want Login 730", groups, err)
	}
}
