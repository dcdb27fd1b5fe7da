package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/archive"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/server"
	"github.com/logbookhq/logbook/internal/server/servertest"
	"github.com/logbookhq/logbook/internal/store"
)

func newLifecycleEnv(t *testing.T) *servertest.Env {
	dir := t.TempDir()
	return servertest.NewEnv(t, func(o *server.Options) { o.ArchiveDir = dir })
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestArchivePurgeAPI: a purge runs as a job through the API, within the
// caller's domain only; another domain answers 403 and nothing happens.
func TestArchivePurgeAPI(t *testing.T) {
	e := newLifecycleEnv(t)
	e.AddDomain("Global/EMEA", false)
	e.AddDomain("Global/APAC", false)
	e.AddUser("emea-auditor", []string{"audit-log-admin"}, "Global/EMEA")
	old := time.Now().UTC().AddDate(0, 0, -10)
	var ids []int64
	for _, d := range []string{"Global/EMEA", "Global/APAC", "Global/EMEA", "Global/APAC"} {
		ids = append(ids, e.Seed(audit.Entry{UserName: "u", Domain: d, Timestamp: old})...)
	}
	c := e.Login(t, "emea-auditor", servertest.Password)

	r := c.Do(t, http.MethodPost, "/api/v1/archive-purge", `{"domain":"Global/APAC","older_than_days":1}`)
	if r.Status != http.StatusForbidden {
		t.Fatalf("purge of another domain: %d %s, want 403", r.Status, r.Body)
	}
	r = c.Do(t, http.MethodPost, "/api/v1/archive-purge", `{"older_than_days":0,"format":"xml"}`)
	if got := strings.Join(r.Fields(t), ","); r.Status != http.StatusBadRequest || got != "older_than_days,format" {
		t.Fatalf("bad request: %d, fields %s", r.Status, got)
	}
	if page, _ := e.Store.ListJobs(e.Ctx, store.AllDomains, store.JobQuery{Limit: 10}); len(page.Jobs) != 0 {
		t.Fatalf("refused purges created jobs: %+v", page.Jobs)
	}

	r = c.Do(t, http.MethodPost, "/api/v1/archive-purge", `{"older_than_days":1,"format":"ndjson"}`)
	var acc struct {
		JobID int64 `json:"job_id"`
	}
	if r.Status != http.StatusAccepted {
		t.Fatalf("purge: %d %s, want 202", r.Status, r.Body)
	}
	r.Decode(t, &acc)
	var j store.Job
	waitFor(t, "the purge job to end", func() bool {
		j, _ = e.Store.GetJob(e.Ctx, store.AllDomains, acc.JobID)
		return j.State == store.JobSuccess || j.State == store.JobFailure
	})
	if j.State != store.JobSuccess || j.Owner != "emea-auditor" {
		t.Fatalf("job = %+v", j)
	}
	for i, id := range ids {
		_, err := e.Store.Get(e.Ctx, store.AllDomains, id)
		if gone := err != nil; gone != (i%2 == 0) {
			t.Fatalf("entry %d: gone = %v; only the EMEA entries may go", id, gone)
		}
	}
	if _, _, err := store.VerifyChain(e.Ctx, e.Store); err != nil {
		t.Fatal(err)
	}
	r = c.Get(t, fmt.Sprintf("/api/v1/jobs/%d", acc.JobID))
	var view struct {
		Params archive.Params `json:"params"`
	}
	r.Decode(t, &view)
	if view.Params.OlderThanDays != 1 || view.Params.Format != "ndjson" || len(view.Params.Domains) != 1 || view.Params.Domains[0] != "Global/EMEA" {
		t.Fatalf("job params in the API: %+v", view.Params)
	}
	r = c.Get(t, "/api/v1/archive-purge")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `"count":2`) {
		t.Fatalf("purge list: %d %s", r.Status, r.Body)
	}
	if got := e.Logs(t, "Archive and Purge Audit Logs"); len(got) != 2 || got[0].UserName != "emea-auditor" || got[1].UserName != "emea-auditor" { // begin and end
		t.Fatalf("purge audit entries: %+v", got)
	}
	// Parameters come only through the API of the job's kind: a Job
	// Administrator cannot hand an archive-purge job a scope of their own.
	r = e.TokenClient(e.AdminToken).Do(t, http.MethodPost, "/api/v1/jobs", `{"name":"x","job_type":"y","handler":"archive-purge","params":{"domains":["Global"],"format":"csv"}}`)
	if got := strings.Join(r.Fields(t), ","); r.Status != http.StatusBadRequest || got != "params" {
		t.Fatalf("params through POST /api/v1/jobs: %d %s", r.Status, r.Body)
	}
	// The page lists the purge and links to its job.
	if r := c.Get(t, "/admin/archive-purge"); r.Status != http.StatusOK || !strings.Contains(r.Body, fmt.Sprintf(`href="/jobs/%d"`, acc.JobID)) {
		t.Fatalf("archive/purge page: %d", r.Status)
	}
}

