package migrate_test

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	_ "modernc.org/sqlite"

	"github.com/logbookhq/logbook/internal/store/internal/migrate"
	"github.com/logbookhq/logbook/internal/store/internal/migrate/migratetest"
)

var engines = []struct {
	name   string
	legacy map[int]int
}{
	{"sqlite", migrate.SQLiteLegacy},
	{"postgres", migrate.PostgreSQLLegacy},
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		out = append(out, f.Name())
	}
	return out
}

// TestSameStepsInEveryEngine checks that version N is the same step in
// every engine: the engines' migration directories list the same files.
func TestSameStepsInEveryEngine(t *testing.T) {
	want := names(t, filepath.Join("..", "..", engines[0].name, "migrations"))
	for _, e := range engines[1:] {
		if diff := cmp.Diff(want, names(t, filepath.Join("..", "..", e.name, "migrations"))); diff != "" {
			t.Errorf("%s's migrations differ from %s's (-%[2]s +%[1]s):\n%s", e.name, engines[0].name, diff)
		}
	}
}

// TestLegacyNumbering checks the translation table against the files the
// last release shipped (each engine's testdata/legacy.txtar): every old
// version maps to a distinct shared version whose statements (the
// engine's file and the shared part, package migrate) are the old file's,
// and a shared version up to the last one a release numbered that no old
// one maps to is a no-op in that engine, so applying it after the
// translation changes nothing.
func TestLegacyNumbering(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			live := map[int]string{}
			for _, n := range names(t, filepath.Join("..", "..", e.name, "migrations")) {
				b, err := os.ReadFile(filepath.Join("..", "..", e.name, "migrations", n))
				if err != nil {
					t.Fatal(err)
				}
				if part, err := fs.ReadFile(migrate.Shared, "shared/"+n); err == nil {
					b = append(b, part...)
				}
				live[migratetest.Version(t, n)] = string(b)
			}
			released := migratetest.Released(t, filepath.Join("..", "..", e.name, "testdata", "legacy.txtar"))
			mapped := map[int]bool{}
			for n, f := range released {
				old := migratetest.Version(t, n)
				shared, ok := e.legacy[old]
				if !ok {
					t.Errorf("released %s has no shared version", n)
					continue
				}
				if mapped[shared] {
					t.Errorf("two old versions map to %d", shared)
				}
				mapped[shared] = true
				if diff := cmp.Diff(statements(string(f.Data)), statements(live[shared])); diff != "" {
					t.Errorf("released %s differs from shared version %d: a released step must not change (-released +now):\n%s", n, shared, diff)
				}
			}
			if len(e.legacy) != len(released) {
				t.Errorf("the table maps %d old versions; the release shipped %d", len(e.legacy), len(released))
			}
			last := slices.Max(slices.Collect(maps.Values(e.legacy)))
			for v, body := range live {
				if v <= last && !mapped[v] && !commentOnly(body) {
					t.Errorf("shared version %d has no old version in %s but is not a no-op there", v, e.name)
				}
			}
		})
	}
}

// statements lists the statements of a step's SQL without comments, with
// white space folded, in sorted order: moving a statement into the
// shared part moves it to the end of the step, which changes nothing
// that a step of CREATE and INSERT statements in one transaction does
// (the upgrade tests compare the schemas too).
func statements(sql string) []string {
	var lines []string
	for _, l := range strings.Split(sql, "\n") {
		if l, _, _ = strings.Cut(l, "--"); strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	var out []string
	for _, st := range strings.Split(strings.Join(lines, " "), ";") {
		if st = strings.Join(strings.Fields(st), " "); st != "" {
			out = append(out, st)
		}
	}
	slices.Sort(out)
	return out
}

func commentOnly(sql string) bool {
	for line := range strings.Lines(sql) {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "--") {
			return false
		}
	}
	return true
}

// sqliteTx runs the runner on a real SQLite database.
type sqliteTx struct{ *sql.Tx }

