package api_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/server"
	"github.com/logbookhq/logbook/internal/server/servertest"
	"github.com/logbookhq/logbook/internal/store"
)

// jobsEnv is a server without implicit credentials: every request names
// its caller, because who asks is what most job rules are about.
type jobsEnv struct {
	f     *servertest.Fixture
	admin string // Authorization header of the fixture's admin token
}

// jobsNow is the server's clock in the job tests, so that "the coming
// runs" and "in the past" do not depend on the day the tests run.
var jobsNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func newJobsEnv(t *testing.T, domains ...string) *jobsEnv {
	t.Helper()
	opts := server.DefaultOptions()
	opts.Auth.Now = func() time.Time { return jobsNow }
	f := servertest.New(t, servertest.Options{Server: &opts})
	for _, d := range domains {
		if _, err := f.Server.Auth.CreateDomain(context.Background(), accounts.Actor{Name: "t"}, accounts.DomainView{Name: d}); err != nil {
			t.Fatalf("creating domain %s: %v", d, err)
		}
	}
	return &jobsEnv{f: f, admin: "Bearer " + f.AdminToken}
}

// token creates an API token and returns its Authorization header.
func (e *jobsEnv) token(t *testing.T, name string, scopes []string, domains ...string) string {
	t.Helper()
	tv, err := e.f.Server.Auth.CreateToken(context.Background(), accounts.Actor{Name: "t"}, access.Subject{},
		accounts.NewToken{Name: name, Scopes: scopes, Domains: domains})
	if err != nil {
		t.Fatalf("creating token %s: %v", name, err)
	}
	return "Bearer " + tv.Secret
}

// user creates a user and returns its HTTP Basic Authorization header.
func (e *jobsEnv) user(t *testing.T, name string, role access.Role, domains ...string) string {
	t.Helper()
	const pw = "correct-horse-battery-9"
	if _, err := e.f.Server.Auth.CreateUser(context.Background(), accounts.Actor{Name: "t"},
		accounts.NewUser{Name: name, Password: pw, Roles: []string{string(role)}, Domains: domains}); err != nil {
		t.Fatalf("creating user %s: %v", name, err)
	}
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth(name, pw)
	return req.Header.Get("Authorization")
}

