// Package pgtest gives tests a fresh PostgreSQL schema on a real server.
//
// The server is LOGBOOK_TEST_POSTGRES (default
// postgres://postgres@127.0.0.1:5432/test). When no server answers, tests
// skip with a message, unless LOGBOOK_TEST_POSTGRES_REQUIRED=1 or CI=true,
// where a missing server fails the run instead.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultURL is the server tests use when LOGBOOK_TEST_POSTGRES is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test"

// BaseURL returns the URL of the test server.
func BaseURL() string {
	if u := os.Getenv("LOGBOOK_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultURL
}

func required() bool {
	return os.Getenv("LOGBOOK_TEST_POSTGRES_REQUIRED") == "1" || os.Getenv("CI") == "true"
}

// Schema creates an empty schema for t, drops it when t ends, and returns
// the database URL that selects it (through search_path).
func Schema(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, BaseURL())
	if err != nil {
		if required() {
			t.Fatalf("PostgreSQL is required here but %s does not answer: %v", BaseURL(), err)
		}
		t.Skipf("no PostgreSQL at %s (%v); set LOGBOOK_TEST_POSTGRES to run the PostgreSQL tests", BaseURL(), err)
	}
	defer conn.Close(context.Background())
	b := make([]byte, 6)
	rand.Read(b)
	schema := "lbt_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("error creating test schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, BaseURL())
		if err != nil {
			t.Errorf("error dropping test schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("error dropping test schema %s: %v", schema, err)
		}
	})
	sep := "?"
	if strings.Contains(BaseURL(), "?") {
		sep = "&"
	}
	return BaseURL() + sep + "search_path=" + schema
}
