package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/server/servertest"
)

// visWorld is a tree of domains with one entry in each, all of one job,
// each domain with an application of its own.
type visWorld struct {
	e   *servertest.Env
	ids map[string]int64 // domain → id of its entry
}

const visWorldJob = 515151

var visWorldDomains = []string{"Global", "Global/EMEA", "Global/EMEA/Lab", "Global/EMEA/Other", "Global/APAC"}

func newVisWorld(t *testing.T) *visWorld {
	e := servertest.NewEnv(t, nil)
	e.AddDomain("Global/EMEA", false)
	e.AddDomain("Global/EMEA/Lab", true)
	e.AddDomain("Global/EMEA/Other", false)
	e.AddDomain("Global/APAC", false)
	w := &visWorld{e: e, ids: map[string]int64{}}
	for _, d := range visWorldDomains {
		ids := e.Seed(audit.Entry{UserName: visWorldUser(d), Domain: d, Application: visWorldApp(d), JobID: visWorldJob,
			Description: "entry of " + d})
		w.ids[d] = ids[0]
	}
	return w
}

// visWorldUser and visWorldApp name the user and application of a domain's entry.
func visWorldUser(d string) string {
	return "seed-" + strings.ReplaceAll(strings.ToLower(d), "/", "-") + "-end"
}
func visWorldApp(d string) string { return "App " + d }

// visListing is the part of an audit log listing the tests look at.
type visListing struct {
	AuditLogs []struct {
		ID       int64  `json:"id"`
		UserName string `json:"user_name"`
		Domain   string `json:"domain"`
	} `json:"audit_logs"`
	Total int `json:"total"`
}

func (l visListing) ids() []int64 {
	var out []int64
	for _, en := range l.AuditLogs {
		out = append(out, en.ID)
	}
	slices.Sort(out)
	return out
}

var (
	visGridRowRe   = regexp.MustCompile(`<tr data-id="(\d+)"`)
	visGridTotalRe = regexp.MustCompile(`<p class="count" id="total"[^>]*>([\d,+]+) entr`)
	visJobRowRe    = regexp.MustCompile(`<td class="num"><a href="/audit-logs/(\d+)\?`)
	visJobTotalRe  = regexp.MustCompile(`Audit logs of this job <span class="muted">([\d,+]+)</span>`)
	visAppSelectRe = regexp.MustCompile(`(?s)<select form="filters" name="application".*?</select>`)
	visOptionRe    = regexp.MustCompile(`<option(?: selected)?>([^<]*)</option>`)
)

