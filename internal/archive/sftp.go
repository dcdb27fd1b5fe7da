package archive

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// sftpTimeout bounds connecting and the SSH handshake.
const sftpTimeout = 30 * time.Second

// parseHostKey reads a host key as a known_hosts line or in
// authorized_keys format.
func parseHostKey(s string) (ssh.PublicKey, error) {
	s = strings.TrimSpace(s)
	if k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s)); err == nil {
		return k, nil
	}
	_, _, k, _, _, err := ssh.ParseKnownHosts([]byte(s))
	if err != nil {
		return nil, err
	}
	return k, nil
}

func parsePrivateKey(s string) (ssh.Signer, error) { return ssh.ParsePrivateKey([]byte(s)) }

// hostKeyAlgorithms asks the server for the one key type we can check,
// so that a server with several host keys presents the one given.
func hostKeyAlgorithms(k ssh.PublicKey) []string {
	if k.Type() == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256}
	}
	return []string{k.Type()}
}

// upload copies the local file to dir/name on the server: to a temporary
// name first, then, once the size on the server is the size written,
// renamed. The host key must be the one given; there is no way to turn the
// check off.
func upload(ctx context.Context, r Remote, local, name string, size int64) error {
	hostKey, err := parseHostKey(r.HostKey)
	if err != nil {
		return fmt.Errorf("remote.host_key: %w", err)
	}
	cfg := &ssh.ClientConfig{User: r.User, HostKeyCallback: ssh.FixedHostKey(hostKey),
		HostKeyAlgorithms: hostKeyAlgorithms(hostKey), Timeout: sftpTimeout}
	if r.PrivateKey != "" {
		signer, err := parsePrivateKey(r.PrivateKey)
		if err != nil {
			return fmt.Errorf("remote.private_key: %w", err)
		}
		cfg.Auth = []ssh.AuthMethod{ssh.PublicKeys(signer)}
	} else {
		cfg.Auth = []ssh.AuthMethod{ssh.Password(r.Password)}
	}
	addr := net.JoinHostPort(r.Host, strconv.Itoa(r.Port))
	dctx, cancel := context.WithTimeout(ctx, sftpTimeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(dctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("error connecting to %s: %w", addr, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		conn.Close()
		return fmt.Errorf("SSH handshake with %s failed (is host_key the server's key?): %w", addr, err)
	}
	client := ssh.NewClient(c, chans, reqs)
	defer client.Close()
	sc, err := sftp.NewClient(client)
	if err != nil {
		return fmt.Errorf("error starting SFTP on %s: %w", addr, err)
	}
	defer sc.Close()
	dir := r.Dir
	if dir == "" {
		dir = "."
	}
	final := path.Join(dir, name)
	tmp := path.Join(dir, "."+name+".part")
	src, err := os.Open(local)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := sc.Create(tmp)
	if err != nil {
		return fmt.Errorf("error creating %s on %s: %w", tmp, addr, err)
	}
	if _, err := dst.ReadFrom(src); err != nil {
		dst.Close()
		sc.Remove(tmp)
		return fmt.Errorf("error uploading the archive to %s: %w", addr, err)
	}
	if err := dst.Close(); err != nil {
		sc.Remove(tmp)
		return fmt.Errorf("error uploading the archive to %s: %w", addr, err)
	}
	fi, err := sc.Stat(tmp)
	if err != nil {
		return fmt.Errorf("error checking the uploaded archive on %s: %w", addr, err)
	}
	if fi.Size() != size {
		sc.Remove(tmp)
		return fmt.Errorf("the uploaded archive on %s has %d bytes, not %d", addr, fi.Size(), size)
	}
	if err := sc.PosixRename(tmp, final); err != nil {
		if err2 := sc.Rename(tmp, final); err2 != nil {
			return fmt.Errorf("error renaming the uploaded archive on %s: %w", addr, errors.Join(err, err2))
		}
	}
	return nil
}
