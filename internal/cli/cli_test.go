package cli

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/server/servertest"

	"github.com/logbookhq/logbook/client"
)

func testServer(t *testing.T) string {
	return servertest.New(t, servertest.Options{AsAdmin: true}).URL
}

// run executes the command line args and returns its output.
func run(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

const line = `{"user_name":"super","application":"REST","task":"Login","result":"Success"}`

func TestIngestFormats(t *testing.T) {
	url := testServer(t)
	c := client.New(url, nil)
	for name, body := range map[string]string{
		"ndjson": strings.Repeat(line+"\n", 7),
		"array":  "[" + strings.TrimSuffix(strings.Repeat(line+",", 7), ",") + "]",
	} {
		t.Run(name, func(t *testing.T) {
			before, _ := c.List(context.Background(), nil)
			n, err := ingest(context.Background(), c, strings.NewReader(body), 3, func(int, float64) {})
			if err != nil || n != 7 {
				t.Fatalf("ingest = %d, %v; want 7", n, err)
			}
			after, _ := c.List(context.Background(), nil)
			if after.Total-before.Total != 7 {
				t.Fatalf("server holds %d more entries, want 7", after.Total-before.Total)
			}
		})
	}
}

func TestIngestNamesRefusedEntry(t *testing.T) {
	url := testServer(t)
	c := client.New(url, nil)
	body := line + "\n" + line + "\n" + `{"user_name":"x","application":"REST","task":"Login","result":"Maybe"}` + "\n"
	n, err := ingest(context.Background(), c, strings.NewReader(body), 2, func(int, float64) {})
	if err == nil || n != 2 || !strings.Contains(err.Error(), "entries 3 to 3") || !strings.Contains(err.Error(), "result") {
		t.Fatalf("ingest = %d, %v; want 2 stored and entry 3 refused naming result", n, err)
	}
}

func TestQueryCommand(t *testing.T) {
	url := testServer(t)
	c := client.New(url, nil)
	ingest(context.Background(), c, strings.NewReader(line+"\n"+strings.Replace(line, "super", "jdoe", 1)), 10, func(int, float64) {})
	out, err := run(t, "", "query", "--server", url, "--user-name", "jdoe")
	if err != nil || !strings.Contains(out, "jdoe") || strings.Contains(out, "super") || !strings.Contains(out, "1 shown of 1") {
		t.Fatalf("query output:\n%s\nerr %v", out, err)
	}
	out, err = run(t, "", "query", "--server", url, "-o", "json", "--limit", "1")
	if err != nil || !strings.Contains(out, `"audit_logs"`) || !strings.Contains(out, `"next_cursor"`) {
		t.Fatalf("json output:\n%s\nerr %v", out, err)
	}
	if _, err := run(t, "", "query", "--server", url, "--sort", "nope"); err == nil || !strings.Contains(err.Error(), "sort") {
		t.Fatalf("bad sort: %v", err)
	}
}

func TestFlagsFromEnvironment(t *testing.T) {
	t.Setenv("LOGBOOK_ADDR", "not-an-address")
	t.Setenv("LOGBOOK_SHUTDOWN_TIMEOUT", "5s")
	_, err := run(t, "", "serve", "--data", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), `addr: "not-an-address"`) {
		t.Fatalf("serve with LOGBOOK_ADDR=not-an-address: %v", err)
	}
	t.Setenv("LOGBOOK_SHUTDOWN_TIMEOUT", "soon")
	if _, err := run(t, "", "serve"); err == nil || !strings.Contains(err.Error(), "LOGBOOK_SHUTDOWN_TIMEOUT") {
		t.Fatalf("bad LOGBOOK_SHUTDOWN_TIMEOUT: %v", err)
	}
}

func TestVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	out, err := run(t, "", "verify", "--data", dir)
	if err != nil || !strings.Contains(out, "verified 0 entries") {
		t.Fatalf("verify on an empty store: %q %v", out, err)
	}
}

func TestMigrateCommand(t *testing.T) {
	dir := t.TempDir()
	for range 2 { // a second run finds nothing to do
		out, err := run(t, "", "migrate", "--data", dir)
		if err != nil || !strings.Contains(out, "up to date") {
			t.Fatalf("migrate: %q %v", out, err)
		}
	}
	if _, err := run(t, "", "migrate", "--db", "mysql://x"); err == nil {
		t.Fatal("migrate accepted an unsupported database")
	}
}

func TestTailFollowsNewEntries(t *testing.T) {
	url := testServer(t)
	c := client.New(url, nil)
	ingest(context.Background(), c, strings.NewReader(line+"\n"+strings.Replace(line, "super", "old", 1)), 10, func(int, float64) {})
	var mu sync.Mutex
	var seen []string
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- tail(ctx, c, "-user:noise", 1, 100*time.Millisecond, func(e client.Entry) {
			mu.Lock()
			seen = append(seen, e.UserName)
			mu.Unlock()
		})
	}()
	time.Sleep(300 * time.Millisecond)
	ingest(context.Background(), c, strings.NewReader(strings.Replace(line, "super", "new1", 1)+"\n"+
		strings.Replace(line, "super", "noise", 1)+"\n"+strings.Replace(line, "super", "new2", 1)), 10, func(int, float64) {})
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n >= 3 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(seen, []string{"old", "new1", "new2"}) {
		t.Fatalf("tail printed %v, want the last entry, then new1 and new2 (noise excluded by the search)", seen)
	}
}
