package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/search"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/sqlite"
)

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
