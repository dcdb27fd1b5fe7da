package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/demo"
	"github.com/logbookhq/logbook/internal/server"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/sqlite"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// The browser tests seed every server with the same demo history, so that
// a failure reproduces exactly. historyEnd lies in the past so that entries
// ingested during a test are the newest.
const (
	historySeed = 1
	historySize = 4000
)

var (
	historyEnd  = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	historySpan = 60 * 24 * time.Hour
)

// fixtureTime is the timestamp of the fully populated fixture entry: the
// moment Europe/Berlin springs forward (03:00 CET becomes 03:00 CEST, and
// 01:30 UTC is 03:30 local), so that time zone conversions show their DST
// handling on it.
var fixtureTime = time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)

// The XSS probe: markup in every free-text field an operator could be
// tricked into logging. Rendered safely, each shows as literal text.
const (
	xssUserName    = `"><b id=xss>`
	xssDescription = `<script>window.__xss=1</script>"><img src=x onerror="window.__xss=2">`
	xssDetail      = `{"note":"<img src=x onerror=window.__xss=3>"}`
	xssObjectName  = `<img src=x onerror="window.__xss=4">`
)

// uiServer is a Logbook server running in this process on a seeded store.
type uiServer struct {
	URL     string
	Server  *server.Server
	Entries []audit.Entry // every seeded entry as stored, in id order
	Full    audit.Entry   // the fully populated fixture entry, as stored
	XSS     audit.Entry   // the XSS probe entry, as stored
}

// startUI starts a server on a fresh SQLite store holding the demo history
// and the two fixture entries, and stops it when the test ends.
func startUI(t *testing.T) *uiServer {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatalf("error opening store: %v", err)
	}
	entries := demo.NewGenerator(historySeed).History(historySize, historyEnd, historySpan)
	entries = append(entries, fixtureEntries(t)...)
	for i := range entries {
		entries[i].Source = "test"
	}
	// The fully populated entry scheduled a registered job.
	full := &entries[len(entries)-2]
	fixtureJob, err := st.CreateJob(ctx, store.Job{Name: "NTP servers of the Berlin core routers", JobType: full.Task,
		State: store.JobInProgress, Percent: 40, Summary: full.Description, ScheduledStart: full.Timestamp,
		ActualStart: full.Timestamp.Add(5 * time.Second), Owner: full.UserName, Domain: full.Domain})
	if err != nil {
		t.Fatalf("error registering the fixture job: %v", err)
	}
	full.JobID = fixtureJob.ID
	ids, err := st.Append(ctx, entries)
	if err != nil {
		st.Close()
		t.Fatalf("error seeding store: %v", err)
	}
	stored := make([]audit.Entry, len(ids))
	for i, id := range ids {
		if stored[i], err = st.Get(ctx, store.AllDomains, id); err != nil {
			st.Close()
			t.Fatalf("error reading entry %d back: %v", id, err)
		}
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	srv, err := server.New(ctx, st, logger, server.DefaultOptions())
	if err != nil {
		st.Close()
		t.Fatalf("error building server: %v", err)
	}
	// The browser is signed in as a Super Administrator. The user and the
	// session are stored directly, so that the audit log holds only the
	// seeded entries that the tests compare against.
	sessionID := signedInSession(t, st)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie(server.SessionCookie); err != nil {
			r.AddCookie(&http.Cookie{Name: server.SessionCookie, Value: sessionID})
		}
		srv.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		// The live view holds an event stream open; cut it so that Close
		// does not wait for the browser.
		ts.CloseClientConnections()
		ts.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("error closing server: %v", err)
		}
	})
	n := len(stored)
	return &uiServer{URL: ts.URL, Server: srv, Entries: stored, Full: stored[n-2], XSS: stored[n-1]}
}

// signedInSession stores a Super Administrator and a session of theirs and
// returns the session id.
func signedInSession(t *testing.T, st store.Store) string {
	t.Helper()
	ctx := context.Background()
	hash, err := access.HashPassword(access.RandomPassword())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := st.CreateUser(ctx, store.User{Name: "operator", PasswordHash: hash, Roles: []string{string(access.RoleSuperAdmin)},
		Domains: []string{audit.RootDomain}, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	id, idHash := access.NewSessionID()
	if err := st.CreateSession(ctx, store.Session{IDHash: idHash, UserName: "operator", CreatedAt: now, LastSeenAt: now}); err != nil {
		t.Fatal(err)
	}
	return id
}

// fixtureEntries returns the fully populated entry and the XSS probe, in
// that order, validated as the ingest API validates them.
func fixtureEntries(t *testing.T) []audit.Entry {
	t.Helper()
	ts := func(tm time.Time) *string { s := tm.Format(time.RFC3339Nano); return &s }
	job := int64(987654)
	inputs := []audit.Input{{
		Timestamp:   ts(fixtureTime),
		UserName:    "fixture-operator",
		UserIP:      "192.0.2.45",
		Domain:      "Global/EMEA",
		Application: "Network Management Platform",
		Workspace:   "Device Management",
		Task:        "Modify Device Configuration",
		Result:      string(audit.ResultJobScheduled),
		JobID:       &job,
		Description: "Modify configuration of 2 devices: NTP servers of the Berlin core routers",
		AffectedObjects: []audit.Object{
			{Type: "Device", ID: "131074", Name: "mx-ber-core-01"},
			{Type: "Device", ID: "131075", Name: "mx-ber-core-02"},
		},
		AffectedObjectDetail: json.RawMessage(`{"devices":["mx-ber-core-01","mx-ber-core-02"],"changes":{"set":["system ntp server 192.0.2.1"],"delete":[]}}`),
		ConfigChange:         json.RawMessage(fixtureConfigChange),
	}, {
		Timestamp:            ts(time.Date(2026, 10, 15, 10, 0, 0, 0, time.UTC)),
		UserName:             xssUserName,
		UserIP:               "198.51.100.7",
		Domain:               "Global",
		Application:          "Network Management Platform",
		Workspace:            "User Management",
		Task:                 "Modify User",
		Result:               string(audit.ResultSuccess),
		Description:          xssDescription,
		AffectedObjects:      []audit.Object{{Type: "User", ID: "9", Name: xssObjectName}},
		AffectedObjectDetail: json.RawMessage(xssDetail),
	}}
	out := make([]audit.Entry, len(inputs))
	for i, in := range inputs {
		e, errs := audit.Validate(in, time.Now())
		if len(errs) > 0 {
			t.Fatalf("fixture entry %d is invalid: %v", i, errs)
		}
		out[i] = e
	}
	return out
}

// newBrowser starts a headless Chromium for one test and returns the
// context of its first tab. The browser dies with the test, or after
// limit at the latest, so that a hung page fails the test instead of the
// whole run.
func newBrowser(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is required in CI: apt-get install -y chromium")
		}
		t.Skip("chromium not found; install it with: apt-get install -y chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root in containers
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		// Back and forward must load the page from the server, so that
		// the tests see what the URL renders and not a kept copy.
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,BackForwardCache"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 900),
	)
	parent, cancelParent := context.WithTimeout(context.Background(), limit)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		cancelParent()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("error starting chromium: %v", err)
	}
	return ctx
}