func visMatchIDs(t testing.TB, re *regexp.Regexp, body string) []int64 {
	t.Helper()
	var out []int64
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		id, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// checkView checks that who sees the entries of exactly the visible
// domains everywhere entries are shown: the API list and one-entry reads,
// the grid, the detail pages, the job page and the Application pick list.
func (w *visWorld) checkView(t *testing.T, who servertest.Identity, visible []string) {
	t.Helper()
	var want []int64
	var invisibleUsers, wantApps []string
	for _, d := range visWorldDomains {
		if slices.Contains(visible, d) {
			want = append(want, w.ids[d])
			wantApps = append(wantApps, visWorldApp(d))
		} else {
			invisibleUsers = append(invisibleUsers, visWorldUser(d))
		}
	}
	slices.Sort(want)
	slices.Sort(wantApps)
	wantTotal := strconv.Itoa(len(want))
	listed := func(t testing.TB, _ *servertest.Env, r servertest.Response) {
		var l visListing
		r.Decode(t, &l)
		if d := cmp.Diff(want, l.ids()); d != "" || l.Total != len(want) {
			t.Errorf("listed total %d, want %d; ids (-want +got):\n%s", l.Total, len(want), d)
		}
	}
	t.Run("api list", func(t *testing.T) {
		servertest.Run(t, w.e, []servertest.Scenario{
			{URL: "/api/v1/audit-logs?limit=1000", Identity: who, ExpectedStatus: 200, NotExpectedContent: invisibleUsers, AfterFunc: listed},
			// A filter naming an invisible domain does not widen the scope.
			{URL: "/api/v1/audit-logs?domain=Global*&limit=1000", Identity: who, ExpectedStatus: 200, AfterFunc: listed},
		})
	})
	t.Run("api get one", func(t *testing.T) { w.checkOne(t, who, "/api/v1/audit-logs/", visible) })
	t.Run("grid", func(t *testing.T) {
		servertest.Scenario{URL: "/audit-logs?limit=200", Identity: who, ExpectedStatus: 200, NotExpectedContent: invisibleUsers,
			AfterFunc: func(t testing.TB, _ *servertest.Env, r servertest.Response) {
				if d := cmp.Diff(want, visMatchIDs(t, visGridRowRe, r.Body)); d != "" {
					t.Errorf("grid rows (-want +got):\n%s", d)
				}
				if m := visGridTotalRe.FindStringSubmatch(r.Body); m == nil || m[1] != wantTotal {
					t.Errorf("grid count %v, want %s", m, wantTotal)
				}
				var apps []string
				for _, m := range visOptionRe.FindAllStringSubmatch(visAppSelectRe.FindString(r.Body), -1) {
					if m[1] != "All" {
						apps = append(apps, m[1])
					}
				}
				slices.Sort(apps)
				if d := cmp.Diff(wantApps, apps); d != "" {
					t.Errorf("Application pick list (-want +got):\n%s", d)
				}
			}}.Send(t, w.e)
	})
	t.Run("detail page", func(t *testing.T) { w.checkOne(t, who, "/audit-logs/", visible) })
	t.Run("job page", func(t *testing.T) {
		servertest.Scenario{URL: "/jobs/" + strconv.Itoa(visWorldJob), Identity: who, ExpectedStatus: 200,
			AfterFunc: func(t testing.TB, _ *servertest.Env, r servertest.Response) {
				if d := cmp.Diff(want, visMatchIDs(t, visJobRowRe, r.Body)); d != "" {
					t.Errorf("job rows (-want +got):\n%s", d)
				}
				if m := visJobTotalRe.FindStringSubmatch(r.Body); m == nil || m[1] != wantTotal {
					t.Errorf("job count %v, want %s", m, wantTotal)
				}
			}}.Send(t, w.e)
	})
}

// checkOne reads the entry of every domain at prefix+id: the visible
// ones show their entry, the others are answered exactly as a missing
// entry is.
func (w *visWorld) checkOne(t *testing.T, who servertest.Identity, prefix string, visible []string) {
	missing := servertest.Scenario{Name: "missing", URL: prefix + "99999999", Identity: who, ExpectedStatus: 404}.Send(t, w.e)
	var scenarios []servertest.Scenario
	for _, d := range visWorldDomains {
		s := servertest.Scenario{Name: "entry of " + d, URL: prefix + strconv.FormatInt(w.ids[d], 10), Identity: who}
		if slices.Contains(visible, d) {
			s.ExpectedStatus, s.ExpectedContent = 200, []string{visWorldUser(d)}
		} else {
			s.ExpectedStatus = 404
			s.AfterFunc = func(t testing.TB, _ *servertest.Env, r servertest.Response) {
				if d := cmp.Diff(missing.Body, r.Body); d != "" {
					t.Errorf("the answer differs from that to a missing entry (-missing +got):\n%s", d)
				}
			}
		}
		scenarios = append(scenarios, s)
	}
	servertest.Run(t, w.e, scenarios)
}

// TestDomainVisibility checks that what an audit administrator sees is
// bounded by their domains: their own and those below, the parent of a
// domain with parent read access (alone), never a peer or Global.
func TestDomainVisibility(t *testing.T) {
	w := newVisWorld(t)
	e := w.e
	e.AddUser("emea-auditor", []string{"audit-log-admin"}, "Global/EMEA")
	e.AddUser("lab-auditor", []string{"audit-log-admin"}, "Global/EMEA/Lab")
	e.AddUser("global-auditor", []string{"audit-log-admin"}, "Global")

	t.Run("Global/EMEA", func(t *testing.T) {
		w.checkView(t, servertest.User("emea-auditor"), []string{"Global/EMEA", "Global/EMEA/Lab", "Global/EMEA/Other"})
	})
	t.Run("Global/EMEA/Lab with parent read", func(t *testing.T) {
		w.checkView(t, servertest.User("lab-auditor"), []string{"Global/EMEA", "Global/EMEA/Lab"})
	})
	t.Run("Global", func(t *testing.T) {
		// The Global auditor also sees Logbook's own entries (logins, the
		// domains added): compare only the seeded ones.
		var scenarios []servertest.Scenario
		for _, d := range visWorldDomains {
			scenarios = append(scenarios, servertest.Scenario{Name: "entry of " + d, URL: "/api/v1/audit-logs/" + strconv.FormatInt(w.ids[d], 10),
				Identity: servertest.User("global-auditor"), ExpectedStatus: 200, ExpectedContent: []string{visWorldUser(d)}})
		}
		servertest.Run(t, e, scenarios)
	})
	e.AddToken("apac-reader", []string{"read"}, "Global/APAC")
	servertest.Scenario{Name: "read token bound to Global/APAC", URL: "/api/v1/audit-logs", Identity: servertest.Token("apac-reader"),
		ExpectedStatus: 200, AfterFunc: func(t testing.TB, _ *servertest.Env, r servertest.Response) {
			var l visListing
			r.Decode(t, &l)
			if l.Total != 1 || len(l.AuditLogs) != 1 || l.AuditLogs[0].ID != w.ids["Global/APAC"] {
				t.Errorf("got %+v, want only the entry of Global/APAC", l)
			}
		}}.Test(t, e)
}

// visSSE reads the data lines of an event stream into a channel.
func visSSE(body io.Reader) <-chan string {
	ch := make(chan string, 16)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(body)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				ch <- v
			}
		}
	}()
	return ch
}

