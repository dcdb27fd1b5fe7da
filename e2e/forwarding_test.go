package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/logbookhq/logbook/client"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/forward"
	"github.com/logbookhq/logbook/internal/forward/ceftest"
	"github.com/logbookhq/logbook/internal/store/sqlite"
)

// rsyslogd finds Debian's rsyslogd. Without it the test skips, unless CI
// or LOGBOOK_TEST_RSYSLOG_REQUIRED=1 asks for it, where it fails.
func rsyslogd(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"rsyslogd", "/usr/sbin/rsyslogd"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" || os.Getenv("LOGBOOK_TEST_RSYSLOG_REQUIRED") == "1" {
		t.Fatal("rsyslogd is required here (apt-get install rsyslog rsyslog-gnutls) but is not installed")
	}
	t.Skip("rsyslogd is not installed; apt-get install rsyslog rsyslog-gnutls to run the forwarding tests")
	return ""
}

// receiver is an rsyslogd of the test's own: one imtcp input on a loopback
// port (plain or TLS) writing every message as received to one file.
type receiver struct {
	bin, dir, conf, out string
	port                int
	cmd                 *exec.Cmd
}

func newReceiver(t *testing.T, useTLS bool) *receiver {
	bin := rsyslogd(t)
	dir := t.TempDir()
	r := &receiver{bin: bin, dir: dir, conf: filepath.Join(dir, "rsyslog.conf"), out: filepath.Join(dir, "received.log")}
	port, _ := strconv.Atoi(strings.Split(freeAddr(t), ":")[1])
	r.port = port
	os.MkdirAll(filepath.Join(dir, "work"), 0o755)
	global := fmt.Sprintf(`global(workDirectory=%q maxMessageSize="64k"`, filepath.Join(dir, "work"))
	module := `module(load="imtcp")`
	if useTLS {
		ca, cert, key := writeTestPKI(t, dir)
		global += fmt.Sprintf(` defaultNetstreamDriverCAFile=%q defaultNetstreamDriverCertFile=%q defaultNetstreamDriverKeyFile=%q`, ca, cert, key)
		module = `module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.Authmode="anon")`
	}
	conf := global + ")\n" + `main_queue(queue.type="Direct")` + "\n" + module + "\n" +
		fmt.Sprintf(`template(name="raw" type="string" string="%%rawmsg%%\n")
ruleset(name="fwd" queue.type="Direct") {
  action(type="omfile" file=%q template="raw" flushOnTXEnd="on" asyncWriting="off")
}
input(type="imtcp" port="%d" ruleset="fwd")
`, r.out, port)
	if err := os.WriteFile(r.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.stop(t) })
	return r
}

// start runs rsyslogd in the foreground (-n) with only this config, and
// waits until its port accepts connections.
func (r *receiver) start(t *testing.T) {
	t.Helper()
	r.cmd = exec.Command(r.bin, "-n", "-f", r.conf, "-i", filepath.Join(r.dir, "rsyslogd.pid"))
	var stderr bytes.Buffer
	r.cmd.Stdout, r.cmd.Stderr = &stderr, &stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for range 200 {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", r.port)); err == nil {
			c.Close() // rsyslog logs and drops an empty session
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	r.cmd.Process.Kill()
	r.cmd.Wait()
	t.Fatalf("rsyslogd did not listen on %d:\n%s", r.port, stderr.String())
}

// stop ends rsyslogd as its init script does (SIGTERM): it stops reading,
// writes what it took in, and exits.
func (r *receiver) stop(t *testing.T) {
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { r.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		r.cmd.Process.Kill()
		<-done
		t.Errorf("rsyslogd did not stop on SIGTERM")
	}
	r.cmd = nil
}

// writeTestPKI writes a CA and a server certificate for 127.0.0.1.
func writeTestPKI(t *testing.T, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Logbook test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(crand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(crand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	caFile, certFile, keyFile = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644)
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	return caFile, certFile, keyFile
}

func TestForwardingTCPExactlyOnceAcrossRestarts(t *testing.T) {
	testForwardingExactlyOnce(t, false)
}

func TestForwardingTLSExactlyOnceAcrossRestarts(t *testing.T) {
	testForwardingExactlyOnce(t, true)
}

// apiCall sends a JSON request with the token and decodes the answer.
func apiCall(t *testing.T, method, url, token string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, b)
		}
	}
	return resp.StatusCode
}

