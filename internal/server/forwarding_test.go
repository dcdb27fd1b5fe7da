package server_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/forward"
	"github.com/logbookhq/logbook/internal/server"
)

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func criterionJSON(name string, port int) string {
	return `{"name": "` + name + `", "host": "127.0.0.1", "port": ` + strconv.Itoa(port) + `, "protocol": "tcp"}`
}

// TestForwardingAPIRolesAndDomains checks who may manage forwarding
// criteria, and that a criterion is visible only to administrators whose
// domains cover the domains it forwards.
func TestForwardingAPIRolesAndDomains(t *testing.T) {
	e := newSecEnv(t, nil)
	e.addDomain("Global/EMEA", false)
	e.addUser("auditadmin", []string{string(access.RoleAuditLogAdmin)}, "Global")
	e.addUser("emeaaudit", []string{string(access.RoleAuditLogAdmin)}, "Global/EMEA")
	e.addUser("useradmin", []string{string(access.RoleUserAdmin)}, "Global")
	e.addUser("jobs", []string{string(access.RoleJobAdmin)}, "Global")
	reader := e.addToken("reader", []string{string(access.ScopeRead)}, "Global")
	admin := e.addToken("admintoken", []string{string(access.ScopeAdmin)}, "Global")
	port := closedPort(t)

	for _, c := range []struct {
		name   string
		client *secClient
		want   int
	}{
		{"anonymous", e.client(), http.StatusUnauthorized},
		{"user admin", e.login(t, "useradmin", secPassword), http.StatusForbidden},
		{"job admin", e.login(t, "jobs", secPassword), http.StatusForbidden},
		{"read token", e.tokenClient(reader.Secret), http.StatusForbidden},
	} {
		for _, req := range []struct{ method, path, body string }{
			{"POST", "/api/v1/forwarding-criteria", criterionJSON("x", port)},
			{"GET", "/api/v1/forwarding-criteria", ""},
			{"GET", "/api/v1/forwarding-criteria/1", ""},
			{"PUT", "/api/v1/forwarding-criteria/1", criterionJSON("x", port)},
			{"DELETE", "/api/v1/forwarding-criteria/1", ""},
			{"POST", "/api/v1/forwarding-criteria/1/replay", `{"from_id": 1}`},
		} {
			if r := c.client.do(t, req.method, req.path, req.body); r.status != c.want {
				t.Errorf("%s: %s %s = %d, want %d: %s", c.name, req.method, req.path, r.status, c.want, r.body)
			}
		}
	}

	global := e.login(t, "auditadmin", secPassword)
	r := global.do(t, "POST", "/api/v1/forwarding-criteria", criterionJSON("global-siem", port))
	if r.status != http.StatusCreated {
		t.Fatalf("audit log admin create: %d %s", r.status, r.body)
	}
	var g forward.View
	secDecode(t, r, &g)
	emea := e.login(t, "emeaaudit", secPassword)
	r = emea.do(t, "POST", "/api/v1/forwarding-criteria", criterionJSON("emea-siem", port))
	if r.status != http.StatusCreated {
		t.Fatalf("EMEA audit log admin create: %d %s", r.status, r.body)
	}
	var em forward.View
	secDecode(t, r, &em)
	if strings.Join(em.Domains, ",") != "Global/EMEA" || strings.Join(g.Domains, ",") != "Global" {
		t.Errorf("domains: global %v, emea %v", g.Domains, em.Domains)
	}
	names := func(c *secClient) string {
		var out struct {
			Criteria []forward.View `json:"forwarding_criteria"`
		}
		secDecode(t, c.get(t, "/api/v1/forwarding-criteria"), &out)
		var ns []string
		for _, v := range out.Criteria {
			ns = append(ns, v.Name)
		}
		return strings.Join(ns, ",")
	}
	if got := names(global); got != "global-siem,emea-siem" {
		t.Errorf("Global admin sees %q", got)
	}
	if got := names(emea); got != "emea-siem" {
		t.Errorf("EMEA admin sees %q", got)
	}
	if got := names(e.tokenClient(admin.Secret)); got != "global-siem,emea-siem" {
		t.Errorf("admin token sees %q", got)
	}
	gid := "/api/v1/forwarding-criteria/" + strconv.FormatInt(g.ID, 10)
	for _, req := range []struct{ method, path, body string }{
		{"GET", gid, ""}, {"PUT", gid, criterionJSON("taken-over", port)}, {"DELETE", gid, ""},
		{"POST", gid + "/replay", `{"from_id": 1}`},
	} {
		if r := emea.do(t, req.method, req.path, req.body); r.status != http.StatusNotFound {
			t.Errorf("EMEA admin %s %s = %d, want 404", req.method, req.path, r.status)
		}
	}
	if r := global.get(t, gid); r.status != http.StatusOK || !strings.Contains(r.body, `"global-siem"`) {
		t.Errorf("criterion changed by a refused request: %d %s", r.status, r.body)
	}
}

