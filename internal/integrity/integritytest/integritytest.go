// Package integritytest runs the outside checkers of Logbook's verifiable
// log in tests: Tessera's fsck, which reads tiles with code that is not
// Logbook's, and torchwood's litewitness, a C2SP tlog-witness.
package integritytest

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// FsckPath finds Tessera's fsck (go install
// github.com/transparency-dev/tessera/cmd/fsck@v1.0.4, as .ci/run does):
// $LOGBOOK_TESSERA_FSCK, else fsck in $(go env GOBIN) or on PATH. Without
// it the test skips, except in CI.
func FsckPath(t testing.TB) string {
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

// RunFsck runs fsck against the tiles at base and returns its output and
// whether it reported the log healthy. fsck v1.0.4 logs a failure and
// still exits 0, so the output is what tells. Its resource checkers stop
// at the first mismatch, after which the bundle reader blocks once the
// queue of resources to check is full (as many as -N): with -N above the
// number of tiles a test log has, every mismatch is reported instead.
func RunFsck(t testing.TB, bin, base, vkey string) (string, bool) {
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

// ToolPath finds an outside checker that .ci/run installs with go
// install: $env, else name in ~/go/bin or on PATH. Without it the test
// skips, except in CI.
func ToolPath(t testing.TB, env, name, install string) string {
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

// StartWitness runs torchwood's litewitness on loopback with a fresh
// Ed25519 key in its own ssh-agent, registers the log's origin and key
// with witnessctl, and returns the witness's URL and verifier key. It
// stops when t ends.
func StartWitness(t testing.TB, origin, logVKey string) (url, vkey string) {
	t.Helper()
	lw := ToolPath(t, "LOGBOOK_LITEWITNESS", "litewitness", "filippo.io/torchwood/cmd/litewitness@v0.6.1")
	ctl := ToolPath(t, "LOGBOOK_WITNESSCTL", "witnessctl", "filippo.io/torchwood/cmd/witnessctl@v0.6.1")
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
	return "http://" + addr, vkey
}