// TestSettingsAPI: every bad field is named, a change is audited with
// before and after, and retention creates (and replaces) a daily job.
func TestSettingsAPI(t *testing.T) {
	e := newLifecycleEnv(t)
	e.AddDomain("Global/EMEA", false)
	e.AddUser("emea-auditor", []string{"audit-log-admin"}, "Global/EMEA")
	admin := e.TokenClient(e.AdminToken)

	r := admin.Get(t, "/api/v1/settings/audit-log")
	if r.Status != http.StatusOK || strings.TrimSpace(r.Body) != `{"record_http_get":false,"log_success":true,"forwarding_interval_seconds":5,"retention_days":0,"retention_archive":true}` {
		t.Fatalf("defaults: %d %s", r.Status, r.Body)
	}
	r = admin.Do(t, http.MethodPut, "/api/v1/settings/audit-log", `{"forwarding_interval_seconds":0,"retention_days":-1,"log_success":false}`)
	if got := strings.Join(r.Fields(t), ","); r.Status != http.StatusBadRequest || got != "forwarding_interval_seconds,retention_days" {
		t.Fatalf("bad settings: %d %s", r.Status, r.Body)
	}
	r = admin.Do(t, http.MethodPut, "/api/v1/settings/audit-log", `{"forwarding_interval_seconds":3601}`)
	if got := strings.Join(r.Fields(t), ","); r.Status != http.StatusBadRequest || got != "forwarding_interval_seconds" {
		t.Fatalf("interval above 3600: %d %s", r.Status, r.Body)
	}
	r = admin.Do(t, http.MethodPut, "/api/v1/settings/audit-log", `{"retention_dayz":3}`)
	if r.Status != http.StatusBadRequest {
		t.Fatalf("unknown field: %d", r.Status)
	}
	if got := e.Logs(t, "Modify Audit Log Settings"); len(got) != 0 {
		t.Fatalf("refused changes were recorded: %+v", got)
	}
	if r := e.Login(t, "emea-auditor", servertest.Password).Do(t, http.MethodPut, "/api/v1/settings/audit-log", `{"retention_days":3}`); r.Status != http.StatusForbidden {
		t.Fatalf("a change by an administrator of Global/EMEA: %d, want 403", r.Status)
	}

	r = admin.Do(t, http.MethodPut, "/api/v1/settings/audit-log", `{"retention_days":30,"forwarding_interval_seconds":60}`)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `"retention_days":30`) {
		t.Fatalf("change: %d %s", r.Status, r.Body)
	}
	got := e.Logs(t, "Modify Audit Log Settings")
	if len(got) != 1 {
		t.Fatalf("%d change entries, want 1", len(got))
	}
	var detail struct {
		Before, After  map[string]any
		RetentionJobID int64 `json:"retention_job_id"`
	}
	if err := json.Unmarshal([]byte(got[0].AffectedObjectDetail), &detail); err != nil {
		t.Fatal(err)
	}
	if detail.Before["retention_days"] != 0.0 || detail.After["retention_days"] != 30.0 || detail.After["forwarding_interval_seconds"] != 60.0 ||
		!strings.Contains(got[0].Description, `"retention_days":0`) || !strings.Contains(got[0].Description, `"retention_days":30`) {
		t.Fatalf("change entry: %s / %s", got[0].Description, got[0].AffectedObjectDetail)
	}
	j, err := e.Store.GetJob(e.Ctx, store.AllDomains, detail.RetentionJobID)
	if err != nil || j.Handler != archive.Kind || j.State != store.JobScheduled || !strings.Contains(j.Recurrence, "FREQ=DAILY") {
		t.Fatalf("retention job: %+v, %v", j, err)
	}
	p, err := archive.ParseParams(j.Params)
	if err != nil || p.OlderThanDays != 30 || !p.Archive || !p.Retention || !p.Scope().All {
		t.Fatalf("retention params: %+v, %v", p, err)
	}
	admin.Do(t, http.MethodPut, "/api/v1/settings/audit-log", `{"retention_days":0}`)
	if j, _ := e.Store.GetJob(e.Ctx, store.AllDomains, detail.RetentionJobID); j.State != store.JobCanceled {
		t.Fatalf("the retention job after retention was turned off: %s", j.State)
	}
	if r := e.Login(t, "emea-auditor", servertest.Password).Get(t, "/admin/settings"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Only an Audit Log Administrator of the Global domain") {
		t.Fatalf("settings page: %d", r.Status)
	}
}

