package forward

import (
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/forward/ceftest"
)

func tricky() audit.Entry {
	return audit.Entry{ID: 589827, Timestamp: time.Date(2026, 11, 25, 22, 31, 34, 123456000, time.UTC),
		UserName: "super", UserIP: "172.16.100.2", Domain: "Global/EMEA", Application: "Network Management Platform",
		Workspace: "Devices", Task: "Apply|CLI\\Configlet", Result: audit.ResultFailure, JobID: 360448,
		Description: "a=b | c\\d\nnext line\r", Source: "token:nmp", Hash: "abc123",
		AffectedObjects: []audit.Object{{Type: "Device", Name: "mx960-1"}, {Type: "Configlet", Name: "ntp=servers"}}}
}

// TestCEFGolden pins the exact message and its escaping: | and \ in the
// header, = and \ and line breaks in extensions.
func TestCEFGolden(t *testing.T) {
	e := tricky()
	got := string(Formatter{Hostname: "logbook-1", Version: "1.2"}.Message(FormatCEF, &e))
	want := `<108>1 2026-11-25T22:31:34.123456Z logbook-1 logbook - audit - CEF:0|Logbook|Logbook|1.2|Apply\|CLI\\Configlet|a=b \| c\\d next line |7|` +
		`rt=1795645894123 externalId=589827 suser=super src=172.16.100.2 act=Apply|CLI\\Configlet outcome=Failure ` +
		`msg=a\=b | c\\d\nnext line\r cs1Label=Domain cs1=Global/EMEA cs2Label=Application cs2=Network Management Platform ` +
		`cs3Label=Workspace cs3=Devices cs4Label=Affected Objects cs4=Device:mx960-1,Configlet:ntp\=servers ` +
		`cs5Label=Source cs5=token:nmp cs6Label=Hash cs6=abc123 cn1Label=Job ID cn1=360448`
	if got != want {
		t.Fatalf("CEF message:\n got %s\nwant %s", got, want)
	}
	c, err := ceftest.ParseCEF(got[len("<108>1 2026-11-25T22:31:34.123456Z logbook-1 logbook - audit - "):])
	if err != nil {
		t.Fatal(err)
	}
	if c.SignatureID != e.Task || c.Extensions["msg"] != e.Description || c.Extensions["cs4"] != "Device:mx960-1,Configlet:ntp=servers" ||
		c.Severity != "7" || c.Name != "a=b | c\\d next line " {
		t.Fatalf("parsed back: %+v", c)
	}
}

// TestRFC5424Golden pins the RFC 5424 format: SD-PARAM escaping of " \ ]
// and the entry as JSON in MSG.
func TestRFC5424Golden(t *testing.T) {
	e := tricky()
	e.UserName, e.Result, e.AffectedObjects, e.Description = `a"b]c\d`, audit.ResultSuccess, nil, "x"
	got := string(Formatter{}.Message(FormatRFC5424, &e))
	want := `<110>1 2026-11-25T22:31:34.123456Z - logbook - audit [logbook@32473 id="589827" domain="Global/EMEA" user="a\"b\]c\\d" task="Apply|CLI\\Configlet" result="Success"] ` +
		`{"id":589827,"timestamp":"2026-11-25T22:31:34.123456Z","recorded_at":"","user_name":"a\"b]c\\d","user_ip":"172.16.100.2","domain":"Global/EMEA","application":"Network Management Platform","workspace":"Devices","task":"Apply|CLI\\Configlet","result":"Success","job_id":360448,"description":"x","affected_objects":[],"affected_object_detail":"","has_config_change":false,"source":"token:nmp","prev_hash":"","hash":"abc123"}`
	if got != want {
		t.Fatalf("RFC 5424 message:\n got %s\nwant %s", got, want)
	}
}

func TestCEFIPv6AndBounds(t *testing.T) {
	e := tricky()
	e.UserIP = "2001:db8::1"
	for i := 0; i < 100; i++ {
		e.AffectedObjects = append(e.AffectedObjects, audit.Object{Type: "Device", Name: "a-rather-long-device-name-for-the-bound"})
	}
	e.Description = string(make([]byte, 0)) + "é" + string(repeat('x', 600))
	m := string(Formatter{}.Message(FormatCEF, &e))
	c, err := ceftest.ParseCEF(m[len("<108>1 2026-11-25T22:31:34.123456Z - logbook - audit - "):])
	if err != nil {
		t.Fatal(err)
	}
	if c.Extensions["c6a2"] != "2001:db8::1" || c.Extensions["src"] != "" {
		t.Errorf("IPv6: c6a2 %q src %q", c.Extensions["c6a2"], c.Extensions["src"])
	}
	if len(c.Name) > maxCEFName || len(c.Extensions["cs4"]) > maxCEFObjects+30 || c.Extensions["msg"] != e.Description {
		t.Errorf("bounds: name %d, cs4 %d", len(c.Name), len(c.Extensions["cs4"]))
	}
}

func repeat(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

func TestParseCEFRefuses(t *testing.T) {
	for _, s := range []string{"", "CEF:1|a|b|c|d|e|f|", "CEF:0|a|b|c|d|e|", "CEF:0|a|b|c|d|e|f|k=v=w", "CEF:0|a|b|c|d|e|f|k=a\nb", "CEF:0|a\\x|b|c|d|e|f|"} {
		if _, err := ceftest.ParseCEF(s); err == nil {
			t.Errorf("ceftest.ParseCEF(%q) accepted", s)
		}
	}
}
