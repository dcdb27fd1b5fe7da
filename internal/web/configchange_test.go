package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/logbookhq/logbook/internal/audit"
)

func TestConfigurationDetails(t *testing.T) {
	f := newFixture(t, 0)
	before := "system {\n    host-name r1;\n    ntp {\n        server 10.0.0.1;\n    }\n}\n"
	after := strings.Replace(before, "10.0.0.1", "10.0.0.2", 1)
	cs := []audit.ConfigChange{{Device: "r1", Format: "text", Before: before, After: after},
		{Device: "r2<script>", Format: "set", Before: "", After: "set system host-name r2\n"}}
	ids := f.submit(t,
		audit.Entry{UserName: "ann", Application: "REST", Task: "Apply CLI Configlet", Result: audit.ResultSuccess,
			ConfigChanges: cs, HasConfigChange: true, ConfigDigest: audit.ConfigDigest(cs)},
		audit.Entry{UserName: "bob", Application: "REST", Task: "Login", Result: audit.ResultSuccess})
	id := strconv.FormatInt(ids[0], 10)

	status, body, _ := get(t, f.url+"/audit-logs/"+id+"/config-change")
	if status != 200 {
		t.Fatalf("page: %d", status)
	}
	for _, want := range []string{`data-added="1"`, `data-removed="1"`, "<mark>10.0.0.2</mark>", "<mark>10.0.0.1</mark>",
		`href="/audit-logs/` + id + `/config-change/0/diff"`, "r2&lt;script&gt;", `data-added="1"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "r2<script>") {
		t.Error("a device name is not escaped")
	}
	// Downloads.
	for what, want := range map[string]string{"before": before, "after": after} {
		resp, err := http.Get(f.url + "/audit-logs/" + id + "/config-change/0/" + what)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		resp.Body.Close()
		if b.String() != want || !strings.Contains(resp.Header.Get("Content-Disposition"), `attachment; filename="r1-`+id+`-`+what+`.conf"`) {
			t.Errorf("%s download: %q (%s)", what, b.String(), resp.Header.Get("Content-Disposition"))
		}
	}
	_, diff, hdr := get(t, f.url+"/audit-logs/"+id+"/config-change/0/diff")
	if !strings.Contains(diff, "-        server 10.0.0.1;\n+        server 10.0.0.2;") || !strings.Contains(hdr.Get("Content-Disposition"), ".diff") {
		t.Errorf(".diff download:\n%s", diff)
	}
	for _, path := range []string{"/config-change/2/diff", "/config-change/0/secrets", "/config-change/x/diff"} {
		if status, _, _ := get(t, f.url+"/audit-logs/"+id+path); status != 404 {
			t.Errorf("%s answered %d", path, status)
		}
	}
	if status, _, _ := get(t, f.url+"/audit-logs/"+strconv.FormatInt(ids[1], 10)+"/config-change"); status != 404 {
		t.Errorf("an entry without a change answered %d", status)
	}
	// The API.
	status, body, _ = get(t, f.url+"/api/v1/audit-logs/"+id+"/config-change")
	var out struct {
		Changes []struct {
			Device, Unified string
			Stats           struct{ Added, Removed int }
		}
	}
	if err := json.Unmarshal([]byte(body), &out); status != 200 || err != nil || len(out.Changes) != 2 {
		t.Fatalf("API: %d %v %s", status, err, body)
	}
	if c := out.Changes[0]; c.Stats.Added != 1 || c.Stats.Removed != 1 || !strings.HasPrefix(c.Unified, "--- a/r1\n+++ b/r1\n") {
		t.Errorf("API change: %+v", c)
	}
	if status, _, _ := get(t, f.url+"/api/v1/audit-logs/"+strconv.FormatInt(ids[1], 10)+"/config-change"); status != 404 {
		t.Errorf("API, entry without a change: %d", status)
	}
}

// BenchmarkConfigPage1MiB renders the Configuration Details page of two
// 1 MiB configurations that differ in 1% of their lines, through HTTP:
// reading, checking the digest, diffing and rendering.
func BenchmarkConfigPage1MiB(b *testing.B) {
	f := newFixture(b, 0)
	var before, after strings.Builder
	for i := 0; before.Len() < 1<<20; i++ {
		line := "    interfaces ge-0/0/" + strconv.Itoa(i%48) + " unit " + strconv.Itoa(i) + " family inet address 10." + strconv.Itoa(i%250) + ".0.1/30;\n"
		before.WriteString(line)
		if i%100 == 7 {
			line = strings.Replace(line, "/30", "/31", 1)
		}
		after.WriteString(line)
	}
	cs := []audit.ConfigChange{{Device: "mx960-1", Format: "text", Before: before.String(), After: after.String()}}
	ids := f.submit(b, audit.Entry{UserName: "ann", Application: "REST", Task: "Deploy Device Configuration", Result: audit.ResultSuccess,
		ConfigChanges: cs, HasConfigChange: true, ConfigDigest: audit.ConfigDigest(cs)})
	url := f.url + "/audit-logs/" + strconv.FormatInt(ids[0], 10) + "/config-change"
	for b.Loop() {
		resp, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatal(resp.Status)
		}
		b.ReportMetric(float64(n), "bytes/page")
	}
}