func (t sqliteTx) Exec(ctx context.Context, q string, args ...any) error {
	_, err := t.Tx.ExecContext(ctx, q, args...)
	return err
}

func (t sqliteTx) Ints(ctx context.Context, q string) ([]int, error) {
	rows, err := t.Tx.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

func (t sqliteTx) Commit(context.Context) error   { return t.Tx.Commit() }
func (t sqliteTx) Rollback(context.Context) error { return t.Tx.Rollback() }

type fixture struct {
	db     *sql.DB
	locked int
	hooked []int
}

func newFixture(t *testing.T) *fixture {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return &fixture{db: db}
}

func (f *fixture) engine(files fs.FS, legacy map[int]int, hook func(context.Context, *sql.Tx) error) migrate.Engine[*sql.Tx] {
	return migrate.Engine[*sql.Tx]{
		Files:  files,
		Legacy: legacy,
		Hooks: map[int]func(context.Context, *sql.Tx) error{3: func(ctx context.Context, tx *sql.Tx) error {
			f.hooked = append(f.hooked, 3)
			return hook(ctx, tx)
		}},
		CreateTable: `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
		Now:         `unixepoch()`,
		Placeholder: func(int) string { return "?" },
		LockFunc: func(context.Context) (func(), error) {
			f.locked++
			return func() { f.locked-- }, nil
		},
		BeginFunc: func(ctx context.Context) (*sql.Tx, error) { return f.db.BeginTx(ctx, nil) },
		TxFunc:    func(tx *sql.Tx) migrate.Tx { return sqliteTx{tx} },
	}
}

func (f *fixture) rows(t *testing.T) map[int]int64 { return migratetest.Applied(t, f.db) }

var steps = fstest.MapFS{
	"migrations/001_a.up.sql": {Data: []byte(`CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);`)},
	"migrations/002_b.up.sql": {Data: []byte("-- No-op in this engine: the step is another engine's.\n")},
	"migrations/003_c.up.sql": {Data: []byte(`CREATE TABLE c (x INTEGER);`)},
}

func noHook(context.Context, *sql.Tx) error { return nil }

func TestRunAppliesMissingStepsOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for range 2 {
		if err := migrate.Run(ctx, f.engine(steps, nil, noHook)); err != nil {
			t.Fatal(err)
		}
	}
	if got := slices.Sorted(maps.Keys(f.rows(t))); !slices.Equal(got, []int{0, 1, 2, 3}) {
		t.Errorf("versions = %v; want the marker and 1 to 3", got)
	}
	if !slices.Equal(f.hooked, []int{3}) || f.locked != 0 {
		t.Errorf("hook ran %v, lock held %d; want once, released", f.hooked, f.locked)
	}
}

func TestRunTranslatesLegacyNumbers(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	// The old release had steps a and c as versions 1 and 2.
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
		`CREATE TABLE a (x INTEGER)`, `CREATE TABLE c (x INTEGER)`,
		`INSERT INTO schema_migrations VALUES (1, 100), (2, 200)`,
	} {
		if _, err := f.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	// Step c is not applied again (CREATE TABLE c would fail), nor its
	// hook run; the no-op 2 is applied.
	if err := migrate.Run(ctx, f.engine(steps, map[int]int{1: 1, 2: 3}, noHook)); err != nil {
		t.Fatal(err)
	}
	rows := f.rows(t)
	if rows[1] != 100 || rows[3] != 200 || len(rows) != 4 || rows[2] == 0 {
		t.Errorf("schema_migrations = %v; want 1 and 3 as applied by the old release, 2 now, and the marker", rows)
	}
	if len(f.hooked) != 0 {
		t.Errorf("hook of step 3 ran again")
	}
	// Translated once: a second run leaves every row as it is.
	if err := migrate.Run(ctx, f.engine(steps, map[int]int{1: 1, 2: 3}, noHook)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rows, f.rows(t)); diff != "" {
		t.Errorf("second run changed schema_migrations:\n%s", diff)
	}
}

func TestRunRefusesUnknownLegacyVersion(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if _, err := f.db.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);
		INSERT INTO schema_migrations VALUES (1, 100), (9, 900)`); err != nil {
		t.Fatal(err)
	}
	if err := migrate.Run(ctx, f.engine(steps, map[int]int{1: 1}, noHook)); err == nil || !strings.Contains(err.Error(), "version 9") {
		t.Fatalf("Run = %v; want an error naming version 9", err)
	}
	if diff := cmp.Diff(map[int]int64{1: 100, 9: 900}, f.rows(t)); diff != "" {
		t.Errorf("schema_migrations changed:\n%s", diff)
	}
}

