package probe

import (
	"context"
	"database/sql"

	_ "modernc.org/sqlite"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/search"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/sqlite"
)

func TestProbe(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, "/work/bench10m/db", sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, _ := st.List(ctx, store.AllDomains, store.Query{Sort: store.DefaultSort, Limit: 1})
	end := p.Entries[0].Timestamp.Add(time.Minute)
	for _, q := range strings.Split(os.Getenv("Q"), ";") {
		sq, err := search.Parse(q, end, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		f := store.Filter{Search: &sq}
		for range 2 {
			t0 := time.Now()
			st.List(ctx, store.AllDomains, store.Query{Filter: f, Sort: store.DefaultSort, Limit: 50})
			t1 := time.Now()
			n, _ := st.Count(ctx, store.AllDomains, f, 10000)
			t2 := time.Now()
			est, _ := st.Estimate(ctx, store.AllDomains, f, 10000)
			t3 := time.Now()
			t.Logf("%-40s list %8s count %8s (%d) estimate %8s (%d)", q, t1.Sub(t0).Round(time.Microsecond), t2.Sub(t1).Round(time.Microsecond), n, t3.Sub(t2).Round(time.Microsecond), est)
		}
	}
}

func TestOptimizeFTS(t *testing.T) {
	db, err := sql.Open("sqlite", "file:/work/bench10m/db/logbook.db?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var before int
	db.QueryRow(`SELECT count(*) FROM audit_text_data`).Scan(&before)
	t0 := time.Now()
	if _, err := db.Exec(`INSERT INTO audit_text(audit_text) VALUES('optimize')`); err != nil {
		t.Fatal(err)
	}
	var after int
	db.QueryRow(`SELECT count(*) FROM audit_text_data`).Scan(&after)
	t.Logf("optimize took %s; data rows %d -> %d", time.Since(t0), before, after)
	db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
}