// testForwardingExactlyOnce forwards entries ingested without pause to a
// real rsyslogd while Logbook is killed with SIGKILL and the receiver is
// restarted, three times each, then checks that the receiver's file holds
// every selected entry exactly once, in id order, as valid CEF with the
// entry's fields.
func testForwardingExactlyOnce(t *testing.T, useTLS bool) {
	if testing.Short() {
		t.Skip("starts the server binary and rsyslogd several times")
	}
	rcv := newReceiver(t, useTLS)
	rcv.start(t)
	data := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	start := func() *exec.Cmd {
		return startServerArgs(t, addr, "serve", "--data", data, "--addr", addr, "--log-level", "error", "--forwarding-interval", "200ms")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "token", "create", "fwd", "--scope", "admin", "--scope", "ingest", "--domain", "Global", "--data", data).Output()
	if err != nil {
		t.Fatalf("logbook token create: %v", err)
	}
	token := strings.TrimSpace(string(out))
	srv := start()
	defer func() {
		if srv != nil {
			srv.Process.Kill()
			srv.Wait()
		}
	}()

	crit := map[string]any{"name": "siem", "host": "127.0.0.1", "port": rcv.port, "protocol": "tcp", "filter": "application:REST"}
	if useTLS {
		ca, _ := os.ReadFile(filepath.Join(rcv.dir, "ca.pem"))
		crit["protocol"] = "tls"
		crit["tls"] = map[string]any{"ca_pem": string(ca)}
	}
	var created forward.View
	if code := apiCall(t, "POST", base+"/api/v1/forwarding-criteria", token, crit, &created); code != http.StatusCreated {
		t.Fatalf("create criterion: %d %+v", code, created)
	}
	startCursor := created.LastDeliveredID

	// Clients ingest without pause, through every restart; entries of
	// another application are not selected and must not arrive.
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client.New(base, &http.Client{Timeout: 5 * time.Second}).WithToken(token)
			for i := 0; ctx.Err() == nil; i++ {
				app := "REST"
				if i%5 == 4 {
					app = "Network Management Platform"
				}
				batch := make([]client.Input, 1+(i+w)%7)
				for j := range batch {
					batch[j] = client.Input{UserName: fmt.Sprintf("user%d", w), Application: app, Task: "Apply CLI Configlet",
						Result: "Failure", UserIP: "10.1.2.3", Domain: "Global",
						Description: fmt.Sprintf("pipe | back\\slash = equals %d/%d", i, j), EventID: fmt.Sprintf("w%d-b%d-e%d", w, i, j)}
				}
				if _, err := c.Ingest(ctx, batch); err != nil {
					time.Sleep(50 * time.Millisecond) // the server is down; not acknowledged
				}
				time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond)
			}
		}()
	}
	sawFailing := false
	for round := range 3 {
		time.Sleep(time.Duration(700+rand.IntN(1300)) * time.Millisecond)
		srv.Process.Signal(syscall.SIGKILL)
		srv.Wait()
		srv = start()
		time.Sleep(time.Duration(500+rand.IntN(1000)) * time.Millisecond)
		rcv.stop(t)
		// While the receiver is down, /readyz stays 200 and names the
		// failing destination to an administrator.
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) && !sawFailing {
			req, _ := http.NewRequest(http.MethodGet, base+"/readyz", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK && strings.Contains(string(b), `forwarding "siem": failing since`) {
					sawFailing = true
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(time.Duration(rand.IntN(500)) * time.Millisecond)
		rcv.start(t)
		t.Logf("round %d: killed Logbook, restarted the receiver", round)
	}
	cancel()
	wg.Wait()
	if !sawFailing {
		t.Error("/readyz never showed the destination failing while the receiver was down")
	}

	// Wait until the forwarder has caught up with the head.
	deadline := time.Now().Add(3 * time.Minute)
	var v forward.View
	for {
		var list struct{ Forwarding_criteria []forward.View }
		apiCall(t, "GET", base+"/api/v1/forwarding-criteria", token, nil, &list)
		if len(list.Forwarding_criteria) == 1 {
			v = list.Forwarding_criteria[0]
		}
		if v.Backlog == 0 && v.LastError == "" || v.Backlog == 0 && v.FailingSince == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("forwarding did not catch up: %+v", v)
		}
		time.Sleep(200 * time.Millisecond)
	}
	srv.Process.Signal(syscall.SIGTERM)
	srv.Wait()
	srv = nil
	rcv.stop(t)

	// What the receiver should hold: every REST entry after the cursor the
	// criterion started at.
	st, err := sqlite.Open(context.Background(), data, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	want := map[int64]audit.Entry{}
	var wantIDs []int64
	err = st.Scan(context.Background(), startCursor, func(e *audit.Entry) error {
		if e.Application == "REST" {
			want[e.ID] = *e
			wantIDs = append(wantIDs, e.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(wantIDs) < 100 {
		t.Fatalf("only %d entries were ingested; the test needs a stream", len(wantIDs))
	}

	f, err := os.Open(rcv.out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var got []int64
	seen := map[int64]int{}
	line := 0
	for sc.Scan() {
		line++
		e, id := checkReceivedLine(t, line, sc.Text())
		if n := seen[id]; n > 0 {
			t.Errorf("line %d: entry %d received again (first on line %d)", line, id, n)
		}
		seen[id] = line
		if len(got) > 0 && id <= got[len(got)-1] {
			t.Errorf("line %d: entry %d after entry %d: out of order", line, id, got[len(got)-1])
		}
		got = append(got, id)
		w, ok := want[id]
		if !ok {
			t.Errorf("line %d: entry %d was not selected by the criterion", line, id)
			continue
		}
		checkCEFFields(t, line, e, w)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	missing := 0
	for _, id := range wantIDs {
		if seen[id] == 0 {
			if missing++; missing <= 10 {
				t.Errorf("entry %d never arrived", id)
			}
		}
	}
	if missing > 0 || t.Failed() {
		t.Fatalf("%d of %d entries missing; %d lines received", missing, len(wantIDs), line)
	}
	t.Logf("%d entries forwarded exactly once, in order, across 3 kills of Logbook and 3 receiver restarts", len(got))
}

// checkReceivedLine parses one line of the receiver's file: an RFC 5424
// header (as Logbook writes it) and a CEF message.
func checkReceivedLine(t *testing.T, line int, text string) (ceftest.CEF, int64) {
	t.Helper()
	parts := strings.SplitN(text, " ", 8)
	if len(parts) != 8 {
		t.Fatalf("line %d is not an RFC 5424 message: %q", line, text)
	}
	if parts[0] != "<108>1" && parts[0] != "<110>1" {
		t.Fatalf("line %d: PRI/VERSION %q", line, parts[0])
	}
	if _, err := time.Parse(time.RFC3339Nano, parts[1]); err != nil {
		t.Fatalf("line %d: timestamp %q: %v", line, parts[1], err)
	}
	if parts[3] != "logbook" || parts[5] != "audit" || parts[6] != "-" {
		t.Fatalf("line %d: header %q", line, parts[:7])
	}
	e, err := ceftest.ParseCEF(parts[7])
	if err != nil {
		t.Fatalf("line %d: invalid CEF: %v\n%s", line, err, parts[7])
	}
	id, err := strconv.ParseInt(e.Extensions["externalId"], 10, 64)
	if err != nil {
		t.Fatalf("line %d: externalId %q", line, e.Extensions["externalId"])
	}
	return e, id
}

// checkCEFFields compares a received CEF message with the stored entry.
func checkCEFFields(t *testing.T, line int, got ceftest.CEF, want audit.Entry) {
	t.Helper()
	checks := []struct{ name, got, want string }{
		{"vendor", got.Vendor, "Logbook"}, {"signature", got.SignatureID, want.Task}, {"name", got.Name, want.Description},
		{"severity", got.Severity, "7"}, {"suser", got.Extensions["suser"], want.UserName},
		{"src", got.Extensions["src"], want.UserIP}, {"outcome", got.Extensions["outcome"], string(want.Result)},
		{"msg", got.Extensions["msg"], want.Description}, {"cs1", got.Extensions["cs1"], want.Domain},
		{"cs2", got.Extensions["cs2"], want.Application}, {"cs6", got.Extensions["cs6"], want.Hash},
		{"rt", got.Extensions["rt"], strconv.FormatInt(want.Timestamp.UnixMilli(), 10)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("line %d (entry %d): %s = %q, want %q", line, want.ID, c.name, c.got, c.want)
		}
	}
}
