package integrity

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// toolPath finds an outside checker that .ci/run installs with go
// install: $env, else name in ~/go/bin or on PATH. Without it the test
// skips, except in CI.
func toolPath(t *testing.T, env, name, install string) string {
	t.Helper()
	for _, p := range []string{os.Getenv(env), filepath.Join(os.Getenv("HOME"), "go", "bin", name)} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed (%s); .ci/run installs it", name, env)
	}
	t.Skipf("%s is not installed: go install %s and set %s", name, install, env)
	return ""
}

// startWitness runs torchwood's litewitness on loopback with a fresh
// Ed25519 key in its own ssh-agent, registers the log's origin and key
// with witnessctl, and returns the witness.
func startWitness(t *testing.T, origin, logVKey string) Witness {
	t.Helper()
	lw := toolPath(t, "LOGBOOK_LITEWITNESS", "litewitness", "filippo.io/torchwood/cmd/litewitness@v0.6.1")
	ctl := toolPath(t, "LOGBOOK_WITNESSCTL", "witnessctl", "filippo.io/torchwood/cmd/witnessctl@v0.6.1")
	for _, bin := range []string{"ssh-agent", "ssh-keygen", "ssh-add"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s is needed to run litewitness (Debian's openssh-client)", bin)
		}
	}
	dir := t.TempDir()
	run := func(env []string, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return string(out)
	}
	key := filepath.Join(dir, "witness")
	run(nil, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key)
	sock := filepath.Join(dir, "agent.sock")
	agent := exec.Command("ssh-agent", "-D", "-a", sock)
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { agent.Process.Kill(); agent.Wait() })
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	run([]string{"SSH_AUTH_SOCK=" + sock}, "ssh-add", key)
	fp := strings.Fields(run(nil, "ssh-keygen", "-l", "-E", "sha256", "-f", key+".pub"))[1]

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	db := filepath.Join(dir, "litewitness.db")
	run(nil, ctl, "add-log", "-db", db, "-origin", origin)
	run(nil, ctl, "add-key", "-db", db, "-origin", origin, "-key", logVKey)
	cmd := exec.Command(lw, "-db", db, "-name", "witness.logbook.test/w", "-key", fp, "-ssh-agent", sock, "-listen", addr)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	vkeyLine := regexp.MustCompile(`vkey=(\S+)`)
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := vkeyLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- strings.Trim(m[1], `"`):
				default:
				}
			}
		}
	}()
	var vkey string
	select {
	case vkey = <-found:
	case <-time.After(15 * time.Second):
		t.Fatal("litewitness printed no verifier key")
	}
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if i > 200 {
			t.Fatal("litewitness does not listen")
		}
		time.Sleep(25 * time.Millisecond)
	}
	w, err := ParseWitness("http://" + addr + "+" + vkey)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (m *memLog) prove(ctx context.Context, old int64) (tlog.TreeProof, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return tlog.ProveTree(int64(len(m.leaves)), old, m.reader())
}

// TestLitewitness has a real witness cosign the log's checkpoints as the
// log grows, from a stale size too, and refuse a rolled back and a forked
// log.
func TestLitewitness(t *testing.T) {
	ctx := context.Background()
	const origin = "logbook.example.com/audit"
	m := newMemLog(t, origin)
	w := startWitness(t, origin, m.key.VKey)
	hc := &http.Client{Timeout: 10 * time.Second}
	cosign := func(l *memLog, old int64) (string, error) {
		cp, tree, _ := l.Checkpoint(ctx)
		return w.Cosign(ctx, hc, cp, tree, old, l.prove)
	}
	m.add(t, 100, "a")
	sig, err := cosign(m, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The cosigned checkpoint verifies with both keys.
	cp, _, _ := m.Checkpoint(ctx)
	if _, err := note.Open(append(append([]byte{}, cp...), sig...), note.VerifierList(m.key.Verifier, w.Verifier)); err != nil {
		t.Fatalf("the cosigned checkpoint: %v\n%s%s", err, cp, sig)
	}
	m.add(t, 50, "a")
	if _, err := cosign(m, 100); err != nil {
		t.Fatalf("grown from 100: %v", err)
	}
	m.add(t, 10, "a")
	if _, err := cosign(m, 0); err != nil { // stale: the witness says 150
		t.Fatalf("from a stale size: %v", err)
	}
	// Rolled back: an older copy of the log, 100 leaves, new entries on it.
	old := &memLog{key: m.key}
	for _, rec := range m.leaves[:100] {
		hs, _ := tlog.StoredHashes(int64(len(old.leaves)), rec, old.reader())
		old.leaves, old.hashes = append(old.leaves, rec), append(old.hashes, hs...)
	}
	old.add(t, 20, "b")
	if _, err := cosign(old, 100); !errors.Is(err, ErrRollback) {
		t.Fatalf("a rolled back log: %v", err)
	}
	// Forked: as large as the witness's tree and more, other leaves.
	old.add(t, 100, "b")
	if _, err := cosign(old, 160); !errors.Is(err, ErrFork) {
		t.Fatalf("a forked log: %v", err)
	}
}
