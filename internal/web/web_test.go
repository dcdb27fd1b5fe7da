package web_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/server/servertest"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/demo"
	"github.com/logbookhq/logbook/internal/server"
)

type fixture struct {
	url string
	srv *server.Server
}

func newFixture(t testing.TB, n int) fixture {
	t.Helper()
	ctx := context.Background()
	f := servertest.New(t, servertest.Options{AsAdmin: true})
	if n > 0 {
		es := demo.NewGenerator(3).History(n, time.Now(), 30*24*time.Hour)
		for i := range es {
			es[i].Source = "test"
		}
		for i := 0; i < len(es); i += 5000 {
			if _, err := f.Store.Append(ctx, es[i:min(i+5000, len(es))]); err != nil {
				t.Fatal(err)
			}
		}
	}
	return fixture{url: f.URL, srv: f.Server}
}

func (f fixture) submit(t testing.TB, es ...audit.Entry) []int64 {
	t.Helper()
	for i := range es {
		if es[i].Source == "" {
			es[i].Source = "test"
		}
		if es[i].Domain == "" {
			es[i].Domain = "Global"
		}
		if es[i].Timestamp.IsZero() {
			es[i].Timestamp = time.Now().UTC()
		}
	}
	ids, err := f.srv.Writer.Submit(context.Background(), es)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

const probe = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`

func TestPages(t *testing.T) {
	f := newFixture(t, 300)
	ids := f.submit(t, audit.Entry{UserName: "mallory" + probe, Application: "REST", Workspace: "Devices", Task: "Modify Application Settings",
		Result: audit.ResultFailure, JobID: 360448, Description: probe,
		AffectedObjects:      []audit.Object{{Type: "Setting", ID: "7", Name: probe}},
		AffectedObjectDetail: `{"setting":"Max Login Attempts","before":"4","after":"<img src=x onerror=alert(3)>"}`})
	id := ids[0]
	idStr := strconv.FormatInt(id, 10)
	cases := []struct {
		name, path string
		status     int
		want       []string
		notWant    []string
	}{
		{"root redirects audit administrators to the statistics", "/", 200, []string{`id="active-users"`, `id="by-task"`, `id="timeline"`}, nil},
		{"grid", "/audit-logs", 200, []string{"Audit Log ID", "User Name", "User IP", "Application", "Task", "Timestamp", "Result", "Job ID", "Description",
			`<time datetime="`, `aria-sort="descending"`, `id="next"`, "entries", `data-url="/audit-logs/live?`}, []string{probe, "<script>alert"}},
		{"grid escapes values", "/audit-logs?user_name=mallory", 200, []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "1 entry match"}, []string{probe, "<img src=x"}},
		{"grid sorted ascending", "/audit-logs?sort=user_name", 200, []string{`aria-sort="ascending"`, `sort=-user_name`}, nil},
		{"grid by result and task", "/audit-logs?result=Failure&task=Modify", 200, []string{"mallory"}, nil},
		{"grid by id", "/audit-logs?id=" + idStr, 200, []string{"1 entry match", `data-id="` + idStr + `"`}, nil},
		{"quick range", "/audit-logs?range=1h", 200, []string{`class="chip selected" href="/audit-logs?range=1h"`}, []string{"sort=-timestamp"}},
		{"bad range", "/audit-logs?range=2y", 400, []string{"range: must be one of"}, nil},
		{"unknown filter", "/audit-logs?colour=red", 400, []string{"colour: is not a filter of audit logs", "No audit logs match", "Clear filters"}, nil},
		{"empty result offers to clear", "/audit-logs?user_name=nobody-at-all", 200, []string{"No audit logs match these filters.", "Clear filters"}, nil},
		{"damaged cursor", "/audit-logs?cursor=zzz", 400, []string{"out of date or damaged"}, []string{"invalid cursor"}},
		{"detail page", "/audit-logs/" + idStr, 200, []string{`data-field="workspace">Devices`, `data-field="affected_objects"`, "Setting",
			"&#34;setting&#34;: &#34;Max Login Attempts&#34;", "&lt;img src=x onerror=alert(3)&gt;", `data-field="hash"`,
			`href="/jobs/360448?back=%2Faudit-logs"`}, []string{probe, "<img src=x"}},
		{"detail fragment", "/audit-logs/" + idStr + "?fragment=1&back=%2Faudit-logs%3Fsort%3Duser_name", 200,
			[]string{`class="detail"`, `href="/audit-logs?sort=user_name" data-close`}, []string{"<html", "topbar"}},
		{"detail refuses foreign back links", "/audit-logs/" + idStr + "?back=https://evil.example/", 200, []string{`href="/audit-logs" data-close`}, []string{"evil.example"}},
		{"unknown entry", "/audit-logs/999999", 404, []string{"Not found"}, nil},
		{"bad id", "/audit-logs/abc", 404, []string{"Not found"}, nil},
		{"job page", "/jobs/360448?back=%2Faudit-logs%3Fresult%3DFailure", 200, []string{"Job 360448", "mallory", `href="/audit-logs?result=Failure" id="back"`}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body, hdr := get(t, f.url+tc.path)
			if status != tc.status {
				t.Fatalf("status %d, want %d\n%s", status, tc.status, body)
			}
			if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q", ct)
			}
			if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP %q", csp)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(body, w) {
					t.Errorf("body holds %q", w)
				}
			}
			if strings.Contains(body, "<script>") && !strings.Contains(body, `<script src="/static/app.`) {
				t.Error("an inline script is on the page")
			}
		})
	}
}

