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
	"github.com/logbookhq/logbook/internal/server/servertest"
	"github.com/logbookhq/logbook/internal/store"
)

// TestExportJob: an export runs as a job within the requester's domains;
// its file is downloaded by the requester only, once the job is done, and
// the export is audited.
func TestExportJob(t *testing.T) {
	dir := t.TempDir()
	e := servertest.NewEnv(t, func(o *server.Options) { o.ExportDir = dir })
	e.AddDomain("Global/EMEA", false)
	e.AddDomain("Global/APAC", false)
	e.AddUser("emea-auditor", []string{"audit-log-admin"}, "Global/EMEA")
	e.AddUser("other-auditor", []string{"audit-log-admin"}, "Global/EMEA")
	at := time.Now().UTC().Add(-time.Hour)
	for i := range 30 {
		d := "Global/EMEA"
		if i%3 == 0 {
			d = "Global/APAC"
		}
		e.Seed(audit.Entry{UserName: fmt.Sprintf("u%d", i%2), Domain: d, Timestamp: at.Add(time.Duration(i) * time.Second)})
	}
	c := e.Login(t, "emea-auditor", servertest.Password)

	if r := c.Do(t, http.MethodPost, "/api/v1/audit-logs/export-jobs?format=xml", ""); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `"field":"format"`) {
		t.Fatalf("bad format: %d %s", r.Status, r.Body)
	}
	r := c.Do(t, http.MethodPost, "/api/v1/audit-logs/export-jobs?format=csv&user_name=u1", "")
	if r.Status != http.StatusAccepted {
		t.Fatalf("export job: %d %s, want 202", r.Status, r.Body)
	}
	var acc struct {
		JobID       int64  `json:"job_id"`
		DownloadURL string `json:"download_url"`
	}
	r.Decode(t, &acc)
	if acc.DownloadURL != fmt.Sprintf("/api/v1/jobs/%d/download", acc.JobID) {
		t.Fatalf("download_url = %q", acc.DownloadURL)
	}
	var j store.Job
	waitFor(t, "the export job to end", func() bool {
		j, _ = e.Store.GetJob(e.Ctx, store.AllDomains, acc.JobID)
		return j.State == store.JobSuccess || j.State == store.JobFailure
	})
	if j.State != store.JobSuccess || j.Percent != 100 || !strings.Contains(j.Summary, "Exported 10 entries") {
		t.Fatalf("job = %+v", j)
	}
	r = c.Get(t, acc.DownloadURL)
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("download: %d %s", r.Status, r.Body)
	}
	rows, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
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
	if r := e.Login(t, "other-auditor", servertest.Password).Get(t, acc.DownloadURL); r.Status != http.StatusNotFound {
		t.Fatalf("another user's download: %d, want 404", r.Status)
	}
	if got := e.Logs(t, "Export Audit Logs"); len(got) != 1 || got[0].UserName != "emea-auditor" || !strings.Contains(got[0].Description, "exported 10 audit log entries") {
		t.Fatalf("export audit entries: %+v", got)
	}
	if r := c.Get(t, fmt.Sprintf("/jobs/%d", acc.JobID)); r.Status != http.StatusOK || !strings.Contains(r.Body, `href="`+acc.DownloadURL+`"`) {
		t.Fatalf("the job's page offers no download: %d", r.Status)
	}
	// The grid's form goes on to the job's page.
	r = c.Do(t, http.MethodPost, "/api/v1/audit-logs/export-jobs", "query=format%3Dndjson")
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/jobs/") {
		t.Fatalf("form post: %d Location %q", r.Status, r.Header.Get("Location"))
	}
}
