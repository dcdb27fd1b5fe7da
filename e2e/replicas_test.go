package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/logbookhq/logbook/client"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/postgres"
	"github.com/logbookhq/logbook/internal/store/postgres/pgtest"
)

// startReplica runs `logbook serve --db url` and waits until it is ready.
func startReplica(t *testing.T, url, addr string) *exec.Cmd {
	t.Helper()
	return startServerArgs(t, addr, "serve", "--db", url, "--addr", addr, "--log-level", "warn")
}

// TestReplicasOnOnePostgres runs two Logbook processes on one PostgreSQL
// database while 8 clients ingest through both. Every acknowledged entry
// must be stored exactly once and the chain must recompute over all.
func TestReplicasOnOnePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two server processes")
	}
	url := pgtest.Schema(t)
	addrs := []string{freeAddr(t), freeAddr(t)}
	token := createToken(t, "--db", url)
	var procs []*exec.Cmd
	for _, a := range addrs {
		procs = append(procs, startReplica(t, url, a))
	}
	acked := map[string]int64{}
	var mu sync.Mutex
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client.New("http://"+addrs[w%2], &http.Client{Timeout: 20 * time.Second}).WithToken(token)
			for i := 0; ctx.Err() == nil; i++ {
				batch := make([]client.Input, 1+(i*5+w)%25)
				for j := range batch {
					batch[j] = client.Input{UserName: fmt.Sprintf("user%d", w), Application: "REST", Task: "Login",
						Result: "Success", EventID: fmt.Sprintf("w%d-b%d-e%d", w, i, j)}
				}
				ids, err := c.Ingest(context.Background(), batch)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				for j, id := range ids {
					acked[batch[j].EventID] = id
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, p := range procs {
		p.Process.Signal(syscall.SIGTERM)
		if err := p.Wait(); err != nil {
			t.Fatalf("replica did not shut down cleanly: %v", err)
		}
	}

	st, err := postgres.Open(context.Background(), url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored := map[string]int64{}
	err = st.Scan(context.Background(), 0, func(e *audit.Entry) error {
		if e.EventID == "" {
			return nil // Logbook's own entries
		}
		if _, dup := stored[e.EventID]; dup {
			return fmt.Errorf("event %s stored twice", e.EventID)
		}
		stored[e.EventID] = e.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for ev, id := range acked {
		if stored[ev] != id {
			t.Fatalf("acknowledged %s (id %d) is stored as %d", ev, id, stored[ev])
		}
	}
	n, _, err := store.VerifyChain(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	if n < int64(len(acked)) || len(stored) != len(acked) {
		t.Fatalf("chain of %d entries, %d acknowledged", n, len(acked))
	}
	t.Logf("%d entries through two replicas; one chain of %d verifies", len(acked), n)
}
