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
	"github.com/logbookhq/logbook/internal/server/servertest"
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
	e := servertest.NewEnv(t, nil)
	e.AddDomain("Global/EMEA", false)
	e.AddUser("auditadmin", []string{string(access.RoleAuditLogAdmin)}, "Global")
	e.AddUser("emeaaudit", []string{string(access.RoleAuditLogAdmin)}, "Global/EMEA")
	e.AddUser("useradmin", []string{string(access.RoleUserAdmin)}, "Global")
	e.AddUser("jobs", []string{string(access.RoleJobAdmin)}, "Global")
	e.AddToken("reader", []string{string(access.ScopeRead)}, "Global")
	admin := e.AddToken("admintoken", []string{string(access.ScopeAdmin)}, "Global")
	port := closedPort(t)

	var refusals []servertest.Scenario
	for _, c := range []struct {
		name string
		who  servertest.Identity
		want int
	}{
		{"anonymous", servertest.Anonymous(), http.StatusUnauthorized},
		{"user admin", servertest.User("useradmin"), http.StatusForbidden},
		{"job admin", servertest.User("jobs"), http.StatusForbidden},
		{"read token", servertest.Token("reader"), http.StatusForbidden},
	} {
		for _, req := range []struct{ method, path, body string }{
			{"POST", "/api/v1/forwarding-criteria", criterionJSON("x", port)},
			{"GET", "/api/v1/forwarding-criteria", ""},
			{"GET", "/api/v1/forwarding-criteria/1", ""},
			{"PUT", "/api/v1/forwarding-criteria/1", criterionJSON("x", port)},
			{"DELETE", "/api/v1/forwarding-criteria/1", ""},
			{"POST", "/api/v1/forwarding-criteria/1/replay", `{"from_id": 1}`},
		} {
			refusals = append(refusals, servertest.Scenario{Name: c.name + ": " + req.method + " " + req.path, Method: req.method,
				URL: req.path, Body: req.body, Identity: c.who, ExpectedStatus: c.want})
		}
	}
	servertest.Run(t, e, refusals)

	global := e.Login(t, "auditadmin", servertest.Password)
	r := global.Do(t, "POST", "/api/v1/forwarding-criteria", criterionJSON("global-siem", port))
	if r.Status != http.StatusCreated {
		t.Fatalf("audit log admin create: %d %s", r.Status, r.Body)
	}
	var g forward.View
	r.Decode(t, &g)
	emea := e.Login(t, "emeaaudit", servertest.Password)
	r = emea.Do(t, "POST", "/api/v1/forwarding-criteria", criterionJSON("emea-siem", port))
	if r.Status != http.StatusCreated {
		t.Fatalf("EMEA audit log admin create: %d %s", r.Status, r.Body)
	}
	var em forward.View
	r.Decode(t, &em)
	if strings.Join(em.Domains, ",") != "Global/EMEA" || strings.Join(g.Domains, ",") != "Global" {
		t.Errorf("domains: global %v, emea %v", g.Domains, em.Domains)
	}
	names := func(c *servertest.Client) string {
		var out struct {
			Criteria []forward.View `json:"forwarding_criteria"`
		}
		c.Get(t, "/api/v1/forwarding-criteria").Decode(t, &out)
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
	if got := names(e.TokenClient(admin.Secret)); got != "global-siem,emea-siem" {
		t.Errorf("admin token sees %q", got)
	}
	gid := "/api/v1/forwarding-criteria/" + strconv.FormatInt(g.ID, 10)
	var hidden []servertest.Scenario
	for _, req := range []struct{ method, path, body string }{
		{"GET", gid, ""}, {"PUT", gid, criterionJSON("taken-over", port)}, {"DELETE", gid, ""},
		{"POST", gid + "/replay", `{"from_id": 1}`},
	} {
		hidden = append(hidden, servertest.Scenario{Name: "EMEA admin " + req.method + " " + req.path, Method: req.method, URL: req.path,
			Body: req.body, Identity: servertest.As(emea), ExpectedStatus: http.StatusNotFound, NotExpectedContent: []string{"global-siem"}})
	}
	servertest.Run(t, e, hidden)
	if r := global.Get(t, gid); r.Status != http.StatusOK || !strings.Contains(r.Body, `"global-siem"`) {
		t.Errorf("criterion changed by a refused request: %d %s", r.Status, r.Body)
	}
}