// storeJob stores a job directly, for listings and access tests that need
// owners, states and times no API caller could set.
func (e *jobsEnv) storeJob(t *testing.T, j store.Job) store.Job {
	t.Helper()
	if j.Domain == "" {
		j.Domain = "Global"
	}
	if j.JobType == "" {
		j.JobType = "Test"
	}
	if j.ScheduledStart.IsZero() {
		j.ScheduledStart = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	j, err := e.f.Store.CreateJob(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// call sends one request as authz ("" for none) and returns the status and
// body.
func (e *jobsEnv) call(t *testing.T, authz, method, path, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.f.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	return resp.StatusCode, b
}

// must sends a request that must answer status and decodes the answer
// into v (when not nil).
func (e *jobsEnv) must(t *testing.T, authz, method, path, body string, status int, v any) []byte {
	t.Helper()
	got, b := e.call(t, authz, method, path, body)
	if got != status {
		t.Fatalf("%s %s %s: status %d, want %d; body %s", method, path, body, got, status, b)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: decoding %s: %v", method, path, b, err)
		}
	}
	return b
}

func (e *jobsEnv) create(t *testing.T, authz, body string) job.View {
	t.Helper()
	var j job.View
	e.must(t, authz, http.MethodPost, "/api/v1/jobs", body, http.StatusCreated, &j)
	return j
}

func (e *jobsEnv) getJob(t *testing.T, id int64) job.View {
	t.Helper()
	var j job.View
	e.must(t, e.admin, http.MethodGet, fmt.Sprintf("/api/v1/jobs/%d", id), "", http.StatusOK, &j)
	return j
}

type jobList struct {
	Jobs       []job.View `json:"jobs"`
	NextCursor string     `json:"next_cursor"`
	PrevCursor string     `json:"prev_cursor"`
}

func (l jobList) ids() []int64 {
	ids := []int64{}
	for _, j := range l.Jobs {
		ids = append(ids, j.ID)
	}
	return ids
}

func (e *jobsEnv) list(t *testing.T, authz, query string) jobList {
	t.Helper()
	var l jobList
	e.must(t, authz, http.MethodGet, "/api/v1/jobs?"+query, "", http.StatusOK, &l)
	return l
}

// apiError is the body of every refused request.
type apiError struct {
	Error  string `json:"error"`
	State  string `json:"state"`
	Fields []struct {
		Field  string `json:"field"`
		Reason string `json:"reason"`
	} `json:"fields"`
}

func (a apiError) fields() []string {
	var out []string
	for _, f := range a.Fields {
		out = append(out, f.Field)
	}
	slices.Sort(out)
	return out
}

// refused sends a request that must answer status and returns the error.
func (e *jobsEnv) refused(t *testing.T, authz, method, path, body string, status int) apiError {
	t.Helper()
	var a apiError
	e.must(t, authz, method, path, body, status, &a)
	if a.Error == "" {
		t.Errorf("%s %s: refusal without an error message", method, path)
	}
	return a
}

// auditEntry is the part of an audit log entry the job tests check.
type auditEntry struct {
	UserName    string `json:"user_name"`
	Domain      string `json:"domain"`
	Application string `json:"application"`
	Task        string `json:"task"`
	Result      string `json:"result"`
	JobID       int64  `json:"job_id"`
}

func (e *jobsEnv) audit(t *testing.T, query string) []auditEntry {
	t.Helper()
	var l struct {
		AuditLogs []auditEntry `json:"audit_logs"`
	}
	e.must(t, e.admin, http.MethodGet, "/api/v1/audit-logs?"+query, "", http.StatusOK, &l)
	return l.AuditLogs
}

func TestJobCreate(t *testing.T) {
	e := newJobsEnv(t, "Global/EMEA", "Global/APAC")
	app := e.token(t, "app-emea", []string{"ingest"}, "Global/EMEA")

	j := e.create(t, app, `{"name":"Backup mx960","job_type":"Backup Device","summary":"nightly","scheduled_start":"2030-05-01T22:00:00+02:00"}`)
	want := job.View{ID: j.ID, Name: "Backup mx960", JobType: "Backup Device", State: "SCHEDULED", Summary: "nightly",
		ScheduledStart: "2030-05-01T20:00:00.000000Z", Owner: "app-emea", Domain: "Global/EMEA", OnMissed: "run",
		CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt}
	if j.ID <= 0 || j.CreatedAt == "" || j.ActualStart != "" || j.EndTime != "" || j.NextRuns != nil {
		t.Errorf("created job %+v", j)
	}
	if !jobEqual(j, want) {
		t.Errorf("created job\n got %+v\nwant %+v", j, want)
	}
	if got := e.getJob(t, j.ID); !jobEqual(got, j) {
		t.Errorf("GET answers %+v, POST answered %+v", got, j)
	}

	// A job administrator (a user) may register jobs too, in its domain.
	jadmin := e.user(t, "jadmin", access.RoleJobAdmin, "Global/EMEA")
	if j := e.create(t, jadmin, `{"name":"n","job_type":"t"}`); j.Owner != "jadmin" || j.Domain != "Global/EMEA" || j.State != "SCHEDULED" {
		t.Errorf("job administrator's job %+v", j)
	}

	// Only the two jobs above are stored after every refusal below.
	defer func() {
		if l := e.list(t, e.admin, "limit=100"); len(l.Jobs) != 2 {
			t.Errorf("after the refused requests %d jobs are listed, want 2: %v", len(l.Jobs), l.ids())
		}
	}()
	bad := []struct {
		name, body string
		fields     []string
	}{
		{"empty", `{}`, []string{"job_type", "name"}},
		{"missing name", `{"job_type":"t"}`, []string{"name"}},
		{"missing job_type", `{"name":"n"}`, []string{"job_type"}},
		{"bad time", `{"name":"n","job_type":"t","scheduled_start":"tomorrow"}`, []string{"scheduled_start"}},
		{"time without zone", `{"name":"n","job_type":"t","scheduled_start":"2030-01-01T10:00:00"}`, []string{"scheduled_start"}},
		{"bad recurrence", `{"name":"n","job_type":"t","recurrence":"RRULE:FREQ=SOMETIMES"}`, []string{"recurrence"}},
		{"domain outside the token's", `{"name":"n","job_type":"t","domain":"Global/APAC"}`, []string{"domain"}},
		{"domain above the token's", `{"name":"n","job_type":"t","domain":"Global"}`, []string{"domain"}},
		{"invalid domain", `{"name":"n","job_type":"t","domain":"Global/"}`, []string{"domain"}},
		{"bad on_missed", `{"name":"n","job_type":"t","on_missed":"later"}`, []string{"on_missed"}},
		{"control character in name", `{"name":"a\u0007b","job_type":"t"}`, []string{"name"}},
		{"name too long", `{"name":"` + strings.Repeat("n", 256) + `","job_type":"t"}`, []string{"name"}},
		{"unknown field", `{"name":"n","job_type":"t","colour":"red"}`, []string{"colour"}},
		{"state is not settable", `{"name":"n","job_type":"t","state":"SUCCESS"}`, []string{"state"}},
		{"every field at once", `{"scheduled_start":"x","recurrence":"nope","domain":"Global/APAC"}`,
			[]string{"domain", "job_type", "name", "recurrence", "scheduled_start"}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			a := e.refused(t, app, http.MethodPost, "/api/v1/jobs", tc.body, http.StatusBadRequest)
			if got := a.fields(); !slices.Equal(got, tc.fields) {
				t.Errorf("fields %q, want %q (%s)", got, tc.fields, a.Error)
			}
			for _, f := range tc.fields {
				if !strings.Contains(a.Error, f) {
					t.Errorf("message %q does not name %s", a.Error, f)
				}
			}
			if strings.Contains(a.Error, "audit log entry") {
				t.Fatal("an unknown field of a job body is refused as " + strconv.Quote(a.Error) +
					" (api.decodeBody uses the audit-entry wording of decodeError); want wording about a job")
			}
		})
	}

	t.Run("read token", func(t *testing.T) {
		read := e.token(t, "reader", []string{"read"}, "Global")
		e.refused(t, read, http.MethodPost, "/api/v1/jobs", `{"name":"n","job_type":"t"}`, http.StatusForbidden)
	})
	t.Run("plain user", func(t *testing.T) {
		pat := e.user(t, "pat", access.RoleUser, "Global")
		e.refused(t, pat, http.MethodPost, "/api/v1/jobs", `{"name":"n","job_type":"t"}`, http.StatusForbidden)
	})
	t.Run("anonymous", func(t *testing.T) {
		e.refused(t, "", http.MethodPost, "/api/v1/jobs", `{"name":"n","job_type":"t"}`, http.StatusUnauthorized)
		e.refused(t, "", http.MethodGet, "/api/v1/jobs", "", http.StatusUnauthorized)
		e.refused(t, "", http.MethodGet, fmt.Sprintf("/api/v1/jobs/%d", j.ID), "", http.StatusUnauthorized)
	})
	t.Run("bad token", func(t *testing.T) {
		e.refused(t, "Bearer nope", http.MethodPost, "/api/v1/jobs", `{"name":"n","job_type":"t"}`, http.StatusUnauthorized)
	})
}

// jobEqual compares the fields a client sets or the server derives.
func jobEqual(a, b job.View) bool {
	return a.ID == b.ID && a.Name == b.Name && a.JobType == b.JobType && a.State == b.State && a.Percent == b.Percent &&
		a.Summary == b.Summary && a.ScheduledStart == b.ScheduledStart && a.ActualStart == b.ActualStart &&
		a.EndTime == b.EndTime && a.Recurrence == b.Recurrence && a.RecurrenceText == b.RecurrenceText &&
		slices.Equal(a.NextRuns, b.NextRuns) && a.ParentID == b.ParentID && a.RetryOf == b.RetryOf &&
		a.Owner == b.Owner && a.Domain == b.Domain && a.OnMissed == b.OnMissed && a.Note == b.Note && a.CreatedAt == b.CreatedAt
}

// TestJobRecurrenceAcrossDST creates a daily job at 02:30 Berlin time over
// the night in March 2030 when Berlin skips from 02:00 to 03:00. RFC 5545
// (3.3.5) reads the missing 02:30 with the offset from before the gap, so
// that run is at 03:30 CEST, which is 01:30Z like the CET runs before it.
func TestJobRecurrenceAcrossDST(t *testing.T) {
	e := newJobsEnv(t)
	app := e.token(t, "app", []string{"ingest"}, "Global")
	rule := `DTSTART;TZID=Europe/Berlin:20300328T023000\nRRULE:FREQ=DAILY;COUNT=5`
	j := e.create(t, app, `{"name":"report","job_type":"Report","recurrence":"`+rule+`"}`)
	want := []string{
		"2030-03-28T01:30:00Z", // CET, UTC+1
		"2030-03-29T01:30:00Z",
		"2030-03-30T01:30:00Z",
		"2030-03-31T01:30:00Z", // 02:30 does not exist: 03:30 CEST
		"2030-04-01T00:30:00Z", // CEST, UTC+2
	}
	var got []string
	for _, s := range j.NextRuns {
		ts, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || !strings.HasSuffix(s, "Z") {
			t.Errorf("next run %q is not an RFC 3339 UTC time", s)
		}
		got = append(got, ts.UTC().Format(time.RFC3339))
	}
	if !slices.Equal(got, want) {
		t.Errorf("next_runs %q, want %q", got, want)
	}
	if j.RecurrenceText == "" || !strings.Contains(j.Recurrence, "RRULE:FREQ=DAILY") || !strings.Contains(j.Recurrence, "TZID=Europe/Berlin") {
		t.Errorf("recurrence %q, recurrence_text %q", j.Recurrence, j.RecurrenceText)
	}
	if j.ScheduledStart != "2030-03-28T01:30:00.000000Z" {
		t.Errorf("scheduled_start %s, want DTSTART 2030-03-28T01:30:00Z", j.ScheduledStart)
	}
	if got := e.getJob(t, j.ID); !slices.Equal(got.NextRuns, j.NextRuns) || got.RecurrenceText != j.RecurrenceText {
		t.Errorf("GET next_runs %q, POST answered %q", got.NextRuns, j.NextRuns)
	}
	// A job that has ended shows no coming runs.
	e.must(t, e.admin, http.MethodPost, fmt.Sprintf("/api/v1/jobs/%d/cancel", j.ID), "", http.StatusOK, nil)
	if got := e.getJob(t, j.ID); got.NextRuns != nil || got.RecurrenceText == "" {
		t.Errorf("canceled recurring job: next_runs %q, recurrence_text %q", got.NextRuns, got.RecurrenceText)
	}
}

func TestJobOperationsAreAudited(t *testing.T) {
	e := newJobsEnv(t, "Global/EMEA")
	app := e.token(t, "app", []string{"ingest"}, "Global/EMEA")
	id := func(j job.View) string { return fmt.Sprint(j.ID) }
	path := func(j job.View, op string) string { return "/api/v1/jobs/" + id(j) + "/" + op }

	oneOff := e.create(t, app, `{"name":"a","job_type":"t","scheduled_start":"2030-01-01T00:00:00Z"}`)
	recurring := e.create(t, app, `{"name":"r","job_type":"t","recurrence":"DTSTART:20300101T000000Z\nRRULE:FREQ=WEEKLY"}`)
	e.must(t, app, http.MethodPost, path(oneOff, "reschedule"), `{"scheduled_start":"2030-02-01T00:00:00Z"}`, http.StatusOK, nil)
	e.must(t, app, http.MethodPost, path(oneOff, "cancel"), "", http.StatusOK, nil)
	var retry job.View
	e.must(t, app, http.MethodPost, path(oneOff, "retry"), "", http.StatusCreated, &retry)

	cases := []struct {
		task   string
		job    job.View
		result string
	}{
		{"Create Job", oneOff, "Job Scheduled"},
		{"Create Job", recurring, "Recurring Job Scheduled"},
		{"Reschedule Job", oneOff, "Job Scheduled"},
		{"Cancel Job", oneOff, "Success"},
		{"Retry Job", retry, "Job Scheduled"},
	}
	for _, tc := range cases {
		got := e.audit(t, "task="+url.QueryEscape(tc.task)+"&job_id="+id(tc.job))
		want := []auditEntry{{UserName: "app", Domain: "Global/EMEA", Application: "Logbook", Task: tc.task, Result: tc.result, JobID: tc.job.ID}}
		if !slices.Equal(got, want) {
			t.Errorf("%s of job %d: audit logs\n %+v\nwant %+v", tc.task, tc.job.ID, got, want)
		}
	}
	// Refused operations and progress reports write nothing.
	e.refused(t, app, http.MethodPost, path(oneOff, "cancel"), "", http.StatusConflict)
	e.refused(t, app, http.MethodPost, "/api/v1/jobs", `{"name":"","job_type":"t"}`, http.StatusBadRequest)
	e.must(t, app, http.MethodPatch, "/api/v1/jobs/"+id(retry), `{"state":"IN_PROGRESS"}`, http.StatusOK, nil)
	if got := e.audit(t, "application=Logbook&user_name=app&limit=100"); len(got) != len(cases) {
		t.Errorf("%d audit logs of app, want %d: %+v", len(got), len(cases), got)
	}
}

func TestJobProgress(t *testing.T) {
	e := newJobsEnv(t)
	app := e.token(t, "app", []string{"ingest"}, "Global")
	j := e.create(t, app, `{"name":"deploy","job_type":"Deploy"}`)
	p := fmt.Sprintf("/api/v1/jobs/%d", j.ID)
	patch := func(body string) job.View {
		t.Helper()
		var got job.View
		e.must(t, app, http.MethodPatch, p, body, http.StatusOK, &got)
		return got
	}

	j = patch(`{"state":"IN_PROGRESS","percent":10}`)
	if j.State != "IN_PROGRESS" || j.Percent != 10 || j.ActualStart == "" || j.EndTime != "" {
		t.Fatalf("after start: %+v", j)
	}
	started := j.ActualStart
	if j = patch(`{"percent":50,"summary":"half way"}`); j.Percent != 50 || j.Summary != "half way" || j.ActualStart != started {
		t.Errorf("after 50%%: %+v", j)
	}
	if j = patch(`{"state":"IN_PROGRESS","percent":50}`); j.Percent != 50 || j.ActualStart != started {
		t.Errorf("a repeated report changed the job: %+v", j)
	}
	for _, body := range []string{`{"percent":40}`, `{"percent":101}`, `{"percent":-1}`, `{"state":"IN_PROGRESS","percent":5}`} {
		a := e.refused(t, app, http.MethodPatch, p, body, http.StatusBadRequest)
		if !slices.Equal(a.fields(), []string{"percent"}) || !strings.Contains(a.Error, "percent") {
			t.Errorf("%s: refusal %+v, want one naming percent", body, a)
		}
	}
	if a := e.refused(t, app, http.MethodPatch, p, `{"state":"DONE"}`, http.StatusBadRequest); !slices.Equal(a.fields(), []string{"state"}) {
		t.Errorf("unknown state: refusal %+v", a)
	}
	if a := e.refused(t, app, http.MethodPatch, p, `{"percent":60,"owner":"me"}`, http.StatusBadRequest); !slices.Equal(a.fields(), []string{"owner"}) {
		t.Errorf("unknown field: refusal %+v", a)
	}
	if got := e.getJob(t, j.ID); got.Percent != 50 || got.State != "IN_PROGRESS" {
		t.Errorf("a refused report changed the job: %+v", got)
	}

	j = patch(`{"state":"SUCCESS"}`)
	if j.State != "SUCCESS" || j.Percent != 100 || j.EndTime == "" || j.ActualStart != started {
		t.Fatalf("after success: %+v", j)
	}
	body := e.must(t, app, http.MethodPatch, p, `{"state":"IN_PROGRESS"}`, http.StatusConflict, nil)
	if !bytes.Contains(body, []byte(`"state":"SUCCESS"`)) {
		t.Errorf("409 body %s lacks the current state", body)
	}
	if got := e.getJob(t, j.ID); !jobEqual(got, j) {
		t.Errorf("a refused change altered the job:\n got %+v\nwant %+v", got, j)
	}

	t.Run("SCHEDULED to SUCCESS", func(t *testing.T) {
		s := e.create(t, app, `{"name":"s","job_type":"t"}`)
		a := e.refused(t, app, http.MethodPatch, fmt.Sprintf("/api/v1/jobs/%d", s.ID), `{"state":"SUCCESS"}`, http.StatusConflict)
		if a.State != "SCHEDULED" {
			t.Errorf("refusal %+v, want state SCHEDULED", a)
		}
		if got := e.getJob(t, s.ID); got.State != "SCHEDULED" || got.Percent != 0 {
			t.Errorf("job after the refusal: %+v", got)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		s := e.create(t, app, `{"name":"s","job_type":"t"}`)
		var c job.View
		e.must(t, app, http.MethodPost, fmt.Sprintf("/api/v1/jobs/%d/cancel", s.ID), "", http.StatusOK, &c)
		if c.State != "CANCELED" || c.EndTime == "" || !strings.Contains(c.Note, "app") {
			t.Errorf("canceled job %+v", c)
		}
		for _, id := range []int64{s.ID, j.ID} { // canceled, succeeded
			a := e.refused(t, app, http.MethodPost, fmt.Sprintf("/api/v1/jobs/%d/cancel", id), "", http.StatusConflict)
			if want := e.getJob(t, id).State; a.State != want {
				t.Errorf("cancel of a %s job: refusal %+v", want, a)
			}
		}
		e.refused(t, app, http.MethodPost, "/api/v1/jobs/999999/cancel", "", http.StatusNotFound)
		e.refused(t, app, http.MethodPost, "/api/v1/jobs/abc/cancel", "", http.StatusBadRequest)
	})
	t.Run("reschedule", func(t *testing.T) {
		s := e.create(t, app, `{"name":"s","job_type":"t","scheduled_start":"2030-01-01T00:00:00Z"}`)
		rp := fmt.Sprintf("/api/v1/jobs/%d/reschedule", s.ID)
		var r job.View
		e.must(t, app, http.MethodPost, rp, `{"scheduled_start":"2031-06-01T12:00:00+02:00"}`, http.StatusOK, &r)
		if r.ScheduledStart != "2031-06-01T10:00:00.000000Z" || r.State != "SCHEDULED" {
			t.Errorf("rescheduled job %+v", r)
		}
		if got := e.getJob(t, s.ID); got.ScheduledStart != r.ScheduledStart {
			t.Errorf("stored scheduled_start %s", got.ScheduledStart)
		}
		for _, body := range []string{`{"scheduled_start":"2026-11-25T11:58:59Z"}`, `{"scheduled_start":"soon"}`, `{}`} {
			if a := e.refused(t, app, http.MethodPost, rp, body, http.StatusBadRequest); !slices.Equal(a.fields(), []string{"scheduled_start"}) {
				t.Errorf("%s: refusal %+v", body, a)
			}
		}
		e.must(t, app, http.MethodPatch, fmt.Sprintf("/api/v1/jobs/%d", s.ID), `{"state":"IN_PROGRESS"}`, http.StatusOK, nil)
		if a := e.refused(t, app, http.MethodPost, rp, `{"scheduled_start":"2032-01-01T00:00:00Z"}`, http.StatusConflict); a.State != "IN_PROGRESS" {
			t.Errorf("reschedule of a running job: %+v", a)
		}
		if got := e.getJob(t, s.ID); got.ScheduledStart != r.ScheduledStart {
			t.Errorf("refused reschedule moved the job to %s", got.ScheduledStart)
		}
	})
	t.Run("retry", func(t *testing.T) {
		s := e.create(t, app, `{"name":"flaky","job_type":"Flaky","summary":"try"}`)
		e.must(t, app, http.MethodPatch, fmt.Sprintf("/api/v1/jobs/%d", s.ID), `{"state":"FAILURE"}`, http.StatusOK, nil)
		var r job.View
		e.must(t, app, http.MethodPost, fmt.Sprintf("/api/v1/jobs/%d/retry", s.ID), "", http.StatusCreated, &r)
		if r.ID == s.ID || r.RetryOf != s.ID || r.State != "SCHEDULED" || r.Name != "flaky" || r.JobType != "Flaky" || r.Domain != s.Domain {
			t.Errorf("retry %+v of job %d", r, s.ID)
		}
		if got := e.getJob(t, s.ID); got.State != "FAILURE" {
			t.Errorf("the failed job became %s", got.State)
		}
		if a := e.refused(t, app, http.MethodPost, fmt.Sprintf("/api/v1/jobs/%d/retry", r.ID), "", http.StatusConflict); a.State != "SCHEDULED" {
			t.Errorf("retry of a scheduled job: %+v", a)
		}
	})
}

// seedJobList stores jobs with distinct and tied values in every sortable
// column, including jobs that have not started or ended.
func seedJobList(t *testing.T, e *jobsEnv) map[string]store.Job {
	t.Helper()
	at := func(d int) time.Time { return time.Date(2030, 1, d, 0, 0, 0, 0, time.UTC) } // January d
	jobs := map[string]store.Job{}
	add := func(key string, j store.Job) { jobs[key] = e.storeJob(t, j) }
	add("backup1", store.Job{Name: "nightly backup", JobType: "Backup", Summary: "b", Owner: "alice", ScheduledStart: at(1),
		State: store.JobSuccess, Percent: 100, ActualStart: at(1).Add(time.Minute), EndTime: at(1).Add(time.Hour)})
	add("backup2", store.Job{Name: "nightly backup", JobType: "Backup Config", Summary: "a", Owner: "bob", ScheduledStart: at(2),
		State: store.JobFailure, Percent: 40, ActualStart: at(2).Add(time.Minute), EndTime: at(2).Add(time.Hour)})
	add("deploy", store.Job{Name: "deploy image", JobType: "Deploy", Summary: "c", Owner: "alice", ScheduledStart: at(3),
		State: store.JobInProgress, Percent: 40, ActualStart: at(3).Add(time.Minute)})
	add("report", store.Job{Name: "weekly report", JobType: "Report", Owner: "carol", ScheduledStart: at(4),
		Recurrence: "DTSTART:20300105T000000Z\nRRULE:FREQ=WEEKLY"})
	add("run1", store.Job{Name: "weekly report", JobType: "Report", Owner: "carol", ScheduledStart: at(4), ParentID: jobs["report"].ID,
		State: store.JobSuccess, Percent: 100, ActualStart: at(4), EndTime: at(4).Add(time.Minute)})
	add("run2", store.Job{Name: "weekly report", JobType: "Report", Owner: "carol", ScheduledStart: at(11), ParentID: jobs["report"].ID})
	add("backupx", store.Job{Name: "backupx", JobType: "BackupX", Summary: "b", Owner: "bob", ScheduledStart: at(5),
		State: store.JobCanceled, EndTime: at(0)})
	return jobs
}

func TestJobListFilters(t *testing.T) {
	e := newJobsEnv(t)
	jobs := seedJobList(t, e)
	ids := func(keys ...string) []int64 {
		out := []int64{}
		for _, k := range keys {
			out = append(out, jobs[k].ID)
		}
		slices.Sort(out)
		return out
	}
	q := url.QueryEscape
	cases := []struct {
		query string
		want  []int64
	}{
		{"", ids("backup1", "backup2", "deploy", "report", "run1", "run2", "backupx")},
		{"state=SUCCESS", ids("backup1", "run1")},
		{"state=SUCCESS,FAILURE", ids("backup1", "run1", "backup2")},
		{"state=SUCCESS&state=CANCELED", ids("backup1", "run1", "backupx")},
		{"job_type=Backup", ids("backup1")},
		{"job_type=" + q("Backup*"), ids("backup1", "backup2", "backupx")},
		{"job_type=" + q("Backup C*"), ids("backup2")},
		{"job_type=Backup&job_type=Deploy", ids("backup1", "deploy")},
		{"job_type=" + q("B%*"), ids()},
		{"job_type=" + q("Backup_Config"), ids()},
		{"name=" + q("%"), ids()},
		{"owner=alice", ids("backup1", "deploy")},
		{"owner=alice,bob", ids("backup1", "deploy", "backup2", "backupx")},
		{"name=nightly", ids("backup1", "backup2")},
		{"name=backup", ids("backupx")},
		{"name=" + q("nightly backup"), ids("backup1", "backup2")},
		{"name=zzz", ids()},
		{"scheduled_from=2030-01-04T00:00:00Z", ids("report", "run1", "run2", "backupx")},
		{"scheduled_to=2030-01-04T00:00:00Z", ids("backup1", "backup2", "deploy")},
		{"scheduled_to=2030-01-01T00:00:00Z", ids()},
		{"scheduled_from=2030-01-11T00:00:00Z", ids("run2")},
		{"scheduled_from=2030-01-03T00:00:00Z&scheduled_to=2030-01-05T00:00:00Z", ids("deploy", "report", "run1")},
		{"scheduled_from=" + q("2030-01-03T01:00:00+01:00") + "&scheduled_to=2030-01-03T00:00:01Z", ids("deploy")},
		{"actual_from=2030-01-03T00:00:00Z", ids("deploy", "run1")},
		{"parent=" + fmt.Sprint(jobs["report"].ID), ids("run1", "run2")},
		{"top_level=true", ids("backup1", "backup2", "deploy", "report", "backupx")},
		{"top_level=true&owner=carol", ids("report")},
		{"state=SCHEDULED&parent=" + fmt.Sprint(jobs["report"].ID), ids("run2")},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			got := e.list(t, e.admin, tc.query+"&limit=100").ids()
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("ids %v, want %v", got, tc.want)
			}
		})
	}
	refusals := []struct{ query, field string }{
		{"colour=red", "colour"},
		{"user_name=alice", "user_name"},
		{"state=DONE", "state"},
		{"scheduled_from=yesterday", "scheduled_from"},
		{"scheduled_to=2030-01-01", "scheduled_to"},
		{"parent=x", "parent"},
		{"parent=-1", "parent"},
		{"sort=colour", "sort"},
		{"limit=0", "limit"},
		{"limit=1001", "limit"},
		{"cursor=zzz", "cursor"},
		{"cursor=" + (&store.JobCursor{Sort: "name", ID: 1}).Encode(), "cursor"}, // made for another sort
	}
	for _, tc := range refusals {
		t.Run("refuse "+tc.query, func(t *testing.T) {
			a := e.refused(t, e.admin, http.MethodGet, "/api/v1/jobs?"+tc.query, "", http.StatusBadRequest)
			if !slices.Equal(a.fields(), []string{tc.field}) || !strings.Contains(a.Error, tc.field) {
				t.Errorf("refusal %+v, want one naming %s", a, tc.field)
			}
		})
	}
}