// TestRecordGETAndLogSuccess: with record_http_get on, an API GET becomes
// an audit entry; with log_success off, Logbook's own successes are not
// logged but its failures are.
func TestRecordGETAndLogSuccess(t *testing.T) {
	e := newLifecycleEnv(t)
	admin := e.TokenClient(e.AdminToken)
	admin.Get(t, "/api/v1/audit-logs?task=Off")
	if r := admin.Do(t, http.MethodPut, "/api/v1/settings/audit-log", `{"record_http_get":true}`); r.Status != http.StatusOK {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	admin.Get(t, "/api/v1/audit-logs?task=On")
	admin.Get(t, "/api/v1/nothing-here")
	var got []audit.Entry
	waitFor(t, "the GET records", func() bool { got = e.Logs(t, "REST GET"); return len(got) >= 2 })
	time.Sleep(100 * time.Millisecond)
	got = e.Logs(t, "REST GET")
	if len(got) != 2 || !strings.Contains(got[0].Description, "task=On") || got[0].Result != audit.ResultSuccess ||
		got[1].Result != audit.ResultFailure || got[0].UserName != "test-admin" {
		t.Fatalf("GET records: %+v", got)
	}

	admin.Do(t, http.MethodPut, "/api/v1/settings/audit-log", `{"record_http_get":false,"log_success":false}`)
	if r := admin.Do(t, http.MethodPost, "/api/v1/domains", `{"name":"Global/LAB"}`); r.Status != http.StatusCreated {
		t.Fatalf("create domain: %d %s", r.Status, r.Body)
	}
	e.Client().TryLogin(t, "nobody", "wrong")
	if got := e.Logs(t, "Add Domain"); len(got) != 0 {
		t.Fatalf("a success was logged with log_success off: %+v", got)
	}
	if got := e.Logs(t, "Login"); len(got) != 1 || got[0].Result != audit.ResultFailure {
		t.Fatalf("failed logins with log_success off: %+v", got)
	}
	if got := e.Logs(t, "Modify Audit Log Settings"); len(got) != 2 {
		t.Fatalf("changes of the settings are always recorded: %d", len(got))
	}
}
