// Package e2e tests Logbook as its users run it: the real binary, real
// HTTP, a real database file, and the Go SDK.
package e2e

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/logbookhq/logbook/client"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/sqlite"
)

// buildBinary builds cmd/logbook once per test binary run.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "logbook-e2e-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "logbook")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/logbook").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServer runs `logbook serve` on data and waits until it is ready.
func startServer(t *testing.T, data, addr string) *exec.Cmd {
	t.Helper()
	return startServerArgs(t, addr, "serve", "--data", data, "--addr", addr, "--log-level", "warn")
}

// startServerArgs runs the binary with args and waits until addr is ready.
func startServerArgs(t *testing.T, addr string, args ...string) *exec.Cmd {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return cmd
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatal("server did not become ready")
	return nil
}

// createToken makes an API token with the command line, as an operator
// would, and returns its secret. where is --data DIR or --db URL.
func createToken(t *testing.T, where ...string) string {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"token", "create", "e2e", "--scope", "ingest", "--scope", "read", "--domain", "Global"}, where...)
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("logbook token create: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// TestKillDuringIngestLosesNothing kills the server with SIGKILL while
// clients ingest, restarts it, and checks that every acknowledged entry is
// there, unchanged, exactly once, and that the hash chain recomputes.
func TestKillDuringIngestLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server binary several times")
	}
	data := t.TempDir()
	addr := freeAddr(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	acked := map[string]int64{} // event_id → id
	var mu sync.Mutex
	token := createToken(t, "--data", data)
	for round := range 3 {
		srv := startServer(t, data, addr)
		c := client.New("http://"+addr, &http.Client{Timeout: 10 * time.Second}).WithToken(token)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ctx.Err() == nil; i++ {
					size := 1 + (i*7+w)%40
					batch := make([]client.Input, size)
					for j := range batch {
						batch[j] = client.Input{UserName: fmt.Sprintf("user%d", w), Application: "REST", Task: "Login",
							Result: "Success", UserIP: "10.1.2.3", EventID: fmt.Sprintf("r%d-w%d-b%d-e%d", round, w, i, j)}
					}
					ids, err := c.Ingest(ctx, batch)
					if err != nil {
						return // the server died: this batch is not acknowledged
					}
					mu.Lock()
					for j, id := range ids {
						acked[batch[j].EventID] = id
					}
					mu.Unlock()
				}
			}()
		}
		time.Sleep(time.Duration(300+rng.IntN(1200)) * time.Millisecond)
		if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		srv.Wait()
		cancel()
		wg.Wait()
	}
	if len(acked) == 0 {
		t.Fatal("no entry was acknowledged before the kills")
	}

	// Restart once more; read a sample of acknowledged entries through the
	// API, then all of them from the database after a clean shutdown.
	srv := startServer(t, data, addr)
	c := client.New("http://"+addr, nil).WithToken(token)
	sampled := 0
	for eventID, id := range acked {
		if sampled++; sampled > 200 {
			break
		}
		e, err := c.Get(context.Background(), id)
		if err != nil {
			t.Fatalf("acknowledged entry %d (%s) is missing: %v", id, eventID, err)
		}
		if e.EventID != eventID {
			t.Fatalf("entry %d has event_id %q, acknowledged as %q", id, e.EventID, eventID)
		}
	}
	// Re-sending an acknowledged entry stores nothing new.
	for eventID, id := range acked {
		ids, err := c.Ingest(context.Background(), []client.Input{{UserName: "x", Application: "REST", Task: "Login", Result: "Success", EventID: eventID}})
		if err != nil || ids[0] != id {
			t.Fatalf("re-sent %s got %v, %v; want id %d", eventID, ids, err, id)
		}
		break
	}
	srv.Process.Signal(syscall.SIGTERM)
	if err := srv.Wait(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatal(err)
		}
		t.Fatalf("graceful shutdown failed: %v", err)
	}

	st, err := sqlite.Open(context.Background(), data, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored := map[string]int64{}
	err = st.Scan(context.Background(), 0, func(e *audit.Entry) error {
		if e.EventID == "" {
			return nil // Logbook's own entries: the token's creation, the admin's
		}
		if _, dup := stored[e.EventID]; dup {
			return fmt.Errorf("event_id %s stored twice", e.EventID)
		}
		stored[e.EventID] = e.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for eventID, id := range acked {
		if stored[eventID] != id {
			t.Fatalf("acknowledged entry %d (%s) is missing after the kills", id, eventID)
		}
	}
	n, _, err := store.VerifyChain(context.Background(), st)
	if err != nil {
		t.Fatalf("chain does not verify after kills: %v", err)
	}
	if n < int64(len(acked)) {
		t.Fatalf("chain holds %d entries, fewer than the %d acknowledged", n, len(acked))
	}
	t.Logf("%d acknowledged entries survived 3 kills; chain of %d entries verifies", len(acked), n)
}