// jobSortKey is the value of j in column f as the API shows it; times
// are fixed-width, so strings order as the times do.
func jobSortKey(f store.JobSortField, j job.View) (string, int) {
	switch f {
	case store.JobSortName:
		return j.Name, 0
	case store.JobSortState:
		return j.State, 0
	case store.JobSortJobType:
		return j.JobType, 0
	case store.JobSortSummary:
		return j.Summary, 0
	case store.JobSortOwner:
		return j.Owner, 0
	case store.JobSortPercent:
		return "", j.Percent
	case store.JobSortScheduledStart:
		return j.ScheduledStart, 0
	case store.JobSortActualStart:
		return j.ActualStart, 0
	case store.JobSortEndTime:
		return j.EndTime, 0
	}
	return "", int(j.ID)
}

func TestJobListSortAndPaging(t *testing.T) {
	e := newJobsEnv(t)
	jobs := seedJobList(t, e)
	var all []int64
	for _, j := range jobs {
		all = append(all, j.ID)
	}
	slices.Sort(all)
	for _, field := range store.JobSortFields {
		for _, desc := range []bool{false, true} {
			sort := store.JobSort{Field: field, Desc: desc}.String()
			t.Run(sort, func(t *testing.T) {
				// The whole listing in one page is ordered by the column,
				// then by id, both in the sort's direction.
				full := e.list(t, e.admin, "limit=100&sort="+sort)
				if ids := slices.Sorted(slices.Values(full.ids())); !slices.Equal(ids, all) {
					t.Fatalf("listing holds %v, want %v", ids, all)
				}
				if full.NextCursor != "" || full.PrevCursor != "" {
					t.Errorf("a single page has cursors next=%q prev=%q", full.NextCursor, full.PrevCursor)
				}
				ordered := slices.IsSortedFunc(full.Jobs, func(a, b job.View) int {
					as, an := jobSortKey(field, a)
					bs, bn := jobSortKey(field, b)
					c := cmp.Or(cmp.Compare(as, bs), cmp.Compare(an, bn), cmp.Compare(a.ID, b.ID))
					if desc {
						return -c
					}
					return c
				})
				if !ordered {
					var keys []string
					for _, j := range full.Jobs {
						s, n := jobSortKey(field, j)
						keys = append(keys, fmt.Sprintf("%d:%s%d", j.ID, s, n))
					}
					t.Errorf("listing not in %s order: %v", sort, keys)
				}

				// Forward in pages of two, then back from the last page.
				var pages []jobList
				page := e.list(t, e.admin, "limit=2&sort="+sort)
				if page.PrevCursor != "" {
					t.Errorf("first page has prev_cursor")
				}
				for {
					pages = append(pages, page)
					if page.NextCursor == "" || len(pages) > 10 {
						break
					}
					page = e.list(t, e.admin, "limit=2&sort="+sort+"&cursor="+url.QueryEscape(page.NextCursor))
				}
				var walked []int64
				for _, p := range pages {
					walked = append(walked, p.ids()...)
				}
				if !slices.Equal(walked, full.ids()) {
					t.Fatalf("pages of two list %v, one page lists %v", walked, full.ids())
				}
				for i := len(pages) - 1; i > 0; i-- {
					if pages[i].PrevCursor == "" {
						t.Fatalf("page %d has no prev_cursor", i)
					}
					back := e.list(t, e.admin, "limit=2&sort="+sort+"&cursor="+url.QueryEscape(pages[i].PrevCursor))
					if !slices.Equal(back.ids(), pages[i-1].ids()) {
						t.Fatalf("back from page %d lists %v, want %v", i, back.ids(), pages[i-1].ids())
					}
				}
			})
		}
	}
}

