package integrity

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// fsckPath finds Tessera's fsck (go install
// github.com/transparency-dev/tessera/cmd/fsck@v1.0.4, as .ci/run does):
// $LOGBOOK_TESSERA_FSCK, else fsck in $(go env GOBIN) or on PATH. Without
// it the test skips, except in CI.
func fsckPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("LOGBOOK_TESSERA_FSCK"), filepath.Join(os.Getenv("HOME"), "go", "bin", "fsck")} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("tessera-fsck"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("Tessera's fsck is not installed (LOGBOOK_TESSERA_FSCK); .ci/run installs it")
	}
	t.Skip("Tessera's fsck is not installed: go install github.com/transparency-dev/tessera/cmd/fsck@v1.0.4 and set LOGBOOK_TESSERA_FSCK")
	return ""
}

// runFsck runs fsck against the tiles at base and returns its output and
// whether it reported the log healthy. fsck v1.0.4 logs a failure and
// still exits 0, so the output is what tells. Its resource checkers stop
// at the first mismatch, after which the bundle reader blocks once the
// queue of resources to check is full (as many as -N): with -N above the
// number of tiles a test log has, every mismatch is reported instead.
func runFsck(t *testing.T, bin, base, vkey string) (string, bool) {
	t.Helper()
	key := filepath.Join(t.TempDir(), "log.pub")
	if err := os.WriteFile(key, []byte(vkey), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--storage_url", base, "--public_key", key, "--ui=false", "--logtostderr", "-N", "512").CombinedOutput()
	s := string(out)
	ok := err == nil && strings.Contains(s, "Successfully fsck'd") && !strings.Contains(strings.ToLower(s), "failed")
	return s, ok
}

// TestTesseraFsck checks the tiles Handler serves with a verifier that is
// not Logbook's: Tessera's fsck recomputes the tree from the entry bundles
// and compares every hash tile and the checkpoint's root. A healthy log
// passes; an altered leaf, and an altered hash, fail it, named.
func TestTesseraFsck(t *testing.T) {
	bin := fsckPath(t)
	for _, tc := range []struct {
		name  string
		alter func(m *memLog)
		want  string
	}{
		{"healthy", func(*memLog) {}, ""},
		{"altered leaf", func(m *memLog) {
			m.leaves[1234] = append([]byte{}, m.leaves[1234]...)
			m.leaves[1234][40] ^= 1
		}, "tile/0/004"},
		{"altered hash", func(m *memLog) { m.hashes[tlog.StoredHashIndex(0, 3000)][0] ^= 1 }, "tile/0/011"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMemLog(t, "logbook.example.com/audit")
			m.add(t, 70000, "a") // past 256² leaves: hash tiles of three levels
			m.mu.Lock()
			tc.alter(m)
			m.mu.Unlock()
			out, ok := runFsck(t, bin, serve(t, m), m.key.VKey)
			if tc.want == "" && !ok {
				t.Fatalf("fsck of a healthy log failed:\n%s", out)
			}
			if tc.want != "" && (ok || !strings.Contains(out, tc.want)) {
				t.Fatalf("fsck = %v, want a failure naming %s:\n%.2000s", ok, tc.want, out)
			}
		})
	}
}
