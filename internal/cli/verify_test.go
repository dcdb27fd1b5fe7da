package cli

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/server"
	"github.com/logbookhq/logbook/internal/server/servertest"
)

// TestVerifyLogCommand checks a running server from the outside with
// logbook verify --log: it passes with the published key, remembers the
// checkpoint in --state, passes again as the log grows, and fails with
// another log's key.
func TestVerifyLogCommand(t *testing.T) {
	env := servertest.NewEnv(t, func(o *server.Options) {
		o.LogPublic = true
		o.CheckpointInterval = 20 * time.Millisecond
	})
	env.Seed(make([]audit.Entry, 300)...)
	waitSigned := func() {
		t.Helper()
		tree, err := env.Store.LogTree(env.Ctx)
		if err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if c, err := env.Store.LatestCheckpoint(env.Ctx); err == nil && c.Size == tree.Size {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no checkpoint of %d leaves", tree.Size)
			}
		}
	}
	waitSigned()
	r := env.Client().Get(t, "/api/v1/integrity/key")
	if r.Status != http.StatusOK {
		t.Fatalf("key: %d %s", r.Status, r.Body)
	}
	vkey := strings.TrimSpace(r.Body)
	state := filepath.Join(t.TempDir(), "state.json")
	out, err := run(t, "", "verify", "--log", env.URL+"/log/", "--vkey", vkey, "--state", state)
	if err != nil || !strings.Contains(out, "verified the log's 300 leaves") {
		t.Fatalf("verify --log: %q %v", out, err)
	}
	env.Seed(make([]audit.Entry, 5)...)
	waitSigned()
	out, err = run(t, "", "verify", "--log", env.URL+"/log/", "--vkey", vkey, "--state", state)
	if err != nil || !strings.Contains(out, "extends the checkpoint of size 300") {
		t.Fatalf("verify --log again: %q %v", out, err)
	}
	other := strings.Replace(vkey, "+", "x+", 1)
	if out, err := run(t, "", "verify", "--log", env.URL+"/log/", "--vkey", other); err == nil {
		t.Fatalf("verify --log with another log's key passed: %q", out)
	}
	if _, err := run(t, "", "verify", "--log", env.URL+"/log/"); err == nil || !strings.Contains(err.Error(), "vkey") {
		t.Fatalf("verify --log without --vkey: %v", err)
	}
}