func TestJobVisibility(t *testing.T) {
	e := newJobsEnv(t, "Global/EMEA", "Global/APAC")
	// Few Basic logins (each one costs an argon2 hash), well below the
	// per-address sign-in limit.
	pat := e.user(t, "pat", access.RoleUser, "Global")
	quinn := e.user(t, "quinn", access.RoleUser, "Global")
	jadmin := e.user(t, "jadmin", access.RoleJobAdmin, "Global/EMEA")
	reader := e.token(t, "reader", []string{"read"}, "Global")

	patJob := e.storeJob(t, store.Job{Name: "pat's", Owner: "pat", Domain: "Global/EMEA"})
	patJob2 := e.storeJob(t, store.Job{Name: "pat's second", Owner: "pat", Domain: "Global/EMEA"})
	quinnJob := e.storeJob(t, store.Job{Name: "quinn's", Owner: "quinn", Domain: "Global/EMEA"})
	appJob := e.storeJob(t, store.Job{Name: "app's", Owner: "app", Domain: "Global/EMEA/Lab"})
	apacJob := e.storeJob(t, store.Job{Name: "apac", Owner: "pat", Domain: "Global/APAC"})
	path := func(j store.Job, op string) string {
		if op == "" {
			return fmt.Sprintf("/api/v1/jobs/%d", j.ID)
		}
		return fmt.Sprintf("/api/v1/jobs/%d/%s", j.ID, op)
	}
	sorted := func(js ...store.Job) []int64 {
		var ids []int64
		for _, j := range js {
			ids = append(ids, j.ID)
		}
		slices.Sort(ids)
		return ids
	}
	listed := func(authz, query string) []int64 {
		return slices.Sorted(slices.Values(e.list(t, authz, query).ids()))
	}

	if got, want := listed(pat, "sort=id"), sorted(patJob, patJob2, apacJob); !slices.Equal(got, want) {
		t.Errorf("pat lists %v, want only their own %v", got, want)
	}
	t.Run("owner filter of a plain user", func(t *testing.T) {
		if got := listed(pat, "owner=pat"); !slices.Equal(got, sorted(patJob, patJob2, apacJob)) {
			t.Errorf("pat lists %v with owner=pat", got)
		}
		got := listed(pat, "owner=quinn")
		for _, id := range got {
			if id == quinnJob.ID {
				t.Fatalf("pat lists quinn's job by asking for it: %v", got)
			}
		}
		if len(got) != 0 {
			t.Fatal("job.Service.List replaces the owner filter of a plain user with the user's own name, " +
				"so owner=quinn lists pat's jobs, which do not match the filter; want an empty list")
		}
	})
	if got, want := listed(jadmin, "sort=id"), sorted(patJob, patJob2, quinnJob, appJob); !slices.Equal(got, want) {
		t.Errorf("EMEA job administrator lists %v, want %v", got, want)
	}
	if got, want := listed(reader, "sort=id"), sorted(patJob, patJob2, quinnJob, appJob, apacJob); !slices.Equal(got, want) {
		t.Errorf("read token lists %v, want every job %v", got, want)
	}

	e.must(t, pat, http.MethodGet, path(patJob, ""), "", http.StatusOK, nil)
	e.refused(t, pat, http.MethodGet, path(quinnJob, ""), "", http.StatusNotFound)
	e.refused(t, jadmin, http.MethodGet, path(apacJob, ""), "", http.StatusNotFound)
	e.must(t, jadmin, http.MethodGet, path(appJob, ""), "", http.StatusOK, nil)

	// The owner may report and cancel; another plain user cannot even see.
	var j job.View
	e.must(t, pat, http.MethodPatch, path(patJob, ""), `{"state":"IN_PROGRESS","percent":5}`, http.StatusOK, &j)
	if j.State != "IN_PROGRESS" || j.Percent != 5 {
		t.Errorf("owner's report gave %+v", j)
	}
	e.refused(t, quinn, http.MethodPatch, path(patJob2, ""), `{"state":"IN_PROGRESS"}`, http.StatusNotFound)
	e.refused(t, quinn, http.MethodPost, path(patJob2, "cancel"), "", http.StatusNotFound)
	e.must(t, pat, http.MethodPost, path(patJob, "cancel"), "", http.StatusOK, &j)
	if j.State != "CANCELED" {
		t.Errorf("owner's cancel gave %+v", j)
	}
	// A read token sees every job but may change none.
	e.refused(t, reader, http.MethodPost, path(quinnJob, "cancel"), "", http.StatusForbidden)
	// A job administrator changes any job in scope, none outside.
	e.must(t, jadmin, http.MethodPost, path(quinnJob, "cancel"), "", http.StatusOK, &j)
	if j.State != "CANCELED" {
		t.Errorf("job administrator's cancel gave %+v", j)
	}
	e.refused(t, jadmin, http.MethodPost, path(apacJob, "cancel"), "", http.StatusNotFound)
	if got := e.getJob(t, apacJob.ID); got.State != "SCHEDULED" {
		t.Errorf("job outside scope is %s", got.State)
	}
	if got := e.getJob(t, patJob2.ID); got.State != "SCHEDULED" {
		t.Errorf("another user's job is %s", got.State)
	}
}

