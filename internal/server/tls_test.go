package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/server"
	"github.com/logbookhq/logbook/internal/store/sqlite"
)

// selfSigned writes a certificate and key for 127.0.0.1 into dir.
func selfSigned(t *testing.T, dir string) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "logbook test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

// TestServeTLSSetsSecureCookies serves HTTPS with a certificate file and
// signs in: the session cookie must be Secure there.
func TestServeTLSSetsSecureCookies(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	certFile, keyFile := selfSigned(t, dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "data"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(ctx, st, slog.New(slog.NewTextHandler(io.Discard, nil)), server.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, err := srv.Auth.CreateUser(ctx, accounts.Actor{Name: "test"}, accounts.NewUser{Name: "ann", Password: "correct horse battery",
		Roles: []string{"audit-log-admin"}, Domains: []string{"Global"}}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(ctx, ln, certFile, keyFile, 5*time.Second) }()
	defer func() { cancel(); <-done }()

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	base := "https://" + ln.Addr().String()
	resp, err := c.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if lc := resp.Header.Get("Set-Cookie"); !strings.HasPrefix(lc, server.LoginCookie+"=") || !strings.Contains(lc, "Secure") ||
		!strings.Contains(lc, "HttpOnly") || !strings.Contains(lc, "SameSite=Strict") {
		t.Fatalf("login page over TLS: Set-Cookie %q", lc)
	}
	u, _ := url.Parse(base + "/login")
	var token string
	for _, k := range jar.Cookies(u) {
		if k.Name == server.LoginCookie {
			token = accounts.CSRFToken(k.Value)
		}
	}
	resp, err = c.PostForm(base+"/login", url.Values{"name": {"ann"}, "password": {"correct horse battery"}, accounts.CSRFField: {token}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	setCookie := resp.Header.Get("Set-Cookie")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(setCookie, "Secure") || !strings.Contains(setCookie, "HttpOnly") ||
		!strings.Contains(setCookie, "SameSite=Lax") {
		t.Fatalf("login over TLS: %s, Set-Cookie %q", resp.Status, setCookie)
	}
	if err := srv.ServeTLS(ctx, nil, filepath.Join(dir, "missing.pem"), keyFile, time.Second); err == nil || !strings.Contains(err.Error(), "tls-cert") {
		t.Fatalf("a missing certificate file: %v", err)
	}
}