// TestForwardingValidation sends a criterion with every field wrong and
// checks that each is named and nothing is stored; then that secrets stay
// out of answers and of the audit log.
func TestForwardingValidation(t *testing.T) {
	e := newSecEnv(t, nil)
	c := e.tokenClient(e.f.AdminToken)
	long := strings.Repeat("a", 129)
	r := c.do(t, "POST", "/api/v1/forwarding-criteria", `{"name": "`+long+`", "description": "two\nlines", "host": "bad host!",
		"port": 70000, "protocol": "smtp", "format": "xml", "filter": "user:", "tls": {"ca_pem": "not a pem", "client_key_pem": "key"}}`)
	if r.status != http.StatusBadRequest {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var answer struct {
		Error  string
		Fields []struct{ Field, Reason string }
	}
	secDecode(t, r, &answer)
	got := map[string]bool{}
	for _, f := range answer.Fields {
		got[f.Field] = true
	}
	for _, f := range []string{"name", "description", "host", "port", "protocol", "format", "filter", "tls", "tls.ca_pem", "tls.client_cert_pem"} {
		if !got[f] {
			t.Errorf("field %s not named; answer: %s", f, r.body)
		}
	}
	for _, body := range []string{
		`{"host": "127.0.0.1"}`, // no name
		`{"name": "n", "host": "127.0.0.1", "port": 0}`,
		`{"name": "n", "host": "127.0.0.1", "filter": "` + strings.Repeat("x", 4097) + `"}`,
		`{"name": "n", "host": "127.0.0.1", "protocol": "tls", "tls": {"ca_pem": "` + strings.Repeat("x", 65537) + `"}}`,
		`{"name": "n", "host": "127.0.0.1", "unknown": 1}`,
		`{"name": "n", "host": "` + strings.Repeat("h", 254) + `"}`,
	} {
		if r := c.do(t, "POST", "/api/v1/forwarding-criteria", body); r.status != http.StatusBadRequest {
			t.Errorf("%.80s: status %d, want 400", body, r.status)
		}
	}
	if list := c.get(t, "/api/v1/forwarding-criteria"); !strings.Contains(list.body, `"forwarding_criteria":[]`) {
		t.Fatalf("a refused criterion was stored: %s", list.body)
	}
	if n := len(e.logs(t, "Add Forwarding Criterion")); n != 0 {
		t.Fatalf("%d audit entries for refused criteria", n)
	}

	// A TLS criterion with a client certificate: the key is never shown
	// nor recorded, and an update that leaves it out keeps it.
	certPEM, keyPEM := testClientCert(t)
	body, _ := json.Marshal(map[string]any{"name": "tls-siem", "host": "127.0.0.1", "port": closedPort(t), "protocol": "tls",
		"tls": map[string]any{"client_cert_pem": certPEM, "client_key_pem": keyPEM, "server_name": "siem.example"}})
	r = c.do(t, "POST", "/api/v1/forwarding-criteria", string(body))
	if r.status != http.StatusCreated {
		t.Fatalf("create TLS criterion: %d %s", r.status, r.body)
	}
	var v forward.View
	secDecode(t, r, &v)
	if strings.Contains(r.body, "PRIVATE KEY") || !v.TLS.HasClientKey || v.Port == 514 {
		t.Fatalf("create answer shows the key or lost it: %s", r.body)
	}
	id := "/api/v1/forwarding-criteria/" + strconv.FormatInt(v.ID, 10)
	body, _ = json.Marshal(map[string]any{"name": "tls-siem", "host": "127.0.0.2", "protocol": "tls", "enabled": false,
		"tls": map[string]any{"client_cert_pem": certPEM, "server_name": "siem.example"}})
	r = c.do(t, "PUT", id, string(body))
	if r.status != http.StatusOK {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	secDecode(t, r, &v)
	if !v.TLS.HasClientKey || v.Host != "127.0.0.2" || v.Port != forward.DefaultPort || v.Enabled {
		t.Fatalf("after update: %+v", v)
	}
	if r := c.get(t, id); strings.Contains(r.body, "PRIVATE KEY") {
		t.Fatalf("GET shows the key: %s", r.body)
	}
	if r := c.do(t, "POST", id+"/replay", `{"from_id": 1, "from_time": "2026-01-01T00:00:00Z"}`); r.status != http.StatusBadRequest {
		t.Errorf("replay with both from_id and from_time: %d", r.status)
	}
	if r := c.do(t, "POST", id+"/replay", `{"from_time": "2000-01-01T00:00:00Z"}`); r.status != http.StatusOK || !strings.Contains(r.body, `"last_delivered_id":0`) {
		t.Errorf("replay from 2000: %d %s", r.status, r.body)
	}
	if r := c.do(t, "DELETE", id, ""); r.status != http.StatusOK {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	for _, task := range []string{"Add Forwarding Criterion", "Modify Forwarding Criterion", "Replay Forwarding Criterion", "Delete Forwarding Criterion"} {
		logs := e.logs(t, task)
		if len(logs) != 1 {
			t.Errorf("%d %q entries, want 1", len(logs), task)
			continue
		}
		en := logs[0]
		if strings.Contains(en.AffectedObjectDetail, "PRIVATE KEY") || strings.Contains(en.AffectedObjectDetail, "CERTIFICATE") {
			t.Errorf("%s records a certificate or key: %s", task, en.AffectedObjectDetail)
		}
		if en.UserName != "test-admin" || en.Application != "Logbook" {
			t.Errorf("%s recorded as %s/%s", task, en.UserName, en.Application)
		}
	}
	if d := e.logs(t, "Modify Forwarding Criterion"); len(d) == 1 && !strings.Contains(d[0].AffectedObjectDetail, `"host":"127.0.0.2"`) {
		t.Errorf("modify entry lacks before/after: %s", d[0].AffectedObjectDetail)
	}
}

// failingCriterion adds a criterion forwarding Global to a loopback port
// nothing listens on and waits until its forwarder has failed; it returns
// the criterion and the address it points at.
func failingCriterion(t *testing.T, e *secEnv, name string) (forward.View, string) {
	t.Helper()
	port := closedPort(t)
	admin := e.tokenClient(e.f.AdminToken)
	r := admin.do(t, "POST", "/api/v1/forwarding-criteria", criterionJSON(name, port))
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var v forward.View
	secDecode(t, r, &v)
	e.seed(audit.Entry{UserName: "alice"})
	id := "/api/v1/forwarding-criteria/" + strconv.FormatInt(v.ID, 10)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		secDecode(t, admin.get(t, id), &v)
		if v.Failing() {
			return v, "127.0.0.1:" + strconv.Itoa(port)
		}
	}
	t.Fatalf("the criterion never failed: %+v", v)
	return v, ""
}

// fastForwarding makes forwarders try (and fail) within a test's patience.
func fastForwarding(o *server.Options) {
	o.Forward.IntervalFunc = func() time.Duration { return 100 * time.Millisecond }
	o.Forward.Poll = 100 * time.Millisecond
}

// TestReadyzAndMetricsShowFailingDestination points a criterion at a
// port nothing listens on: /readyz stays 200 and names it failing to the
// administrators of its domains, and nothing more than "ready" to anyone
// else; /metrics shows it by id, without its name, receiver or error.
func TestReadyzAndMetricsShowFailingDestination(t *testing.T) {
	e := newSecEnv(t, fastForwarding)
	e.addDomain("Global/EMEA", false)
	e.addUser("ready-auditor", []string{string(access.RoleAuditLogAdmin)}, "Global")
	e.addUser("ready-emea", []string{string(access.RoleAuditLogAdmin)}, "Global/EMEA")
	e.addUser("ready-users", []string{string(access.RoleUserAdmin)}, "Global")
	reader := e.addToken("ready-reader", []string{string(access.ScopeRead)}, "Global")
	v, addr := failingCriterion(t, e, "down-siem")
	secrets := []string{"down-siem", addr, "127.0.0.1", "connection refused", "error", "forwarding", "backlog"}

	for _, c := range []struct {
		name   string
		client *secClient
		detail bool
	}{
		{"anonymous", e.client(), false},
		{"a User Administrator", e.login(t, "ready-users", secPassword), false},
		{"a read token", e.tokenClient(reader.Secret), false},
		{"an Audit Log Administrator of Global/EMEA", e.login(t, "ready-emea", secPassword), false},
		{"an Audit Log Administrator of Global", e.login(t, "ready-auditor", secPassword), true},
		{"an admin token", e.tokenClient(e.f.AdminToken), true},
	} {
		r := c.client.get(t, "/readyz")
		if r.status != http.StatusOK || !strings.HasPrefix(r.body, "ready\n") {
			t.Errorf("readyz for %s = %d:\n%s", c.name, r.status, r.body)
			continue
		}
		if !c.detail {
			if r.body != "ready\n" {
				t.Errorf("readyz for %s says more than ready:\n%s", c.name, r.body)
			}
			for _, s := range secrets {
				if strings.Contains(r.body, s) {
					t.Errorf("readyz for %s shows %q", c.name, s)
				}
			}
			continue
		}
		for _, want := range []string{`forwarding "down-siem": failing since`, addr, "connection refused"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("readyz for %s lacks %q:\n%s", c.name, want, r.body)
			}
		}
	}

	// The httptest server is on loopback: /metrics answers without
	// credentials there, but not through a proxy without a token.
	m := e.client().get(t, "/metrics")
	if m.status != http.StatusOK {
		t.Fatalf("metrics on loopback: %d", m.status)
	}
	id := strconv.FormatInt(v.ID, 10)
	for _, name := range []string{
		"logbook_ingest_entries_total", "logbook_ingest_batch_entries_bucket", "logbook_ingest_commit_seconds_bucket",
		`logbook_http_request_seconds_bucket{code="201",route="POST /api/v1/forwarding-criteria"`,
		`logbook_forwarding_backlog_entries{criterion="` + id + `"} `, `logbook_forwarding_failing{criterion="` + id + `"} 1`,
		`logbook_forwarding_last_error_timestamp_seconds{criterion="` + id + `"}`, `logbook_jobs{state="SCHEDULED"} 0`,
	} {
		if !strings.Contains(m.body, name) {
			t.Errorf("metrics lack %s", name)
		}
	}
	for _, s := range []string{"down-siem", addr, "127.0.0.1", "connection refused"} {
		if strings.Contains(m.body, s) {
			t.Errorf("metrics show %q", s)
		}
	}
	if r := e.client().do(t, "GET", "/metrics", "", "X-Forwarded-For", "203.0.113.9"); r.status != http.StatusUnauthorized {
		t.Errorf("metrics through a proxy without a token: %d", r.status)
	}
	if r := e.tokenClient(reader.Secret).do(t, "GET", "/metrics", "", "X-Forwarded-For", "203.0.113.9"); r.status != http.StatusOK {
		t.Errorf("metrics with a read token: %d", r.status)
	}
}

// TestPublicMetricsShowNoSecrets opens /metrics to everyone and checks
// that a stranger behind a proxy learns of a failing criterion only its
// id and numbers.
func TestPublicMetricsShowNoSecrets(t *testing.T) {
	e := newSecEnv(t, func(o *server.Options) { fastForwarding(o); o.MetricsPublic = true })
	v, addr := failingCriterion(t, e, "secret-siem")
	r := e.client().do(t, "GET", "/metrics", "", "X-Forwarded-For", "203.0.113.9")
	if r.status != http.StatusOK || !strings.Contains(r.body, `logbook_forwarding_failing{criterion="`+strconv.FormatInt(v.ID, 10)+`"} 1`) {
		t.Fatalf("public metrics = %d:\n%s", r.status, r.body)
	}
	for _, s := range []string{"secret-siem", addr, "127.0.0.1", "connection refused", "test-admin", secPassword} {
		if strings.Contains(r.body, s) {
			t.Errorf("public metrics show %q", s)
		}
	}
	if r := e.client().do(t, "GET", "/readyz", "", "X-Forwarded-For", "203.0.113.9"); r.body != "ready\n" {
		t.Errorf("readyz for a stranger with --metrics-public: %q", r.body)
	}
}

// testClientCert returns a self-signed client certificate and its key.
func testClientCert(t *testing.T) (string, string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "logbook"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := x509.MarshalECPrivateKey(key)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}))
}