func TestPagingLinksWalkEveryEntry(t *testing.T) {
	f := newFixture(t, 130)
	seen := map[string]bool{}
	next := "/audit-logs?limit=25&sort=user_name"
	pages := 0
	for next != "" {
		pages++
		_, body, _ := get(t, f.url+strings.ReplaceAll(next, "&amp;", "&"))
		for _, part := range strings.Split(body, `<tr data-id="`)[1:] {
			id := part[:strings.Index(part, `"`)]
			if seen[id] {
				t.Fatalf("entry %s shown twice", id)
			}
			seen[id] = true
		}
		next = ""
		if i := strings.Index(body, `id="next"`); i > 0 {
			start := strings.LastIndex(body[:i], `href="`) + len(`href="`)
			next = body[start : start+strings.Index(body[start:], `"`)]
		}
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 130 || pages != 6 {
		t.Fatalf("saw %d entries on %d pages, want 130 on 6", len(seen), pages)
	}
}

func TestStaticAssetsAreHashedAndCached(t *testing.T) {
	f := newFixture(t, 0)
	_, body, _ := get(t, f.url+"/audit-logs")
	i := strings.Index(body, `/static/app.`)
	if i < 0 {
		t.Fatal("no hashed asset link on the page")
	}
	href := body[i : i+strings.Index(body[i:], `"`)]
	status, css, hdr := get(t, f.url+href)
	if status != 200 || !strings.Contains(hdr.Get("Cache-Control"), "immutable") || len(css) == 0 {
		t.Fatalf("asset %s: %d %q", href, status, hdr.Get("Cache-Control"))
	}
	if status, _, _ := get(t, f.url+"/static/app.css"); status != 404 {
		t.Fatalf("unhashed asset name answered %d", status)
	}
}

func TestLiveCountStream(t *testing.T) {
	f := newFixture(t, 10)
	resp, err := http.Get(f.url + "/audit-logs/live?after=10&task=Log")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	events := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data: ") {
				events <- strings.TrimPrefix(sc.Text(), "data: ")
			}
		}
		close(events)
	}()
	wait := func(want string) {
		t.Helper()
		select {
		case got := <-events:
			if got != want {
				t.Fatalf("live count %s, want %s", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no live count %s", want)
		}
	}
	wait("0")
	f.submit(t, audit.Entry{UserName: "a", Application: "REST", Task: "Login", Result: audit.ResultSuccess},
		audit.Entry{UserName: "b", Application: "REST", Task: "Deploy Template", Result: audit.ResultSuccess})
	wait("1") // only the Login matches task=Log*
	f.submit(t, audit.Entry{UserName: "c", Application: "REST", Task: "Logout", Result: audit.ResultSuccess})
	wait("2")
	if status, _, _ := get(t, f.url+"/audit-logs/live?after=x"); status != 400 {
		t.Fatalf("bad after answered %d", status)
	}
}

// BenchmarkGridFirstPage renders the grid's first page, server side, over
// the demo's 100,000 entries: what a viewer waits for before the browser
// starts drawing.
func BenchmarkGridFirstPage(b *testing.B) {
	f := newFixture(b, 100000)
	for _, path := range []string{"/audit-logs", "/audit-logs?result=Failure&task=Deploy", "/audit-logs?sort=user_name&limit=200"} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				resp, err := http.Get(f.url + path)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatal(resp.Status)
				}
			}
		})
	}
}