// TestLiveCountRespectsDomains checks that the live "N new" count of a
// domain-bound administrator counts only the entries they may see.
func TestLiveCountRespectsDomains(t *testing.T) {
	w := newVisWorld(t)
	e := w.e
	e.AddUser("emea-auditor", []string{"audit-log-admin"}, "Global/EMEA")
	c := e.Login(t, "emea-auditor", servertest.Password)
	head, _, err := e.Store.Head(e.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", c.Base+"/audit-logs/live?after="+strconv.FormatInt(head, 10), nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("got %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	events := visSSE(resp.Body)
	next := func() string {
		t.Helper()
		select {
		case v, ok := <-events:
			if !ok {
				t.Fatal("the stream ended")
			}
			return v
		case <-ctx.Done():
			t.Fatal("no event in time")
		}
		return ""
	}
	if v := next(); v != "0" {
		t.Fatalf("first count %s, want 0", v)
	}
	submit := func(domains ...string) {
		var es []audit.Entry
		for _, d := range domains {
			en := audit.Entry{UserName: "live-" + visWorldUser(d), Domain: d, Application: "REST", Task: "Live Probe"}
			servertest.Fill(&en)
			es = append(es, en)
		}
		if _, err := e.Server.Writer.Submit(e.Ctx, es); err != nil {
			t.Fatal(err)
		}
	}
	// Two invisible entries in one commit, then one visible: had the
	// invisible ones been counted, the count would go 0 → 2 → 3 and never
	// show 1.
	submit("Global/APAC", "Global")
	submit("Global/EMEA/Lab")
	if v := next(); v != "1" {
		t.Fatalf("count after entries in Global/APAC, Global and then Global/EMEA/Lab: %s, want 1", v)
	}
}

// TestTokenIngestDomain checks that a token writes only into its domains
// and those below, and that a batch with one entry outside them is
// refused whole.
func TestTokenIngestDomain(t *testing.T) {
	e := servertest.NewEnv(t, nil)
	e.AddDomain("Global/EMEA", false)
	e.AddDomain("Global/APAC", false)
	e.AddToken("apac-ingest", []string{"ingest"}, "Global/APAC")
	entry := func(user, domain string) string {
		return fmt.Sprintf(`{"user_name":%q,"domain":%q,"application":"REST","task":"Domain Probe","result":"Success"}`, user, domain)
	}
	stored := func(users []string, want int) func(testing.TB, *servertest.Env, servertest.Response) {
		return func(t testing.TB, e *servertest.Env, _ servertest.Response) {
			for _, u := range users {
				if n := e.Count(t, u); n != want {
					t.Errorf("%d entries of %s were stored, want %d", n, u, want)
				}
			}
		}
	}
	// refused checks that the refusal names the field, then that none of
	// the users' entries were stored.
	refused := func(field string, users ...string) func(testing.TB, *servertest.Env, servertest.Response) {
		return func(t testing.TB, e *servertest.Env, r servertest.Response) {
			var ref struct {
				Error  string `json:"error"`
				Fields []struct {
					Field string `json:"field"`
				} `json:"fields"`
			}
			r.Decode(t, &ref)
			if len(ref.Fields) != 1 || ref.Fields[0].Field != field || !strings.HasPrefix(ref.Error, field+":") {
				t.Errorf("refusal %+v does not name the field %s", ref, field)
			}
			stored(users, 0)(t, e, r)
		}
	}
	as := servertest.Token("apac-ingest")
	var scenarios []servertest.Scenario
	for _, d := range []string{"Global/APAC", "Global/APAC/Tokyo"} {
		scenarios = append(scenarios, servertest.Scenario{Name: "ingest into " + d, Method: "POST", URL: "/api/v1/audit-logs",
			Body: entry("ok-"+d, d), Identity: as, ExpectedStatus: 201, AfterFunc: stored([]string{"ok-" + d}, 1)})
	}
	scenarios = append(scenarios, []servertest.Scenario{
		{Name: "single entry", Body: entry("refused-single", "Global/EMEA"), AfterFunc: refused("domain", "refused-single")},
		{Name: "batch", Body: "[" + entry("refused-batch-0", "Global/APAC") + "," + entry("refused-batch-1", "Global/EMEA") + "]",
			AfterFunc: refused("[1].domain", "refused-batch-0", "refused-batch-1")},
		{Name: "Global", Body: entry("refused-global", "Global"), AfterFunc: refused("domain", "refused-global")},
		{Name: "a peer with the same prefix", Body: entry("refused-prefix", "Global/APACX"), AfterFunc: refused("domain", "refused-prefix")},
	}...)
	for i := 2; i < len(scenarios); i++ {
		scenarios[i].Method, scenarios[i].URL, scenarios[i].Identity = "POST", "/api/v1/audit-logs", as
		scenarios[i].ExpectedStatus = http.StatusForbidden
	}
	servertest.Run(t, e, scenarios)
}
