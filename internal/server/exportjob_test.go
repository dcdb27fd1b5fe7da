package server_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/server"
	"github.com/logbookhq/logbook/internal/store"
)

// TestExportJob: an export runs as a job within the requester's domains;
// its file is downloaded by the requester only, once the job is done, and
// the export is audited.
func TestExportJob(t *testing.T) {
	dir := t.TempDir()
	e := newSecEnv(t, func(o *server.Options) { o.ExportDir = dir })
	e.addDomain("Global/EMEA", false)
	e.addDomain("Global/APAC", false)
	e.addUser("emea-auditor", []string{"audit-log-admin"}, "Global/EMEA")
	e.addUser("other-auditor", []string{"audit-log-admin"}, "Global/EMEA")
	at := time.Now().UTC().Add(-time.Hour)
	for i := range 30 {
		d := "Global/EMEA"
		if i%3 == 0 {
			d = "Global/APAC"
		}
		e.seed(audit.Entry{UserName: fmt.Sprintf("u%d", i%2), Domain: d, Timestamp: at.Add(time.Duration(i) * time.Second)})
	}
	c := e.login(t, "emea-auditor", secPassword)

	if r := c.do(t, http.MethodPost, "/api/v1/audit-logs/export-jobs?format=xml", ""); r.status != http.StatusBadRequest || !strings.Contains(r.body, `"field":"format"`) {
		t.Fatalf("bad format: %d %s", r.status, r.body)
	}
	r := c.do(t, http.MethodPost, "/api/v1/audit-logs/export-jobs?format=csv&user_name=u1", "")
	if r.status != http.StatusAccepted {
		t.Fatalf("export job: %d %s, want 202", r.status, r.body)
	}
	var acc struct {
		JobID       int64  `json:"job_id"`
		DownloadURL string `json:"download_url"`
	}
	secDecode(t, r, &acc)
	if acc.DownloadURL != fmt.Sprintf("/api/v1/jobs/%d/download", acc.JobID) {
		t.Fatalf("download_url = %q", acc.DownloadURL)
	}
	var j store.Job
	waitFor(t, "the export job to end", func() bool {
		j, _ = e.f.Store.GetJob(e.ctx, store.AllDomains, acc.JobID)
		return j.State == store.JobSuccess || j.State == store.JobFailure
	})
	if j.State != store.JobSuccess || j.Percent != 100 || !strings.Contains(j.Summary, "Exported 10 entries") {
		t.Fatalf("job = %+v", j)
	}
	r = c.get(t, acc.DownloadURL)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("download: %d %s", r.status, r.body)
	}
	rows, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// u1 has 15 entries, 10 of them in Global/EMEA: the requester's scope.
	if len(rows) != 11 {
		t.Fatalf("the file holds %d rows, want a header and 10 entries", len(rows))
	}
	for _, row := range rows[1:] {
		if row[2] != "u1" || row[4] != "Global/EMEA" {
			t.Fatalf("the file holds %q", row)
		}
	}
	if r := e.login(t, "other-auditor", secPassword).get(t, acc.DownloadURL); r.status != http.StatusNotFound {
		t.Fatalf("another user's download: %d, want 404", r.status)
	}
	if got := e.logs(t, "Export Audit Logs"); len(got) != 1 || got[0].UserName != "emea-auditor" || !strings.Contains(got[0].Description, "exported 10 audit log entries") {
		t.Fatalf("export audit entries: %+v", got)
	}
	if r := c.get(t, fmt.Sprintf("/jobs/%d", acc.JobID)); r.status != http.StatusOK || !strings.Contains(r.body, `href="`+acc.DownloadURL+`"`) {
		t.Fatalf("the job's page offers no download: %d", r.status)
	}
	// The grid's form goes on to the job's page.
	r = c.do(t, http.MethodPost, "/api/v1/audit-logs/export-jobs", "query=format%3Dndjson")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/jobs/") {
		t.Fatalf("form post: %d Location %q", r.status, r.header.Get("Location"))
	}
}
