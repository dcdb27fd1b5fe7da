package archive_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/logbookhq/logbook/internal/archive"
	"github.com/logbookhq/logbook/internal/store"
)

const sshdPath = "/usr/sbin/sshd"

// sshServer is Debian's OpenSSH server started for one test on a loopback
// port, with its own configuration, host key and authorized key.
type sshServer struct {
	port       int
	hostKey    string // authorized_keys format
	privateKey string // the client's, OpenSSH PEM
	user       string
}

func startSSHD(t *testing.T) sshServer {
	t.Helper()
	if _, err := os.Stat(sshdPath); err != nil {
		if os.Getenv("CI") == "true" || os.Getenv("LOGBOOK_TEST_SSH_REQUIRED") == "1" {
			t.Fatalf("%s is required here (CI=true or LOGBOOK_TEST_SSH_REQUIRED=1) but missing: install openssh-server", sshdPath)
		}
		t.Skipf("%s is absent; install Debian's openssh-server to run the SFTP archive tests", sshdPath)
	}
	dir := t.TempDir()
	os.MkdirAll("/run/sshd", 0o755)
	hostKeyFile := filepath.Join(dir, "ssh_host_ed25519_key")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKeyFile).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	hostPub, err := os.ReadFile(hostKeyFile + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := ssh.NewSignerFromKey(priv)
	authorized := filepath.Join(dir, "authorized_keys")
	os.WriteFile(authorized, ssh.MarshalAuthorizedKey(signer.PublicKey()), 0o600)
	u, _ := user.Current()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cfg := filepath.Join(dir, "sshd_config")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`ListenAddress 127.0.0.1
HostKey %s
AuthorizedKeysFile %s
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
PidFile %s
Subsystem sftp internal-sftp
`, hostKeyFile, authorized, filepath.Join(dir, "sshd.pid"))), 0o600)
	cmd := exec.Command(sshdPath, "-D", "-e", "-f", cfg, "-p", fmt.Sprint(port))
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("sshd log:\n%s", logs.String())
		}
	})
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			break
		}
		if i > 100 {
			t.Fatalf("sshd did not start: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return sshServer{port: port, hostKey: strings.TrimSpace(string(hostPub)), privateKey: string(pem.EncodeToMemory(block)), user: u.Username}
}

// TestSFTPArchive archives to an SFTP server with its host key checked:
// the archive arrives whole and verifies; a wrong host key fails the job
// and deletes nothing.
func TestSFTPArchive(t *testing.T) {
	srv := startSSHD(t)
	ctx := context.Background()
	f := engines[0].open(t, nil)
	seed(t, f.st)
	remoteDir := t.TempDir()
	cut := base.Add(20 * time.Hour).Format(time.RFC3339)
	remote := archive.Remote{Host: "127.0.0.1", Port: srv.port, User: srv.user, PrivateKey: srv.privateKey, Dir: remoteDir}

	_, wrongPub, _ := ed25519.GenerateKey(rand.Reader)
	wrong, _ := ssh.NewSignerFromKey(wrongPub)
	bad := remote
	bad.HostKey = string(ssh.MarshalAuthorizedKey(wrong.PublicKey()))
	j := schedule(t, f, admin(), archive.Request{Before: &cut, AllDomains: true, Format: "ndjson", Remote: &bad})
	if _, err := f.svc.Run(ctx, j, func(int) {}); err == nil || !strings.Contains(err.Error(), "nothing was deleted") {
		t.Fatalf("a wrong host key: %v; want a failure that deleted nothing", err)
	}
	if n, _ := f.st.Count(ctx, store.AllDomains, store.Filter{Task: loginOrConfig}, 1000); n != 40 {
		t.Fatalf("%d entries left after a refused host key, want 40", n)
	}
	if es, _ := os.ReadDir(remoteDir); len(es) != 0 {
		t.Fatalf("files on the server after a refused host key: %v", es)
	}

	good := remote
	good.HostKey = "[127.0.0.1]:" + fmt.Sprint(srv.port) + " " + srv.hostKey // known_hosts line
	j = schedule(t, f, admin(), archive.Request{Before: &cut, AllDomains: true, Format: "ndjson", Remote: &good})
	if _, err := f.svc.Run(ctx, j, func(int) {}); err != nil {
		t.Fatalf("SFTP archive/purge: %v", err)
	}
	as, _ := f.st.Anchors(ctx, 1)
	es, _ := os.ReadDir(remoteDir)
	if len(es) != 1 || es[0].Name() != as[0].Archive {
		t.Fatalf("files on the server: %v; want only %s", es, as[0].Archive)
	}
	bridges, _ := f.st.AnchorBridges(ctx, as[0].ID)
	if n, err := archive.VerifyFile(filepath.Join(remoteDir, es[0].Name()), as[0], bridges); err != nil || n != 20 {
		t.Fatalf("the uploaded archive: %d entries, %v", n, err)
	}
	if n, _ := f.st.Count(ctx, store.AllDomains, store.Filter{Task: loginOrConfig}, 1000); n != 20 {
		t.Fatalf("%d entries left, want 20", n)
	}
	if local, _ := os.ReadDir(f.dir); len(local) != 0 {
		t.Errorf("a remote archive left local files: %v", local)
	}
	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), "."+as[0].Archive+"*")); len(left) != 0 {
		t.Errorf("temporary upload files left behind: %v", left)
	}
}

var loginOrConfig = []store.Match{{Value: "Login"}, {Value: "Apply CLI Configlet"}}
