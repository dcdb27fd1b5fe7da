package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/server"
	"github.com/logbookhq/logbook/internal/server/servertest"
	"github.com/logbookhq/logbook/internal/store"
)

// jobProbe is markup that must never reach a page unescaped.
const jobProbe = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`

// jobSite is a server whose requests run as the fixture's admin token.
type jobSite struct {
	f *servertest.Fixture
}

func newJobSite(t *testing.T) jobSite {
	t.Helper()
	opts := server.DefaultOptions()
	opts.Auth.Now = func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) } // the jobs' clock
	return jobSite{f: servertest.New(t, servertest.Options{AsAdmin: true, Server: &opts})}
}

// noRedirect answers redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (s jobSite) do(t *testing.T, method, path, ctype, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.f.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// page fetches a page that must answer status as HTML.
func (s jobSite) page(t *testing.T, path string, status int) string {
	t.Helper()
	resp, body := s.do(t, http.MethodGet, path, "", "")
	if resp.StatusCode != status {
		t.Fatalf("GET %s: status %d, want %d\n%.2000s", path, resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	return body
}

// form posts a form and returns the answer, unfollowed.
func (s jobSite) form(t *testing.T, path string, v url.Values) (*http.Response, string) {
	t.Helper()
	return s.do(t, http.MethodPost, path, "application/x-www-form-urlencoded", v.Encode())
}

// api calls the JSON API as the admin token and decodes the answer.
func (s jobSite) api(t *testing.T, method, path, body string, status int) job.View {
	t.Helper()
	resp, b := s.do(t, method, path, "application/json", body)
	if resp.StatusCode != status {
		t.Fatalf("%s %s %s: status %d, want %d: %s", method, path, body, resp.StatusCode, status, b)
	}
	var j job.View
	if err := json.Unmarshal([]byte(b), &j); err != nil {
		t.Fatal(err)
	}
	return j
}

// createJob registers a job through the API, so that its audit trail is
// the real one.
func (s jobSite) createJob(t *testing.T, fields map[string]string) job.View {
	t.Helper()
	b, _ := json.Marshal(fields)
	return s.api(t, http.MethodPost, "/api/v1/jobs", string(b), http.StatusCreated)
}

func (s jobSite) patchJob(t *testing.T, id int64, body string) job.View {
	t.Helper()
	return s.api(t, http.MethodPatch, fmt.Sprintf("/api/v1/jobs/%d", id), body, http.StatusOK)
}

func (s jobSite) getJob(t *testing.T, id int64) job.View {
	t.Helper()
	return s.api(t, http.MethodGet, fmt.Sprintf("/api/v1/jobs/%d", id), "", http.StatusOK)
}

var jobRowRE = regexp.MustCompile(`<tr data-job="(\d+)" data-state="[A-Z_]+">`)

// rowIDs returns the job ids of the list's rows, in page order.
func rowIDs(body string) []string {
	var ids []string
	for _, m := range jobRowRE.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func ids(js ...job.View) []string {
	var out []string
	for _, j := range js {
		out = append(out, fmt.Sprint(j.ID))
	}
	return out
}

// contains reports each of want that body lacks and each of notWant it
// holds.
func contains(t *testing.T, what, body string, want, notWant []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
	for _, w := range notWant {
		if strings.Contains(body, w) {
			t.Errorf("%s holds %q", what, w)
		}
	}
}

// link returns the href of the element with the given id, unescaped.
func link(body, id string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(body[:i], `href="`)
	if start < 0 {
		return ""
	}
	start += len(`href="`)
	return html.UnescapeString(body[start : start+strings.Index(body[start:], `"`)])
}

