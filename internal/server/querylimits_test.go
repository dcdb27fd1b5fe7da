package server_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/search"
	"github.com/logbookhq/logbook/internal/server/servertest"
	"github.com/logbookhq/logbook/internal/store/storetest"
)

type qRoute struct {
	name, method, path string
	page               bool // a page of the UI, which answers HTML or text
}

// qRoutes are the routes that take a search (q=), each with the
// parameters it needs besides the filters; the query's parameters are
// appended to path.
var qRoutes = []qRoute{
	{"list", http.MethodGet, "/api/v1/audit-logs?", false},
	{"stats by task", http.MethodGet, "/api/v1/audit-logs/stats?group_by=task&", false},
	{"stats per hour", http.MethodGet, "/api/v1/audit-logs/stats?interval=hour&", false},
	{"export", http.MethodGet, "/api/v1/audit-logs/export?", false},
	{"export job", http.MethodPost, "/api/v1/audit-logs/export-jobs?", false},
	{"grid", http.MethodGet, "/audit-logs?", true},
	{"grid live count", http.MethodGet, "/audit-logs/live?after=0&", true},
}

// newLimitsEnv starts a server with entries in both of SQLite's tables:
// a large commit goes to the indexed table, small ones wait in the buffer
// of recent entries, whose words are matched row by row (where the 500 of
// issue 13 came from). Ten users share the prefix u0, so that a prefix
// filter gets SQLite's walk per value. Pages are sent as the user
// limits-root, the API with the admin token.
func newLimitsEnv(t *testing.T) *servertest.Env {
	t.Helper()
	e := servertest.NewEnv(t, nil)
	e.AddUser("limits-root", []string{"super-admin"}, audit.RootDomain)
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond)
	large := make([]audit.Entry, 300)
	for i := range large {
		large[i] = audit.Entry{UserName: fmt.Sprintf("u%02d", i%10), UserIP: fmt.Sprintf("10.%d.0.1", i%200),
			Description: "x q ntp a b c d e f g h i j k l m n o p", Timestamp: at.Add(time.Duration(i) * time.Second),
			AffectedObjects: []audit.Object{{Type: "D", Name: fmt.Sprint(i % 7)}}}
	}
	e.Seed(large...)
	for i := range 5 {
		e.Seed(audit.Entry{UserName: fmt.Sprintf("u%02d", i), Description: "x q ntp a b c d e f g h i j k l m n o p"})
	}
	return e
}

var (
	limitsAPI = servertest.Token(servertest.AdminTokenName)
	limitsUI  = servertest.User("limits-root")
)

// queryScenario sends the query string qs to a route, reading a stream
// that does not end (an export, the live count) only up to its headers.
func queryScenario(name string, rt qRoute, qs string) servertest.Scenario {
	s := servertest.Scenario{Name: name, Method: rt.method, URL: rt.path + qs, Identity: limitsAPI, Stream: rt.method != http.MethodPost}
	if rt.page {
		s.Identity = limitsUI
	}
	return s
}

// TestQueryLimits sends searches past each limit of the search language
// to every route that takes one: each answers 400 naming q and the limit,
// never 500. The first is issue 13's: one term of 1,000 words, which
// SQLite refused as too deep an expression.
func TestQueryLimits(t *testing.T) {
	e := newLimitsEnv(t)
	var ids, objects []string
	for i := range search.MaxValues {
		ids = append(ids, fmt.Sprint(i+1))
		objects = append(objects, fmt.Sprintf("D:%d", i))
	}
	cases := []struct {
		name, q, msg string
	}{
		{"issue 13: x*q= 500 times", strings.Repeat("x*q=", 500),
			"expected at most 16 words in one term; this one has 1000"},
		{"many words", strings.Repeat("a-b-c-d-e-f-g-h ", 9),
			"expected at most 64 words in all terms together; this term brings them to 72"},
		{"many values in one term", "job:" + strings.Join(ids, ",") + ",51",
			`expected at most 50 values for "job:"`},
		{"many list values", strings.Repeat("object:"+strings.Join(objects, ",")+" ", 5),
			"expected at most 200 values in all field terms together; this term brings them to 250"},
		{"many network prefixes", "ip:10.0.0.0/9,11.0.0.0/9 -ip:12.0.0.0/25",
			"expected IPv4 networks that make at most 256 address prefixes together; this term brings them to 384"},
		{"very long term", `"` + strings.Repeat("a", 2100) + `"`, "expected at most 2000 bytes of query, not 2102"},
		{"many terms", strings.Repeat("a ", 51), "expected at most 50 terms"},
	}
	var scenarios []servertest.Scenario
	for _, tc := range cases {
		for _, rt := range qRoutes {
			s := queryScenario(tc.name+"/"+rt.name, rt, url.Values{"q": {tc.q}}.Encode())
			s.ExpectedStatus = http.StatusBadRequest
			s.AfterFunc = func(t testing.TB, _ *servertest.Env, r servertest.Response) { checkQueryRefusal(t, rt, r, tc.msg) }
			scenarios = append(scenarios, s)
		}
	}
	// The statistics page takes no search: it ignores q rather than fail.
	scenarios = append(scenarios, servertest.Scenario{Name: "statistics ignores q", URL: "/statistics?" + url.Values{"q": {cases[0].q}}.Encode(),
		Identity: limitsUI, ExpectedStatus: http.StatusOK})
	servertest.Run(t, e, scenarios)
}