// TestForwardingValidation sends a criterion with every field wrong and
// checks that each is named and nothing is stored; then that secrets stay
// out of answers and of the audit log.
func TestForwardingValidation(t *testing.T) {
	e := servertest.NewEnv(t, nil)
	c := e.TokenClient(e.AdminToken)
	long := strings.Repeat("a", 129)
	r := c.Do(t, "POST", "/api/v1/forwarding-criteria", `{"name": "`+long+`", "description": "two\nlines", "host": "bad host!",
		"port": 70000, "protocol": "smtp", "format": "xml", "filter": "user:", "tls": {"ca_pem": "not a pem", "client_key_pem": "key"}}`)
	if r.Status != http.StatusBadRequest {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var answer struct {
		Error  string
		Fields []struct{ Field, Reason string }
	}
	r.Decode(t, &answer)
	got := map[string]bool{}
	for _, f := range answer.Fields {
		got[f.Field] = true
	}
	for _, f := range []string{"name", "description", "host", "port", "protocol", "format", "filter", "tls", "tls.ca_pem", "tls.client_cert_pem"} {
		if !got[f] {
			t.Errorf("field %s not named; answer: %s", f, r.Body)
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
		if r := c.Do(t, "POST", "/api/v1/forwarding-criteria", body); r.Status != http.StatusBadRequest {
			t.Errorf("%.80s: status %d, want 400", body, r.Status)
		}
	}
	if list := c.Get(t, "/api/v1/forwarding-criteria"); !strings.Contains(list.Body, `"forwarding_criteria":[]`) {
		t.Fatalf("a refused criterion was stored: %s", list.Body)
	}
	if n := len(e.Logs(t, "Add Forwarding Criterion")); n != 0 {
		t.Fatalf("%d audit entries for refused criteria", n)
	}

	// A TLS criterion with a client certificate: the key is never shown
	// nor recorded, and an update that leaves it out keeps it.
	certPEM, keyPEM := testClientCert(t)
	body, _ := json.Marshal(map[string]any{"name": "tls-siem", "host": "127.0.0.1", "port": closedPort(t), "protocol": "tls",
		"tls": map[string]any{"client_cert_pem": certPEM, "client_key_pem": keyPEM, "server_name": "siem.example"}})
	r = c.Do(t, "POST", "/api/v1/forwarding-criteria", string(body))
	if r.Status != http.StatusCreated {
		t.Fatalf("create TLS criterion: %d %s", r.Status, r.Body)
	}
	var v forward.View
	r.Decode(t, &v)
	if strings.Contains(r.Body, "PRIVATE KEY") || !v.TLS.HasClientKey || v.Port == 514 {
		t.Fatalf("create answer shows the key or lost it: %s", r.Body)
	}
	id := "/api/v1/forwarding-criteria/" + strconv.FormatInt(v.ID, 10)
	body, _ = json.Marshal(map[string]any{"name": "tls-siem", "host": "127.0.0.2", "protocol": "tls", "enabled": false,
		"tls": map[string]any{"client_cert_pem": certPEM, "server_name": "siem.example"}})
	r = c.Do(t, "PUT", id, string(body))
	if r.Status != http.StatusOK {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	r.Decode(t, &v)
	if !v.TLS.HasClientKey || v.Host != "127.0.0.2" || v.Port != forward.DefaultPort || v.Enabled {
		t.Fatalf("after update: %+v", v)
	}
	if r := c.Get(t, id); strings.Contains(r.Body, "PRIVATE KEY") {
		t.Fatalf("GET shows the key: %s", r.Body)
	}
	if r := c.Do(t, "POST", id+"/replay", `{"from_id": 1, "from_time": "2026-01-01T00:00:00Z"}`); r.Status != http.StatusBadRequest {
		t.Errorf("replay with both from_id and from_time: %d", r.Status)
	}
	if r := c.Do(t, "POST", id+"/replay", `{"from_time": "2000-01-01T00:00:00Z"}`); r.Status != http.StatusOK || !strings.Contains(r.Body, `"last_delivered_id":0`) {
		t.Errorf("replay from 2000: %d %s", r.Status, r.Body)
	}
	if r := c.Do(t, "DELETE", id, ""); r.Status != http.StatusOK {
		t.Errorf("delete: %d %s", r.Status, r.Body)
	}
	for _, task := range []string{"Add Forwarding Criterion", "Modify Forwarding Criterion", "Replay Forwarding Criterion", "Delete Forwarding Criterion"} {
		logs := e.Logs(t, task)
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
	if d := e.Logs(t, "Modify Forwarding Criterion"); len(d) == 1 && !strings.Contains(d[0].AffectedObjectDetail, `"host":"127.0.0.2"`) {
		t.Errorf("modify entry lacks before/after: %s", d[0].AffectedObjectDetail)
	}
}

// failingCriterion adds a criterion forwarding Global to a loopback port
// nothing listens on and waits until its forwarder has failed; it returns
// the criterion and the address it points at.
func failingCriterion(t *testing.T, e *servertest.Env, name string) (forward.View, string) {
	t.Helper()
	port := closedPort(t)
	admin := e.TokenClient(e.AdminToken)
	r := admin.Do(t, "POST", "/api/v1/forwarding-criteria", criterionJSON(name, port))
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var v forward.View
	r.Decode(t, &v)
	e.Seed(audit.Entry{UserName: "alice"})
	id := "/api/v1/forwarding-criteria/" + strconv.FormatInt(v.ID, 10)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		admin.Get(t, id).Decode(t, &v)
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
	e := servertest.NewEnv(t, fastForwarding)
	e.AddDomain("Global/EMEA", false)
	e.AddUser("ready-auditor", []string{string(access.RoleAuditLogAdmin)}, "Global")
	e.AddUser("ready-emea", []string{string(access.RoleAuditLogAdmin)}, "Global/EMEA")
	e.AddUser("ready-users", []string{string(access.RoleUserAdmin)}, "Global")
	reader := e.AddToken("ready-reader", []string{string(access.ScopeRead)}, "Global")
	v, addr := failingCriterion(t, e, "down-siem")
	secrets := []string{"down-siem", addr, "127.0.0.1", "connection refused", "error", "forwarding", "backlog"}

	var readyz []servertest.Scenario
	for _, c := range []struct {
		name   string
		who    servertest.Identity
		detail bool
	}{
		{"anonymous", servertest.Anonymous(), false},
		{"a User Administrator", servertest.User("ready-users"), false},
		{"a read token", servertest.Token("ready-reader"), false},
		{"an Audit Log Administrator of Global/EMEA", servertest.User("ready-emea"), false},
		{"an Audit Log Administrator of Global", servertest.User("ready-auditor"), true},
		{"an admin token", servertest.Token(servertest.AdminTokenName), true},
	} {
		s := servertest.Scenario{Name: "readyz for " + c.name, URL: "/readyz", Identity: c.who, ExpectedStatus: http.StatusOK,
			ExpectedContent: []string{`forwarding "down-siem": failing since`, addr, "connection refused"},
			AfterFunc: func(t testing.TB, _ *servertest.Env, r servertest.Response) {
				if !strings.HasPrefix(r.Body, "ready\n") {
					t.Errorf("readyz does not begin with ready:\n%s", r.Body)
				}
			}}
		if !c.detail {
			s.ExpectedContent, s.NotExpectedContent = nil, secrets
			s.AfterFunc = func(t testing.TB, _ *servertest.Env, r servertest.Response) {
				if r.Body != "ready\n" {
					t.Errorf("readyz says more than ready:\n%s", r.Body)
				}
			}
		}
		readyz = append(readyz, s)
	}
	servertest.Run(t, e, readyz)

	// The httptest server is on loopback: /metrics answers without
	// credentials there, but not through a proxy without a token.
	m := e.Client().Get(t, "/metrics")
	if m.Status != http.StatusOK {
		t.Fatalf("metrics on loopback: %d", m.Status)
	}
	id := strconv.FormatInt(v.ID, 10)
	for _, name := range []string{
		"logbook_ingest_entries_total", "logbook_ingest_batch_entries_bucket", "logbook_ingest_commit_seconds_bucket",
		`logbook_http_request_seconds_bucket{code="201",route="POST /api/v1/forwarding-criteria"`,
		`logbook_forwarding_backlog_entries{criterion="` + id + `"} `, `logbook_forwarding_failing{criterion="` + id + `"} 1`,
		`logbook_forwarding_last_error_timestamp_seconds{criterion="` + id + `"}`, `logbook_jobs{state="SCHEDULED"} 0`,
	} {
		if !strings.Contains(m.Body, name) {
			t.Errorf("metrics lack %s", name)
		}
	}
	for _, s := range []string{"down-siem", addr, "127.0.0.1", "connection refused"} {
		if strings.Contains(m.Body, s) {
			t.Errorf("metrics show %q", s)
		}
	}
	if r := e.Client().Do(t, "GET", "/metrics", "", "X-Forwarded-For", "203.0.113.9"); r.Status != http.StatusUnauthorized {
		t.Errorf("metrics through a proxy without a token: %d", r.Status)
	}
	if r := e.TokenClient(reader.Secret).Do(t, "GET", "/metrics", "", "X-Forwarded-For", "203.0.113.9"); r.Status != http.StatusOK {
		t.Errorf("metrics with a read token: %d", r.Status)
	}
}

// TestPublicMetricsShowNoSecrets opens /metrics to everyone and checks
// that a stranger behind a proxy learns of a failing criterion only its
// id and numbers.
func TestPublicMetricsShowNoSecrets(t *testing.T) {
	e := servertest.NewEnv(t, func(o *server.Options) { fastForwarding(o); o.MetricsPublic = true })
	v, addr := failingCriterion(t, e, "secret-siem")
	r := e.Client().Do(t, "GET", "/metrics", "", "X-Forwarded-For", "203.0.113.9")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `logbook_forwarding_failing{criterion="`+strconv.FormatInt(v.ID, 10)+`"} 1`) {
		t.Fatalf("public metrics = %d:\n%s", r.Status, r.Body)
	}
	for _, s := range []string{"secret-siem", addr, "127.0.0.1", "connection refused", "test-admin", servertest.Password} {
		if strings.Contains(r.Body, s) {
			t.Errorf("public metrics show %q", s)
		}
	}
	if r := e.Client().Do(t, "GET", "/readyz", "", "X-Forwarded-For", "203.0.113.9"); r.Body != "ready\n" {
		t.Errorf("readyz for a stranger with --metrics-public: %q", r.Body)
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
	e := servertest.NewEnv(t, nil)
	e.AddUser("auditadmin", []string{string(access.RoleAuditLogAdmin)}, "Global")
	e.AddUser("useradmin", []string{string(access.RoleUserAdmin)}, "Global")
	c := e.Login(t, "auditadmin", servertest.Password)
	port := strconv.Itoa(closedPort(t))
	r := c.Do(t, "POST", "/admin/forwarding", "name=%3Cscript%3Ex&host=127.0.0.1&port="+port+"&protocol=tcp&format=cef&enabled=on&filter=result%3AFailure")
	if r.Status != http.StatusSeeOther {
		t.Fatalf("add: %d %s", r.Status, r.Body)
	}
	page := c.Get(t, "/admin/forwarding")
	if page.Status != http.StatusOK || strings.Contains(page.Body, "<script>x") || !strings.Contains(page.Body, "&lt;script&gt;x") ||
		!strings.Contains(page.Body, "tcp://127.0.0.1:"+port) || !strings.Contains(page.Body, `href="/admin/forwarding" aria-current="page"`) {
		t.Fatalf("page: %d\n%s", page.Status, page.Body)
	}
	if strings.Contains(page.Body, "style=") || strings.Contains(page.Body, "<script>") {
		t.Fatal("inline style or script on the page")
	}
	r = c.Do(t, "POST", "/admin/forwarding", "name=bad&host=127.0.0.1&port=99999&protocol=tcp&format=cef")
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "port: must be from 1 to 65535") || !strings.Contains(r.Body, `value="bad"`) {
		t.Fatalf("bad port: %d\n%s", r.Status, r.Body)
	}
	var list struct {
		Criteria []forward.View `json:"forwarding_criteria"`
	}
	e.TokenClient(e.AdminToken).Get(t, "/api/v1/forwarding-criteria").Decode(t, &list)
	if len(list.Criteria) != 1 || list.Criteria[0].Filter != "result:Failure" {
		t.Fatalf("stored: %+v", list.Criteria)
	}
	id := strconv.FormatInt(list.Criteria[0].ID, 10)
	if r := c.Get(t, "/admin/forwarding?edit="+id); r.Status != http.StatusOK || !strings.Contains(r.Body, `name="id" value="`+id+`"`) {
		t.Fatalf("edit form: %d", r.Status)
	}
	if r := c.Do(t, "POST", "/admin/forwarding/"+id+"/replay", "from_id=1"); r.Status != http.StatusSeeOther {
		t.Fatalf("replay: %d %s", r.Status, r.Body)
	}
	if r := c.Do(t, "POST", "/admin/forwarding/"+id+"/delete", "x=1"); r.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r := e.Login(t, "useradmin", servertest.Password).Get(t, "/admin/forwarding"); r.Status != http.StatusForbidden {
		t.Fatalf("user admin: %d", r.Status)
	}
}
