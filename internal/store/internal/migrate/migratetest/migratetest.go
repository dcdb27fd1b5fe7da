// Package migratetest reads the migrations a release shipped, which the
// engines' upgrade tests build that release's databases from.
package migratetest

import (
	"database/sql"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// fileMarker starts a file in a txtar archive: "-- name --" on a line.
var fileMarker = regexp.MustCompile(`(?m)^-- (\S+) --\n`)

// Released reads the txtar archive at path (a comment, then each file
// after a line "-- NNN_name.up.sql --") into the files of a migration
// directory.
func Released(t testing.TB, path string) fstest.MapFS {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	files := fstest.MapFS{}
	marks := fileMarker.FindAllSubmatchIndex(b, -1)
	for i, m := range marks {
		end := len(b)
		if i+1 < len(marks) {
			end = marks[i+1][0]
		}
		files[string(b[m[2]:m[3]])] = &fstest.MapFile{Data: b[m[1]:end]}
	}
	if len(files) == 0 {
		t.Fatalf("%s holds no files", path)
	}
	return files
}

// Version is the version a migration file's name starts with.
func Version(t testing.TB, name string) int {
	t.Helper()
	num, _, _ := strings.Cut(name, "_")
	v, err := strconv.Atoi(num)
	if err != nil {
		t.Fatalf("bad migration file name %q", name)
	}
	return v
}

// Applied returns the applied_at of each version in the schema_migrations
// of a database whose applied_at is an integer (SQLite's).
func Applied(t testing.TB, db *sql.DB) map[int]int64 {
	t.Helper()
	rows, err := db.Query(`SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int]int64{}
	for rows.Next() {
		var v int
		var at int64
		if err := rows.Scan(&v, &at); err != nil {
			t.Fatal(err)
		}
		out[v] = at
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
