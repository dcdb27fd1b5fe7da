package e2e

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/logbookhq/logbook/internal/store"
)

// TestBrowserJobLink follows an audit log's Job ID to the job, checks the
// job's fields and its audit logs, and goes Back to the same grid view.
func TestBrowserJobLink(t *testing.T) {
	ui := startUI(t)
	p := newPage(t, newBrowser(t, browserLimit), ui.URL, "Etc/UTC")
	e := ui.Full
	jobID := strconv.FormatInt(e.JobID, 10)

	p.open("/audit-logs?sort=user_name")
	p.load("filter by user", chromedp.SendKeys(chromedp.CSS(`tr.filter-row input[name="user_name"]`), e.UserName+kb.Enter))
	gridURL := p.relURL()
	rows := p.rowIDs()
	if !slices.Contains(rows, e.ID) {
		t.Fatalf("the grid %s does not show entry %d: %v", gridURL, e.ID, rows)
	}

	p.load("click the Job ID", chromedp.Click(chromedp.CSS(`tr[data-id="`+strconv.FormatInt(e.ID, 10)+`"] td.col-job_id a`)))
	if got := p.relURL(); !strings.HasPrefix(got, "/jobs/"+jobID+"?back=") {
		t.Fatalf("the Job ID link went to %s", got)
	}
	field := func(name string) string {
		return strings.TrimSpace(evalJS[string](p, `(document.querySelector('#job-fields [data-field="`+name+`"]') || {}).textContent || ""`))
	}
	for name, want := range map[string]string{"id": jobID, "name": "NTP servers of the Berlin core routers",
		"state": "IN_PROGRESS", "job_type": e.Task, "owner": e.UserName, "domain": e.Domain} {
		if got := field(name); got != want {
			t.Errorf("job field %s = %q, want %q", name, got, want)
		}
	}
	if got := field("percent"); !strings.Contains(got, "40%") {
		t.Errorf("job percent shows %q", got)
	}
	if !evalJS[bool](p, `!!document.querySelector("#cancel-job") && !document.querySelector("#retry-job")`) {
		t.Error("a running job should offer Cancel and not Retry to a Super Administrator")
	}
	links := p.texts(`#job-audit-logs tbody td.num a`)
	if !slices.Contains(links, strconv.FormatInt(e.ID, 10)) {
		t.Errorf("the job's audit logs %v lack entry %d", links, e.ID)
	}

	p.load("click Back", chromedp.Click(chromedp.CSS("#back")))
	if got := p.relURL(); got != gridURL {
		t.Errorf("Back went to %s, want the grid as it was: %s", got, gridURL)
	}
	if got := p.rowIDs(); !slices.Equal(got, rows) {
		t.Errorf("the grid after Back shows %v, want %v", got, rows)
	}

	// The browser's own Back works the same.
	p.load("click the Job ID again", chromedp.Click(chromedp.CSS(`tr[data-id="`+strconv.FormatInt(e.ID, 10)+`"] td.col-job_id a`)))
	p.load("browser back", chromedp.NavigateBack())
	if got := p.relURL(); got != gridURL {
		t.Errorf("browser Back went to %s, want %s", got, gridURL)
	}

	// Cancel the job from its page: it ends CANCELED and the page says so.
	p.open("/jobs/" + jobID)
	p.load("cancel the job", chromedp.Click(chromedp.CSS("#cancel-job")))
	if got := field("state"); got != "CANCELED" {
		t.Errorf("after Cancel the job is %q", got)
	}
}

// TestBrowserJobProgressIsLive watches a running job's percent and state
// change on the Job List page as the job reports progress.
func TestBrowserJobProgressIsLive(t *testing.T) {
	ui := startUI(t)
	p := newPage(t, newBrowser(t, browserLimit), ui.URL, "Etc/UTC")
	id := ui.Full.JobID
	p.open("/jobs?state=IN_PROGRESS")
	row := `tr[data-job="` + strconv.FormatInt(id, 10) + `"]`
	p.waitFor("the running job is listed", `!!document.querySelector('`+row+`')`)
	if _, err := ui.Server.Store.UpdateJob(context.Background(), id, func(j *store.Job) error { j.Percent = 70; return nil }); err != nil {
		t.Fatal(err)
	}
	p.waitFor("percent follows", `document.querySelector('`+row+` progress').value === 70`)
	if _, err := ui.Server.Store.UpdateJob(context.Background(), id, func(j *store.Job) error {
		j.State, j.Percent = store.JobSuccess, 100
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	p.waitFor("state follows", `document.querySelector('`+row+` .state').textContent === "SUCCESS"`)
}