func TestAuditIngestJobID(t *testing.T) {
	e := newJobsEnv(t)
	app := e.token(t, "app", []string{"ingest"}, "Global")
	j := e.create(t, app, `{"name":"n","job_type":"t"}`)
	entry := func(user string, jobID int64) string {
		return fmt.Sprintf(`{"user_name":%q,"application":"REST","task":"Deploy","result":"Job Scheduled","job_id":%d}`, user, jobID)
	}
	e.must(t, app, http.MethodPost, "/api/v1/audit-logs", entry("probe-ok", j.ID), http.StatusCreated, nil)
	if got := e.audit(t, "user_name=probe-ok"); len(got) != 1 || got[0].JobID != j.ID {
		t.Errorf("stored %+v", got)
	}

	a := e.refused(t, app, http.MethodPost, "/api/v1/audit-logs", entry("probe-single", j.ID+1000), http.StatusBadRequest)
	if !slices.Equal(a.fields(), []string{"job_id"}) || !strings.Contains(a.Error, "job_id") {
		t.Errorf("unknown job_id: refusal %+v", a)
	}
	batch := "[" + entry("probe-batch", j.ID) + "," + entry("probe-batch", j.ID+1000) + "," +
		`{"user_name":"probe-batch","application":"REST","task":"Login","result":"Success"}]`
	a = e.refused(t, app, http.MethodPost, "/api/v1/audit-logs", batch, http.StatusBadRequest)
	if !slices.Equal(a.fields(), []string{"[1].job_id"}) {
		t.Errorf("batch with an unknown job_id: refusal %+v", a)
	}
	for _, u := range []string{"probe-single", "probe-batch"} {
		if got := e.audit(t, "user_name="+u); len(got) != 0 {
			t.Errorf("%s: %d entries stored from a refused request", u, len(got))
		}
	}
}