func TestGridExportLinkKeepsTheSearch(t *testing.T) {
	f := newFixture(t, 0)
	f.submit(t, audit.Entry{UserName: "netops1", Application: "REST", Task: "Login", Result: audit.ResultSuccess},
		audit.Entry{UserName: "admin", Application: "REST", Task: "Login", Result: audit.ResultSuccess})
	_, body, _ := get(t, f.url+"/audit-logs?user_name=net&result=Success")
	i := strings.Index(body, `id="export-csv"`)
	if i < 0 {
		t.Fatal("no Export CSV link")
	}
	start := strings.LastIndex(body[:i], `href="`) + len(`href="`)
	href := strings.ReplaceAll(body[start:start+strings.Index(body[start:], `"`)], "&amp;", "&")
	status, csv, _ := get(t, f.url+href)
	if status != 200 || !strings.Contains(csv, "netops1") || strings.Contains(csv, "admin") {
		t.Fatalf("export of the grid's search (%s): %d\n%s", href, status, csv)
	}
}

func TestSearchBoxSuggestsFieldsAndValues(t *testing.T) {
	f := newFixture(t, 0)
	f.submit(t, audit.Entry{UserName: "ann", Application: "REST", Task: "Apply CLI Configlet", Result: audit.ResultSuccess})
	_, body, _ := get(t, f.url+"/audit-logs")
	for _, want := range []string{`<option value="user:">`, `<option value="user:ann">`, `<option value="task:&#34;Apply CLI Configlet&#34;">`, `<option value="application:REST">`} {
		if !strings.Contains(body, want) {
			t.Errorf("the search suggestions lack %s", want)
		}
	}
}

func TestSavedSearches(t *testing.T) {
	f := newFixture(t, 0)
	f.submit(t, audit.Entry{UserName: "ann", Application: "REST", Task: "Login", Result: audit.ResultFailure})
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(f.url+"/audit-logs/saved", url.Values{"name": {"my <failures>"}, "query": {"q=result%3AFailure&cursor=abc&p=3"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/audit-logs?q=result%3AFailure" {
		t.Fatalf("save: %s %s", resp.Status, resp.Header.Get("Location"))
	}
	_, body, _ := get(t, f.url+"/audit-logs")
	if i := strings.Index(body, `class="saved-row"`); i < 0 || !strings.Contains(body[i:i+200], `my &lt;failures&gt;</a>`) || !strings.Contains(body[i:i+200], `q=result`) || strings.Contains(body[i:i+200], `cursor`) {
		t.Error("the saved search is not listed (escaped, without its position)")
	}
	resp, err = c.PostForm(f.url+"/audit-logs/saved", url.Values{"name": {""}, "query": {"q=x"}})
	if err != nil || resp.StatusCode != 400 {
		t.Fatalf("a nameless search: %v %v", err, resp.Status)
	}
	resp, _ = c.PostForm(f.url+"/audit-logs/saved/delete", url.Values{"name": {"my <failures>"}})
	resp.Body.Close()
	if _, body, _ = get(t, f.url+"/audit-logs"); strings.Contains(body, "my &lt;failures&gt;") {
		t.Error("the deleted search is still listed")
	}
}