func TestRunRollsBackAFailedStep(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	boom := errors.New("boom")
	err := migrate.Run(ctx, f.engine(steps, nil, func(context.Context, *sql.Tx) error { return boom }))
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "003_c.up.sql") {
		t.Fatalf("Run = %v; want boom, naming the file", err)
	}
	if _, ok := f.rows(t)[3]; ok {
		t.Error("failed step recorded")
	}
	if _, err := f.db.Exec(`SELECT * FROM c`); err == nil {
		t.Error("failed step's table kept")
	}
	if err := migrate.Run(ctx, f.engine(steps, nil, noHook)); err != nil {
		t.Fatalf("after a failure: %v", err)
	}
}

func TestRunRefusesBadFileNames(t *testing.T) {
	for _, name := range []string{"1.up.sql", "000_marker.up.sql", "x_y.up.sql", "004_d.down.sql"} {
		files := fstest.MapFS{"migrations/" + name: {Data: []byte(`SELECT 1`)}}
		if err := migrate.Run(context.Background(), newFixture(t).engine(files, nil, noHook)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestRunAppendsSharedParts(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	e := f.engine(steps, nil, noHook)
	e.Shared = fstest.MapFS{"shared/001_a.up.sql": {Data: []byte(`CREATE INDEX a_x ON a (x); INSERT INTO a VALUES (2);`)}}
	if err := migrate.Run(ctx, e); err != nil {
		t.Fatal(err)
	}
	var n, idx int
	if err := f.db.QueryRow(`SELECT count(*) FROM a`).Scan(&n); err != nil || n != 2 {
		t.Errorf("rows of a = %d, %v; want 2 (the engine's and the shared part's)", n, err)
	}
	if err := f.db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'a_x'`).Scan(&idx); err != nil || idx != 1 {
		t.Errorf("shared index a_x: %d, %v", idx, err)
	}
}

func TestRunRefusesSharedPartWithoutStep(t *testing.T) {
	f := newFixture(t)
	e := f.engine(steps, nil, noHook)
	e.Shared = fstest.MapFS{"shared/004_d.up.sql": {Data: []byte(`SELECT 1`)}}
	err := migrate.Run(context.Background(), e)
	if err == nil || !strings.Contains(err.Error(), "004_d.up.sql") {
		t.Fatalf("err = %v; want one naming 004_d.up.sql", err)
	}
	var n int
	if err := f.db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'a'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("step 001 applied although the shared part was refused (%d, %v)", n, err)
	}
}

// TestSharedPartsNameEngineSteps keeps the shared parts in step with the
// engines: each names a step both engines have.
func TestSharedPartsNameEngineSteps(t *testing.T) {
	parts, err := fs.ReadDir(migrate.Shared, "shared")
	if err != nil || len(parts) == 0 {
		t.Fatalf("shared parts: %v, %v", parts, err)
	}
	for _, p := range parts {
		for _, engine := range []string{"sqlite", "postgres"} {
			if _, err := os.Stat(filepath.Join("..", "..", engine, "migrations", p.Name())); err != nil {
				t.Errorf("%s: %v", p.Name(), err)
			}
		}
	}
}