// TestForwardingPage renders the admin page with a criterion whose name
// needs escaping, adds one through the form, refuses a bad one naming
// the field, replays and deletes, and refuses other roles.
func TestForwardingPage(t *testing.T) {
	e := newSecEnv(t, nil)
	e.addUser("auditadmin", []string{string(access.RoleAuditLogAdmin)}, "Global")
	e.addUser("useradmin", []string{string(access.RoleUserAdmin)}, "Global")
	c := e.login(t, "auditadmin", secPassword)
	port := strconv.Itoa(closedPort(t))
	r := c.do(t, "POST", "/admin/forwarding", "name=%3Cscript%3Ex&host=127.0.0.1&port="+port+"&protocol=tcp&format=cef&enabled=on&filter=result%3AFailure")
	if r.status != http.StatusSeeOther {
		t.Fatalf("add: %d %s", r.status, r.body)
	}
	page := c.get(t, "/admin/forwarding")
	if page.status != http.StatusOK || strings.Contains(page.body, "<script>x") || !strings.Contains(page.body, "&lt;script&gt;x") ||
		!strings.Contains(page.body, "tcp://127.0.0.1:"+port) || !strings.Contains(page.body, `href="/admin/forwarding" aria-current="page"`) {
		t.Fatalf("page: %d\n%s", page.status, page.body)
	}
	if strings.Contains(page.body, "style=") || strings.Contains(page.body, "<script>") {
		t.Fatal("inline style or script on the page")
	}
	r = c.do(t, "POST", "/admin/forwarding", "name=bad&host=127.0.0.1&port=99999&protocol=tcp&format=cef")
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "port: must be from 1 to 65535") || !strings.Contains(r.body, `value="bad"`) {
		t.Fatalf("bad port: %d\n%s", r.status, r.body)
	}
	var list struct {
		Criteria []forward.View `json:"forwarding_criteria"`
	}
	secDecode(t, e.tokenClient(e.f.AdminToken).get(t, "/api/v1/forwarding-criteria"), &list)
	if len(list.Criteria) != 1 || list.Criteria[0].Filter != "result:Failure" {
		t.Fatalf("stored: %+v", list.Criteria)
	}
	id := strconv.FormatInt(list.Criteria[0].ID, 10)
	if r := c.get(t, "/admin/forwarding?edit="+id); r.status != http.StatusOK || !strings.Contains(r.body, `name="id" value="`+id+`"`) {
		t.Fatalf("edit form: %d", r.status)
	}
	if r := c.do(t, "POST", "/admin/forwarding/"+id+"/replay", "from_id=1"); r.status != http.StatusSeeOther {
		t.Fatalf("replay: %d %s", r.status, r.body)
	}
	if r := c.do(t, "POST", "/admin/forwarding/"+id+"/delete", "x=1"); r.status != http.StatusSeeOther {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r := e.login(t, "useradmin", secPassword).get(t, "/admin/forwarding"); r.status != http.StatusForbidden {
		t.Fatalf("user admin: %d", r.status)
	}
}