// checkQueryRefusal checks that the refusal of a search says msg and
// names q: a page in its HTML or its text, the API in its error and
// fields.
func checkQueryRefusal(t testing.TB, rt qRoute, r servertest.Response, msg string) {
	t.Helper()
	switch {
	case rt.page && strings.HasPrefix(r.Header.Get("Content-Type"), "text/html"):
		if !strings.Contains(r.Body, html.EscapeString(msg)) {
			t.Fatalf("the page does not say %q:\n%.2000s", msg, r.Body)
		}
	case rt.page:
		if !strings.Contains(r.Body, "q: ") || !strings.Contains(r.Body, msg) {
			t.Fatalf("the answer does not say q: %q:\n%.300s", msg, r.Body)
		}
	default:
		var body struct {
			Error  string             `json:"error"`
			Fields []audit.FieldError `json:"fields"`
		}
		r.Decode(t, &body)
		if !strings.HasPrefix(body.Error, "q: ") || !strings.Contains(body.Error, msg) ||
			len(body.Fields) != 1 || body.Fields[0].Field != "q" {
			t.Fatalf("error %q fields %v, want one naming q that says %q", body.Error, body.Fields, msg)
		}
	}
}

// TestQueryAtTheLimits sends the largest search the limits allow
// (storetest.LargestSearch), alone and with the longest lists of the
// other filters, to every route that takes one: each answers it (no SQL
// error, no 500), within the 5 s a stream's headers are waited for.
func TestQueryAtTheLimits(t *testing.T) {
	e := newLimitsEnv(t)
	q := storetest.LargestSearch()
	if _, err := search.Parse(q, time.Now(), time.UTC); err != nil {
		t.Fatalf("the largest search does not parse: %v", err)
	}
	filters := url.Values{"q": {q}}
	// A prefix that covers ten users gets SQLite's walk per user, which
	// repeats the whole filter once per user.
	filters.Add("user_name", "u0*")
	for _, name := range []string{"task", "workspace", "application", "user_ip"} {
		for i := range 50 {
			filters.Add(name, fmt.Sprintf("%s-%d*", name, i))
		}
	}
	for i := range 50 {
		filters.Add("object", fmt.Sprintf("D:%d", i))
	}
	filters.Set("job_id", strings.TrimSuffix(strings.Repeat("7,", 50), ","))
	var scenarios []servertest.Scenario
	for _, tc := range []struct{ name, qs string }{
		{"largest search", url.Values{"q": {q}}.Encode()},
		{"largest search with prefix", url.Values{"q": {q}, "user_name": {"u0*"}}.Encode()},
		{"largest search and filters", filters.Encode()},
	} {
		for _, rt := range qRoutes {
			s := queryScenario(tc.name+"/"+rt.name, rt, tc.qs)
			s.ExpectedStatus = http.StatusOK
			if rt.method == http.MethodPost {
				s.ExpectedStatus = http.StatusAccepted
			}
			scenarios = append(scenarios, s)
		}
	}
	servertest.Run(t, e, scenarios)
}

// TestFilterListLimits checks the other lists a request can grow SQL or
// memory with: the job list's filters (a URL of 3,000 job_type prefixes
// made an OR deeper than SQLite takes, and a 500) and the form an export
// job is asked for with.
func TestFilterListLimits(t *testing.T) {
	e := newLimitsEnv(t)
	many := func(name, format string, n int) string {
		v := url.Values{}
		for i := range n {
			v.Add(name, fmt.Sprintf(format, i))
		}
		return v.Encode()
	}
	var scenarios []servertest.Scenario
	for _, tc := range []struct {
		name, path, field string
	}{
		{"51 job types", "/api/v1/jobs?" + many("job_type", "type-%d", 51), "job_type"},
		{"3000 job type prefixes", "/api/v1/jobs?" + many("job_type", "t%d*", 3000), "job_type"},
		{"51 owners", "/api/v1/jobs?owner=" + strings.TrimSuffix(strings.Repeat("a,", 51), ","), "owner"},
		{"51 states", "/api/v1/jobs?state=" + strings.TrimSuffix(strings.Repeat("SUCCESS,", 51), ","), "state"},
	} {
		scenarios = append(scenarios, servertest.Scenario{Name: tc.name, URL: tc.path, Identity: limitsAPI,
			ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{`"field":"` + tc.field + `"`, "has more than 50 values"}})
	}
	tooLarge := url.Values{"query": {"format=csv&job_id=" + strings.TrimSuffix(strings.Repeat("1,", 40<<10), ",")}}.Encode()
	scenarios = append(scenarios, []servertest.Scenario{
		{Name: "job list page with 51 owners", URL: "/jobs?owner=" + strings.TrimSuffix(strings.Repeat("a,", 51), ","), Identity: limitsUI,
			ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{"owner: has more than 50 values"}},
		{Name: "50 job types", URL: "/api/v1/jobs?" + many("job_type", "type-%d", 50), Identity: limitsAPI, ExpectedStatus: http.StatusOK},
		{Name: fmt.Sprintf("an export job asked for with %d bytes of form", len(tooLarge)), Method: http.MethodPost,
			URL: "/api/v1/audit-logs/export-jobs", Body: tooLarge, Identity: limitsAPI, ExpectedStatus: http.StatusRequestEntityTooLarge},
		{Name: "an export job of issue 13's search asked for with a form", Method: http.MethodPost, URL: "/api/v1/audit-logs/export-jobs",
			Body: url.Values{"query": {"format=csv&q=" + url.QueryEscape(strings.Repeat("x*q=", 500))}}.Encode(), Identity: limitsAPI,
			ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{"at most 16 words in one term"}},
	}...)
	servertest.Run(t, e, scenarios)
}
