package exportjob_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/auditlog"
	"github.com/logbookhq/logbook/internal/exportjob"
	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/query"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/sqlite"
)

var at = time.Date(2026, 11, 25, 22, 15, 0, 0, time.UTC)

type recorder struct {
	mu      sync.Mutex
	entries []audit.Entry
}

func (r *recorder) Submit(_ context.Context, es []audit.Entry) ([]int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries = append(r.entries, es...)
	return make([]int64, len(es)), nil
}

type env struct {
	st   store.Store
	rec  *recorder
	svc  *exportjob.Service
	dir  string
	emea store.Scope
}

// newEnv stores 30 entries: users u0 and u1, every third in Global/APAC,
// the others in Global/EMEA.
func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var es []audit.Entry
	for i := range 30 {
		d := "Global/EMEA"
		if i%3 == 0 {
			d = "Global/APAC"
		}
		es = append(es, audit.Entry{Timestamp: at.Add(time.Duration(i) * time.Second), UserName: fmt.Sprintf("u%d", i%2), Domain: d,
			Application: "REST", Task: "Login", Result: audit.ResultSuccess, Source: "test"})
	}
	if _, err := st.Append(ctx, es); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	now := func() time.Time { return at.Add(time.Hour) }
	dir := t.TempDir()
	svc := exportjob.New(auditlog.New(st, rec, now), job.NewService(st, rec, now, exportjob.Kind), exportjob.Options{Dir: dir, Now: now})
	return &env{st: st, rec: rec, svc: svc, dir: dir, emea: store.Scope{Domains: []string{"Global/EMEA"}}}
}

// run runs an export job with params and returns its file's rows.
func (e *env) run(t *testing.T, id int64, params []byte, ext string) (string, [][]string) {
	t.Helper()
	var reported []int
	summary, err := e.svc.Handler()(context.Background(), store.Job{ID: id, Handler: exportjob.Kind, Params: params},
		func(p int) { reported = append(reported, p) })
	if err != nil {
		t.Fatalf("the export job failed: %v", err)
	}
	if len(reported) == 0 {
		t.Error("the job reported no progress")
	}
	b, err := os.ReadFile(filepath.Join(e.dir, fmt.Sprintf("logbook-export-%d.%s", id, ext)))
	if err != nil {
		t.Fatal(err)
	}
	if ext != "csv" {
		return summary, [][]string{{string(b)}}
	}
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return summary, rows
}

// TestRunsTheParsedExport: a job scheduled now keeps the parsed export
// and exports it within the requester's scope.
func TestRunsTheParsedExport(t *testing.T) {
	e := newEnv(t)
	x, err := query.ParseExport(map[string][]string{"user_name": {"u1"}, "sort": {"-timestamp"}}, at)
	if err != nil {
		t.Fatal(err)
	}
	params, _ := json.Marshal(map[string]any{"export": x, "scope": e.emea, "user": "ann", "ip": "192.0.2.7"})
	summary, rows := e.run(t, 1, params, "csv")
	// u1 has 15 entries, 10 of them in Global/EMEA.
	if len(rows) != 11 || !strings.HasPrefix(summary, "Exported 10 entries as CSV") {
		t.Fatalf("%q: %d rows", summary, len(rows))
	}
	for i, row := range rows[1:] {
		if row[2] != "u1" || row[4] != "Global/EMEA" || (i > 0 && row[1] > rows[i][1]) {
			t.Fatalf("row %q after %q", row, rows[i])
		}
	}
	if len(e.rec.entries) != 1 || e.rec.entries[0].UserName != "ann" || e.rec.entries[0].UserIP != "192.0.2.7" ||
		!strings.Contains(e.rec.entries[0].Description, "exported 10 audit log entries as CSV. Query: format=csv&sort=-timestamp&user_name=u1") {
		t.Errorf("recorded %+v", e.rec.entries)
	}
}

// TestRunsJobsOfTheOldForm: a job stored with the export's query string,
// before the parsed form, still runs.
func TestRunsJobsOfTheOldForm(t *testing.T) {
	e := newEnv(t)
	params, _ := json.Marshal(map[string]any{"query": "format=ndjson&user_name=u0", "scope": e.emea, "user": "bob"})
	summary, out := e.run(t, 2, params, "ndjson")
	lines := strings.Split(strings.TrimSpace(out[0][0]), "\n")
	if len(lines) != 10 || !strings.HasPrefix(summary, "Exported 10 entries as NDJSON") {
		t.Fatalf("%q: %d lines", summary, len(lines))
	}
	if !strings.Contains(e.rec.entries[0].Description, "Query: format=ndjson&user_name=u0") {
		t.Errorf("recorded %+v", e.rec.entries)
	}
	bad, _ := json.Marshal(map[string]any{"query": "format=xml", "scope": e.emea, "user": "bob"})
	if _, err := e.svc.Handler()(context.Background(), store.Job{ID: 3, Handler: exportjob.Kind, Params: bad}, func(int) {}); err == nil {
		t.Error("a job of an unknown format ran")
	}
}

// TestOpenServesTheOwnerOnly: the file holds what its requester could
// see, so nobody else downloads it.
func TestOpenServesTheOwnerOnly(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	x, _ := query.ParseExport(nil, at)
	params, _ := json.Marshal(map[string]any{"export": x, "scope": e.emea, "user": "ann"})
	j, err := e.st.CreateJob(ctx, store.Job{Name: "Export Audit Logs", JobType: "Export", Handler: exportjob.Kind, State: store.JobScheduled,
		Owner: "ann", Domain: "Global/EMEA", ScheduledStart: at, Params: params})
	if err != nil {
		t.Fatal(err)
	}
	ann := accounts.Request{Subject: access.Subject{Kind: access.KindUser, Name: "ann", Roles: []access.Role{access.RoleUser}}, Scope: e.emea}
	var notReady *exportjob.NotReadyError
	if _, err := e.svc.Open(ctx, ann, j.ID); !errors.As(err, &notReady) || notReady.State != store.JobScheduled {
		t.Fatalf("open before the job ran: %v", err)
	}
	if j, err = e.st.UpdateJob(ctx, j.ID, func(s *store.Job) error {
		s.State, s.Percent, s.ActualStart, s.EndTime = store.JobSuccess, 100, at, at
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Open(ctx, ann, j.ID); !errors.Is(err, exportjob.ErrGone) {
		t.Fatalf("open before the file was written: %v", err)
	}
	e.run(t, j.ID, params, "csv")
	f, err := e.svc.Open(ctx, ann, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if b, _ := io.ReadAll(f); f.Format != query.CSV || !strings.HasPrefix(string(b), "Audit Log ID,") {
		t.Errorf("opened %s: %.100s", f.Format, b)
	}
	bob := ann
	bob.Subject.Name = "bob"
	bob.Subject.Roles = []access.Role{access.RoleJobAdmin}
	if _, err := e.svc.Open(ctx, bob, j.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another user's download: %v, want not found", err)
	}
	if got := exportjob.DownloadURL(j); got != fmt.Sprintf("/api/v1/jobs/%d/download", j.ID) {
		t.Errorf("DownloadURL = %q", got)
	}
}