func TestJobListPage(t *testing.T) {
	s := newJobSite(t)
	backup := s.createJob(t, map[string]string{"name": "nightly backup", "job_type": "Backup", "summary": "full backup",
		"scheduled_start": "2030-01-01T00:00:00Z"})
	backup = s.patchJob(t, backup.ID, `{"state":"IN_PROGRESS","percent":30}`)
	report := s.createJob(t, map[string]string{"name": "weekly report", "job_type": "Report",
		"recurrence": "DTSTART:20300107T090000Z\nRRULE:FREQ=WEEKLY;BYDAY=MO"})
	deploy := s.createJob(t, map[string]string{"name": "deploy image", "job_type": "Deploy", "scheduled_start": "2030-01-03T00:00:00Z"})
	deploy = s.patchJob(t, deploy.ID, `{"state":"FAILURE"}`)
	xss := s.createJob(t, map[string]string{"name": "x" + jobProbe, "job_type": "Probe" + jobProbe, "summary": jobProbe,
		"scheduled_start": "2030-01-02T00:00:00Z"})

	body := s.page(t, "/jobs", http.StatusOK)
	t.Run("columns", func(t *testing.T) {
		head := body[strings.Index(body, "<thead>"):strings.Index(body, "</thead>")]
		at := 0
		for _, label := range []string{"Name", "Job ID", "Percent", "State", "Job Type", "Summary",
			"Scheduled Start Time", "Actual Start Time", "End Time", "Recurrence"} {
			i := strings.Index(head[at:], ">"+label+"<")
			if i < 0 {
				t.Fatalf("header %q missing or out of Table 2's order in %s", label, head)
			}
			at += i + 1
		}
	})
	t.Run("rows", func(t *testing.T) {
		// The default order is the latest scheduled start first.
		if got, want := rowIDs(body), ids(report, deploy, xss, backup); !slices.Equal(got, want) {
			t.Errorf("rows %v, want %v", got, want)
		}
		contains(t, "/jobs", body, []string{
			`<span class="state state-running">IN_PROGRESS</span>`,
			`<span class="state state-failure">FAILURE</span>`,
			`<span class="state state-scheduled">SCHEDULED</span>`,
			`<progress max="100" value="30"`, `<progress max="100" value="0"`,
			fmt.Sprintf(`<a href="/jobs/%d">nightly backup</a>`, backup.ID),
			`<time datetime="2030-01-01T00:00:00.000000Z">`,
			backup.ActualStart, "full backup",
		}, []string{jobProbe, "<img src=x"})
		if report.RecurrenceText == "" || !strings.Contains(html.UnescapeString(body), report.RecurrenceText) {
			t.Errorf("the list lacks the recurrence text %q", report.RecurrenceText)
		}
	})
	t.Run("escapes", func(t *testing.T) {
		contains(t, "/jobs", body, []string{"x&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(2)&gt;"},
			[]string{"<script>alert", "<img src=x"})
		if strings.Contains(body, "<script>") && !strings.Contains(body, `<script src="/static/`) {
			t.Error("an inline script is on the page")
		}
	})
	t.Run("sort links", func(t *testing.T) {
		contains(t, "/jobs", body, []string{
			`<th scope="col" aria-sort="descending"><a class="sort" href="/jobs?sort=scheduled_start">Scheduled Start Time`,
			`href="/jobs?sort=name">Name`, `href="/jobs?sort=id">Job ID`, `href="/jobs?sort=percent">Percent`,
			`href="/jobs?sort=end_time">End Time`, `<th scope="col">Recurrence</th>`,
		}, nil)
		byName := s.page(t, "/jobs?sort=name", http.StatusOK)
		if got, want := rowIDs(byName), ids(deploy, backup, report, xss); !slices.Equal(got, want) {
			t.Errorf("sorted by name: rows %v, want %v", got, want)
		}
		contains(t, "/jobs?sort=name", byName, []string{`<th scope="col" aria-sort="ascending"><a class="sort" href="/jobs?sort=-name">Name`,
			`<input type="hidden" name="sort" value="name">`}, nil)
		byNameDesc := s.page(t, "/jobs?sort=-name", http.StatusOK)
		if got, want := rowIDs(byNameDesc), ids(xss, report, backup, deploy); !slices.Equal(got, want) {
			t.Errorf("sorted by -name: rows %v, want %v", got, want)
		}
		contains(t, "/jobs?sort=-name", byNameDesc, []string{`aria-sort="descending"><a class="sort" href="/jobs?sort=name">Name`}, nil)
		byPercent := s.page(t, "/jobs?sort=-percent&state=IN_PROGRESS,FAILURE", http.StatusOK)
		if got, want := rowIDs(byPercent), ids(backup, deploy); !slices.Equal(got, want) {
			t.Errorf("sorted by -percent: rows %v, want %v", got, want)
		}
		// Sort links keep the filters.
		contains(t, "filtered list", byPercent, []string{`href="/jobs?sort=name&amp;state=IN_PROGRESS%2CFAILURE"`}, nil)
	})
	t.Run("filters", func(t *testing.T) {
		failed := s.page(t, "/jobs?state=FAILURE", http.StatusOK)
		if got := rowIDs(failed); !slices.Equal(got, ids(deploy)) {
			t.Errorf("state=FAILURE: rows %v", got)
		}
		contains(t, "state=FAILURE", failed, []string{"<option selected>FAILURE</option>"}, nil)
		named := s.page(t, "/jobs?name=nightly", http.StatusOK)
		if got := rowIDs(named); !slices.Equal(got, ids(backup)) {
			t.Errorf("name=nightly: rows %v", got)
		}
		contains(t, "name=nightly", named, []string{`<input name="name" value="nightly"`}, nil)
		typed := s.page(t, "/jobs?job_type=Rep*", http.StatusOK)
		if got := rowIDs(typed); !slices.Equal(got, ids(report)) {
			t.Errorf("job_type=Rep*: rows %v", got)
		}
		none := s.page(t, "/jobs?name=nobody", http.StatusOK)
		contains(t, "name=nobody", none, []string{"No jobs match.", `href="/jobs">Clear filters`}, []string{"<tr data-job"})
		bad := s.page(t, "/jobs?state=DONE", http.StatusBadRequest)
		contains(t, "state=DONE", bad, []string{`<p class="form-error" role="alert">state: `}, []string{"<tr data-job"})
		s.page(t, "/jobs?sort=colour", http.StatusBadRequest)
		s.page(t, "/jobs?cursor=zzz", http.StatusBadRequest)
	})
	t.Run("paging", func(t *testing.T) {
		var pages [][]string
		var bodies []string
		next := "/jobs?limit=1&sort=name"
		for next != "" && len(pages) < 10 {
			b := s.page(t, next, http.StatusOK)
			pages, bodies = append(pages, rowIDs(b)), append(bodies, b)
			next = link(b, "next")
		}
		var walked []string
		for _, p := range pages {
			walked = append(walked, p...)
		}
		if want := ids(deploy, backup, report, xss); !slices.Equal(walked, want) {
			t.Fatalf("pages %v, want one job each of %v", pages, want)
		}
		for i := len(pages) - 1; i > 0; i-- {
			prev := link(bodies[i], "prev")
			if prev == "" {
				t.Fatalf("page %d has no previous link", i+1)
			}
			if got := rowIDs(s.page(t, prev, http.StatusOK)); !slices.Equal(got, pages[i-1]) {
				t.Errorf("previous of page %d (%s) lists %v, want %v", i+1, prev, got, pages[i-1])
			}
		}
		if link(bodies[0], "prev") != "" {
			t.Error("the first page links to a previous one")
		}
	})
}