// browserPage drives one tab against one server, failing the test with
// the step's name when a step fails or times out.
type browserPage struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// stepTimeout bounds every single step; nothing in the UI should take
// more than a fraction of it.
const stepTimeout = 10 * time.Second

// newPage returns a page on tab ctx that emulates time zone tz (an IANA
// name), so that local times do not depend on the machine running the test.
func newPage(t *testing.T, ctx context.Context, base, tz string) *browserPage {
	t.Helper()
	p := &browserPage{t: t, ctx: ctx, base: base}
	p.do("set time zone "+tz, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: tz})
		return err
	}))
	return p
}

// do runs steps, which must not navigate.
func (p *browserPage) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

// load runs steps that load a new document (a link, a form, a reload) and
// waits until the page is ready and its script has run.
func (p *browserPage) load(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	if resp != nil && resp.Status != http.StatusOK {
		p.t.Fatalf("%s: %s answered %d", what, resp.URL, resp.Status)
	}
	p.waitReady(what)
}

// open loads path (with its query) of the server.
func (p *browserPage) open(path string) {
	p.t.Helper()
	p.load("open "+path, chromedp.Navigate(p.base+path))
}

// waitReady waits until app.js has enhanced the page.
func (p *browserPage) waitReady(what string) {
	p.t.Helper()
	p.waitFor(what+": page ready", `document.readyState === "complete" && document.documentElement.dataset.ready === "1"`)
}

// waitFor polls the JavaScript predicate until it holds.
func (p *browserPage) waitFor(what, predicate string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](predicate,
		chromedp.WithPollingInterval(25*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout)))
	if err != nil {
		p.t.Fatalf("%s: waiting for %s: %v", what, predicate, err)
	}
}

// evalJS evaluates expr in the page and decodes its value into T.
func evalJS[T any](p *browserPage, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// location is the page's URL.
func (p *browserPage) location() *url.URL {
	p.t.Helper()
	u, err := url.Parse(evalJS[string](p, `location.href`))
	if err != nil {
		p.t.Fatal(err)
	}
	return u
}

// relURL is the page's path and query, as the server's links write them.
func (p *browserPage) relURL() string {
	p.t.Helper()
	return evalJS[string](p, `location.pathname + location.search`)
}

// texts returns the text content of every element that matches sel.
func (p *browserPage) texts(sel string) []string {
	p.t.Helper()
	return evalJS[[]string](p, fmt.Sprintf(`Array.from(document.querySelectorAll(%s), el => el.textContent)`, jsString(sel)))
}

// rowIDs returns the ids of the grid's rows, top to bottom.
func (p *browserPage) rowIDs() []int64 {
	p.t.Helper()
	var ids []int64
	for _, s := range evalJS[[]string](p, `Array.from(document.querySelectorAll("#grid tbody tr[data-id]"), tr => tr.dataset.id)`) {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			p.t.Fatalf("row id %q: %v", s, err)
		}
		ids = append(ids, id)
	}
	return ids
}

// fields returns the text of each dd[data-field] under root, by field.
func (p *browserPage) fields(root string) map[string]string {
	p.t.Helper()
	return evalJS[map[string]string](p, fmt.Sprintf(`Object.fromEntries(Array.from(
		document.querySelectorAll(%s), dd => [dd.dataset.field, dd.textContent.trim()]))`, jsString(root+" dd[data-field]")))
}

// screenshot saves the viewport as docs/screenshots/name.
func (p *browserPage) screenshot(name string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // a string always marshals
	}
	return string(b)
}

// fixtureConfigChange is the fully populated entry's configuration change:
// one line changed in a long configuration, so that unchanged stretches
// are collapsed around it.
var fixtureConfigChange = func() string {
	before := "system {\n    host-name mx-ber-core-01;\n"
	for i := range 40 {
		before += fmt.Sprintf("    # filler line %d\n", i)
	}
	before += "    ntp {\n        server 192.0.2.1;\n    }\n"
	for i := range 40 {
		before += fmt.Sprintf("    # more filler %d\n", i)
	}
	before += "}\n"
	after := strings.Replace(before, "server 192.0.2.1;", "server 192.0.2.99;", 1)
	b, _ := json.Marshal(audit.ConfigChange{Device: "mx-ber-core-01", Format: "text", Before: before, After: after})
	return string(b)
}()