func TestJobDetailPage(t *testing.T) {
	s := newJobSite(t)
	ctx := context.Background()
	parent := s.createJob(t, map[string]string{"name": "weekly report", "job_type": "Report", "summary": "the weekly numbers",
		"recurrence": "DTSTART;TZID=Europe/Berlin:20300107T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO"})
	var children []store.Job
	for i, state := range []string{store.JobSuccess, store.JobScheduled} {
		at := time.Date(2030, 1, 7+7*i, 8, 0, 0, 0, time.UTC)
		c := store.Job{Name: "weekly report", JobType: "Report", State: state, ScheduledStart: at, ParentID: parent.ID,
			Owner: parent.Owner, Domain: parent.Domain}
		if state == store.JobSuccess {
			c.Percent, c.ActualStart, c.EndTime = 100, at, at.Add(time.Minute)
		}
		c, err := s.f.Store.CreateJob(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		children = append(children, c)
	}
	jobPath := func(id int64) string { return fmt.Sprintf("/jobs/%d", id) }

	t.Run("recurring job", func(t *testing.T) {
		body := s.page(t, jobPath(parent.ID), http.StatusOK)
		var want []string
		for _, f := range []string{"name", "id", "percent", "state", "job_type", "summary", "scheduled_start",
			"actual_start", "end_time", "recurrence", "owner", "domain"} {
			want = append(want, `data-field="`+f+`"`)
		}
		want = append(want, `data-field="name">weekly report</dd>`, fmt.Sprintf(`data-field="id">%d</dd>`, parent.ID),
			`data-field="summary" class="prose">the weekly numbers</dd>`, `data-field="owner">test-admin</dd>`,
			`data-field="domain">Global</dd>`, `<time datetime="2030-01-07T08:00:00.000000Z">`,
			"not started", "not ended", "<h2>Occurrences</h2>",
			`id="job-audit-logs"`, "<td>Create Job</td>", "Recurring Job Scheduled",
			`id="cancel-job"`, `id="reschedule-job"`, `action="/jobs/`+fmt.Sprint(parent.ID)+`/cancel?back=%2fjobs"`, `href="/jobs" id="back"`)
		for _, c := range children {
			want = append(want, fmt.Sprintf(`<a href="/jobs/%d">%d</a>`, c.ID, c.ID))
		}
		for _, r := range parent.NextRuns {
			want = append(want, `<time datetime="`+r+`">`)
		}
		contains(t, "recurring job page", body, want, []string{`id="retry-job"`})
		if !strings.Contains(html.UnescapeString(body), parent.RecurrenceText) || parent.RecurrenceText == "" {
			t.Errorf("page lacks the recurrence text %q", parent.RecurrenceText)
		}
		if len(parent.NextRuns) != 5 {
			t.Errorf("next runs %q", parent.NextRuns)
		}
		occ := body[strings.Index(body, "<h2>Occurrences</h2>"):]
		contains(t, "occurrences", occ, []string{`state-success">SUCCESS`, `state-scheduled">SCHEDULED`, "100%"}, nil)
		// Latest occurrence first.
		if i, k := strings.Index(occ, jobPath(children[1].ID)), strings.Index(occ, jobPath(children[0].ID)); i < 0 || k < i {
			t.Errorf("occurrences not latest first")
		}
	})
	t.Run("occurrence", func(t *testing.T) {
		body := s.page(t, jobPath(children[0].ID), http.StatusOK)
		contains(t, "occurrence page", body, []string{"Occurrence of", fmt.Sprintf(`<a href="/jobs/%d">job %d</a>`, parent.ID, parent.ID),
			`state-success">SUCCESS`, `<progress max="100" value="100"`}, []string{"<h2>Occurrences</h2>", `id="cancel-job"`})
	})
	t.Run("one-off job has no occurrences", func(t *testing.T) {
		j := s.createJob(t, map[string]string{"name": "once", "job_type": "t"})
		body := s.page(t, jobPath(j.ID), http.StatusOK)
		contains(t, "one-off job page", body, []string{`data-field="recurrence"><span class="muted">none</span>`, "Job Scheduled"},
			[]string{"<h2>Occurrences</h2>"})
	})

	t.Run("failed job", func(t *testing.T) {
		j := s.createJob(t, map[string]string{"name": "flaky", "job_type": "t"})
		s.patchJob(t, j.ID, `{"state":"IN_PROGRESS","percent":20}`)
		s.patchJob(t, j.ID, `{"state":"FAILURE","summary":"device unreachable"}`)
		body := s.page(t, jobPath(j.ID), http.StatusOK)
		contains(t, "failed job page", body, []string{`id="retry-job"`, `state-failure">FAILURE`, "device unreachable",
			`<progress max="100" value="20"`},
			[]string{`id="cancel-job"`, `id="reschedule-job"`})

		resp, _ := s.form(t, jobPath(j.ID)+"/retry", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("retry: status %d, want 303", resp.StatusCode)
		}
		loc := resp.Header.Get("Location")
		if strings.HasPrefix(loc, jobPath(j.ID)+"?") || !strings.HasPrefix(loc, "/jobs/") {
			t.Fatalf("retry redirects to %q, want the new job", loc)
		}
		retry := s.page(t, loc, http.StatusOK)
		contains(t, "retry page", retry, []string{"Retry of", fmt.Sprintf(`<a href="/jobs/%d">job %d</a>`, j.ID, j.ID),
			`state-scheduled">SCHEDULED`, "Retry Job", `id="cancel-job"`}, []string{`id="retry-job"`})
		// The cancel of a finished job is refused on the page.
		resp, body = s.form(t, jobPath(j.ID)+"/cancel", nil)
		if resp.StatusCode != http.StatusConflict {
			t.Errorf("cancel of a failed job: status %d, want 409", resp.StatusCode)
		}
		contains(t, "refused cancel", body, []string{`id="job-error"`, "job is FAILURE; it cannot become CANCELED"}, nil)
	})

	t.Run("cancel", func(t *testing.T) {
		j := s.createJob(t, map[string]string{"name": "to cancel", "job_type": "t"})
		before := s.page(t, jobPath(j.ID), http.StatusOK)
		contains(t, "scheduled job page", before, []string{`id="cancel-job"`, `id="reschedule-job"`}, []string{`id="retry-job"`})

		resp, _ := s.form(t, jobPath(j.ID)+"/cancel", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("cancel: status %d, want 303", resp.StatusCode)
		}
		loc := resp.Header.Get("Location")
		if loc != jobPath(j.ID) && !strings.HasPrefix(loc, jobPath(j.ID)+"?") {
			t.Fatalf("cancel redirects to %q, want the job's page", loc)
		}
		after := s.page(t, loc, http.StatusOK)
		contains(t, "canceled job page", after, []string{`state-canceled">CANCELED`, "<td>Cancel Job</td>", `data-field="note">canceled by test-admin`,
			`id="retry-job"`}, []string{`id="cancel-job"`, `id="reschedule-job"`, "not ended"})
		if got := s.getJob(t, j.ID); got.State != store.JobCanceled || got.EndTime == "" {
			t.Errorf("stored job after cancel: %+v", got)
		}
		t.Run("back link", func(t *testing.T) {
			if !strings.Contains(after, `href="/jobs" id="back"`) {
				t.Fatal("after an action on /jobs/{id} the redirect carries back=/audit-logs (web.jobAction uses backURL, " +
					"whose default is the audit-log grid), so the page's Back button leaves the jobs; got " + link(after, "back"))
			}
		})

		resp, body := s.form(t, jobPath(j.ID)+"/cancel", nil)
		if resp.StatusCode != http.StatusConflict {
			t.Fatalf("second cancel: status %d, want 409", resp.StatusCode)
		}
		contains(t, "second cancel", body, []string{`<p class="form-error" role="alert" id="job-error">job is already CANCELED</p>`,
			`state-canceled">CANCELED`}, []string{`id="cancel-job"`})
	})

	t.Run("reschedule", func(t *testing.T) {
		j := s.createJob(t, map[string]string{"name": "later", "job_type": "t", "scheduled_start": "2030-06-01T00:00:00Z"})
		resp, _ := s.form(t, jobPath(j.ID)+"/reschedule", url.Values{"scheduled_start": {"2031-02-03T04:05:06Z"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("reschedule: status %d, want 303", resp.StatusCode)
		}
		contains(t, "rescheduled job page", s.page(t, resp.Header.Get("Location"), http.StatusOK),
			[]string{`data-field="scheduled_start" class="mono"><time datetime="2031-02-03T04:05:06.000000Z">`, "Reschedule Job"}, nil)
		resp, body := s.form(t, jobPath(j.ID)+"/reschedule", url.Values{"scheduled_start": {"soon"}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("reschedule to %q: status %d, want 400", "soon", resp.StatusCode)
		}
		contains(t, "bad reschedule", body, []string{`id="job-error">scheduled_start: `}, nil)
		if got := s.getJob(t, j.ID); got.ScheduledStart != "2031-02-03T04:05:06.000000Z" {
			t.Errorf("a refused reschedule moved the job to %s", got.ScheduledStart)
		}
	})

	t.Run("missing", func(t *testing.T) {
		for _, p := range []string{"/jobs/999999", "/jobs/abc", "/jobs/0", "/jobs/-1"} {
			contains(t, p, s.page(t, p, http.StatusNotFound), []string{"Not found"}, []string{`id="job-fields"`})
		}
		for _, p := range []string{"/jobs/999999/cancel", "/jobs/999999/retry", fmt.Sprintf("/jobs/%d/explode", parent.ID)} {
			if resp, _ := s.form(t, p, nil); resp.StatusCode != http.StatusNotFound {
				t.Errorf("POST %s: status %d, want 404", p, resp.StatusCode)
			}
		}
		if got := s.getJob(t, parent.ID); got.State != store.JobScheduled {
			t.Errorf("an unknown action changed the job to %s", got.State)
		}
	})

	t.Run("escapes", func(t *testing.T) {
		j := s.createJob(t, map[string]string{"name": "x" + jobProbe, "job_type": "Probe" + jobProbe, "summary": jobProbe})
		body := s.page(t, jobPath(j.ID), http.StatusOK)
		contains(t, "probe job page", body, []string{`data-field="summary" class="prose">&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(2)&gt;</dd>`,
			"<h1>x&lt;script&gt;"}, []string{jobProbe, "<img src=x", "<script>alert"})
	})
}
