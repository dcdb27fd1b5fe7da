package archive_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/archive"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/postgres"
	"github.com/logbookhq/logbook/internal/store/postgres/pgtest"
	"github.com/logbookhq/logbook/internal/store/sqlite"
)

var base = time.Date(2026, 2, 10, 12, 0, 0, 0, time.UTC)

// fixture is one engine with what a purge needs; tamper alters an
// entry's description behind the store's back.
type fixture struct {
	st     store.Store
	svc    *archive.Service
	jobs   *job.Service
	dir    string
	tamper func(id int64)
}

// appender records through the store itself: the real chain, no writer.
type appender struct{ st store.Store }

func (a appender) Submit(ctx context.Context, es []audit.Entry) ([]int64, error) {
	return a.st.Append(ctx, es)
}

type engine struct {
	name string
	open func(t *testing.T, now func() time.Time) fixture
}

var engines = []engine{
	{"sqlite", func(t *testing.T, now func() time.Time) fixture {
		dir := t.TempDir()
		st, err := sqlite.Open(context.Background(), dir, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		f := newFixture(t, st, now)
		f.tamper = func(id int64) {
			db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, tbl := range []string{"audit_log", "audit_log_recent"} {
				if _, err := db.Exec(`UPDATE `+tbl+` SET description = 'altered' WHERE id = ?`, id); err != nil {
					t.Fatal(err)
				}
			}
		}
		return f
	}},
	{"postgres", func(t *testing.T, now func() time.Time) fixture {
		url := pgtest.Schema(t)
		st, err := postgres.Open(context.Background(), url, postgres.Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		f := newFixture(t, st, now)
		f.tamper = func(id int64) {
			c, err := pgx.Connect(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(context.Background())
			if _, err := c.Exec(context.Background(), `UPDATE audit_log SET description = 'altered' WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
		}
		return f
	}},
}

func newFixture(t *testing.T, st store.Store, now func() time.Time) fixture {
	rec := appender{st}
	jobs := job.NewService(st, rec, now, archive.Kind)
	dir := t.TempDir()
	return fixture{st: st, jobs: jobs, dir: dir, svc: archive.New(st, rec, jobs, archive.Options{Dir: dir, Now: now, BatchSize: 7})}
}

func admin(domains ...string) accounts.Request {
	if len(domains) == 0 {
		domains = []string{"Global"}
	}
	s := access.Subject{Kind: access.KindUser, Name: "auditor", Roles: []access.Role{access.RoleAuditLogAdmin}, Domains: domains}
	return accounts.Request{Subject: s, Scope: store.Scope{Domains: domains}, IP: "127.0.0.1"}
}

func tree() *access.Tree {
	return access.NewTree([]store.Domain{{Name: "Global"}, {Name: "Global/EMEA"}, {Name: "Global/APAC"}})
}

// seed appends 40 entries over 40 hours in two domains, with every field
// set on some of them.
func seed(t *testing.T, st store.Store) []audit.Entry {
	var es []audit.Entry
	for i := range 40 {
		e := audit.Entry{Timestamp: base.Add(time.Duration(i) * time.Hour), UserName: fmt.Sprintf("user%d", i%3), UserIP: "10.0.0.1",
			Domain: "Global/EMEA", Application: "Network Management Platform", Workspace: "Devices", Task: "Login",
			Result: audit.ResultSuccess, JobID: int64(i), Description: "=cmd|' /C calc'!A0 " + fmt.Sprint(i),
			AffectedObjects:      []audit.Object{{Type: "Device", ID: fmt.Sprint(i), Name: "mx" + fmt.Sprint(i)}},
			AffectedObjectDetail: `{"k":"v"}`, Source: "token:nmp", EventID: fmt.Sprintf("evt-%d", i)}
		if i%2 == 1 {
			e.Domain = "Global/APAC"
		}
		if i%5 == 0 {
			cs := []audit.ConfigChange{{Device: "mx", Format: "set", Before: "set a 1\n", After: "set a 2\n"}}
			e.Task, e.ConfigChanges, e.HasConfigChange, e.ConfigDigest = "Apply CLI Configlet", cs, true, audit.ConfigDigest(cs)
		}
		es = append(es, e)
	}
	if _, err := st.Append(context.Background(), es[:25]); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Append(context.Background(), es[25:]); err != nil {
		t.Fatal(err)
	}
	return es
}

func schedule(t *testing.T, f fixture, req accounts.Request, in archive.Request) store.Job {
	t.Helper()
	j, err := f.svc.Schedule(context.Background(), req, tree(), in)
	if err != nil {
		t.Fatalf("Schedule: %v", err)
	}
	return j
}

func ptr[T any](v T) *T { return &v }

// sameTime compares times as reflect.DeepEqual did, less the monotonic
// clock: the same instant in the same zone.
var sameTime = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) && a.Location() == b.Location() })

// readArchive parses an NDJSON archive back.
func readArchive(t *testing.T, path string) []archive.Record {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []archive.Record
	if err := archive.ReadRecords(f, func(r *archive.Record) error { out = append(out, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestArchivePurge(t *testing.T) {
	for _, eng := range engines {
		for _, tc := range []struct {
			name       string
			in         archive.Request
			req        accounts.Request
			purged     func(e audit.Entry) bool
			remainFrom int
		}{
			{"all domains", archive.Request{Before: ptr(base.Add(20 * time.Hour).Format(time.RFC3339)), AllDomains: true, Format: "ndjson"},
				admin(), func(e audit.Entry) bool { return e.Timestamp.Before(base.Add(20 * time.Hour)) }, 20},
			{"one domain", archive.Request{Before: ptr(base.Add(30 * time.Hour).Format(time.RFC3339)), Domain: "Global/EMEA", Format: "ndjson"},
				admin(), func(e audit.Entry) bool {
					return e.Domain == "Global/EMEA" && e.Timestamp.Before(base.Add(30*time.Hour))
				}, 0},
		} {
			t.Run(eng.name+"/"+tc.name, func(t *testing.T) {
				ctx := context.Background()
				f := eng.open(t, nil)
				seed(t, f.st)
				before := map[int64]audit.Entry{}
				f.st.Scan(ctx, 0, func(e *audit.Entry) error {
					if e.HasConfigChange {
						e.ConfigChanges, _ = f.st.ConfigChanges(ctx, store.AllDomains, e.ID)
					}
					before[e.ID] = *e
					return nil
				})
				head, _, _ := f.st.Head(ctx)
				j := schedule(t, f, tc.req, tc.in)
				if j.Handler != archive.Kind || !strings.Contains(string(j.Params), `"format":"ndjson"`) {
					t.Fatalf("job = %+v", j)
				}
				var last int
				summary, err := f.svc.Run(ctx, j, func(p int) {
					if p < last {
						t.Errorf("progress went back from %d to %d", last, p)
					}
					last = p
				})
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				as, _ := f.st.Anchors(ctx, 10)
				if len(as) != 1 || as[0].State != store.PurgeDone || as[0].JobID != j.ID {
					t.Fatalf("anchors = %+v", as)
				}
				a := as[0]
				if !strings.HasPrefix(a.Archive, "LogbookAuditLog_") || !strings.HasSuffix(a.Archive, ".ndjson.gz") || !strings.Contains(summary, a.Archive) {
					t.Fatalf("archive name %q, summary %q", a.Archive, summary)
				}
				path := filepath.Join(f.dir, a.Archive)
				recs := readArchive(t, path)
				var want []int64
				for id := int64(1); id <= head; id++ {
					if tc.purged(before[id]) {
						want = append(want, id)
					}
				}
				if int64(len(recs)) != a.Count || len(recs) != len(want) {
					t.Fatalf("archive holds %d entries, anchor says %d, want %d", len(recs), a.Count, len(want))
				}
				for i, r := range recs {
					w := before[want[i]]
					got := r.Entry
					got.ConfigChanges = r.ConfigChanges
					if r.ConfigDigest != "" {
						got.ConfigDigest = w.ConfigDigest
						if r.ConfigDigest != fmt.Sprintf("%x", w.ConfigDigest) {
							t.Errorf("entry %d: config_digest %s", w.ID, r.ConfigDigest)
						}
					}
					if r.Salt != fmt.Sprintf("%x", w.Salt) || len(w.Salt) == 0 {
						t.Errorf("entry %d: salt %q; want the stored %x", w.ID, r.Salt, w.Salt)
					}
					got.Salt = w.Salt
					if d := cmp.Diff(w, got, sameTime); d != "" {
						t.Fatalf("archived entry differs from the stored one (-stored +archived):\n%s", d)
					}
				}
				for id, e := range before {
					_, err := f.st.Get(ctx, store.AllDomains, id)
					if gone := errors.Is(err, store.ErrNotFound); gone != tc.purged(e) {
						t.Fatalf("entry %d (%s %s): gone = %v", id, e.Domain, e.Timestamp, gone)
					}
				}
				// The purge is audited where it begins and where it ends,
				// after the cut of its own ids.
				page, err := f.st.List(ctx, store.AllDomains, store.Query{Filter: store.Filter{Task: []store.Match{{Value: "Archive and Purge Audit Logs"}}}, Sort: store.Sort{Field: store.SortID}, Limit: 10})
				if err != nil || len(page.Entries) != 2 || page.Entries[0].ID <= head || !strings.Contains(page.Entries[0].AffectedObjectDetail, a.ArchiveSHA256) ||
					!strings.Contains(page.Entries[1].AffectedObjectDetail, a.Archive) {
					t.Fatalf("audit entries of the purge: %+v, %v", page.Entries, err)
				}
				if _, _, err := store.VerifyChain(ctx, f.st); err != nil {
					t.Fatalf("VerifyChain after the purge: %v", err)
				}
				bridges, _ := f.st.AnchorBridges(ctx, a.ID)
				if n, err := archive.VerifyFile(path, a, bridges); err != nil || n != a.Count {
					t.Fatalf("VerifyFile = %d, %v", n, err)
				}
				// An altered archive does not verify.
				altered := alterArchive(t, path)
				if _, err := archive.VerifyFile(altered, a, bridges); err == nil {
					t.Fatal("an altered archive verified")
				}
				// Altering an entry that remains is still detected.
				var victim int64
				for id := int64(1); id <= head; id++ {
					if !tc.purged(before[id]) {
						victim = id
						break
					}
				}
				f.tamper(victim)
				if _, _, err := store.VerifyChain(ctx, f.st); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("entry %d", victim)) {
					t.Fatalf("VerifyChain after altering entry %d: %v", victim, err)
				}
			})
		}
	}
}

// alterArchive rewrites one description in a copy of the archive, keeping
// its hash, and returns the copy's path.
func alterArchive(t *testing.T, path string) string {
	f, _ := os.Open(path)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.ReadFrom(gz)
	b := bytes.Replace(buf.Bytes(), []byte("calc"), []byte("calx"), 1)
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	alt := filepath.Join(t.TempDir(), filepath.Base(path))
	os.WriteFile(alt, out.Bytes(), 0o600)
	return alt
}

func TestPurgeRefusals(t *testing.T) {
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			ctx := context.Background()
			f := eng.open(t, nil)
			seed(t, f.st)
			// Another domain than the caller's: refused, no job.
			_, err := f.svc.Schedule(ctx, admin("Global/EMEA"), tree(), archive.Request{Domain: "Global/APAC"})
			if !errors.Is(err, archive.ErrForbidden) {
				t.Fatalf("purge of another domain: %v, want ErrForbidden", err)
			}
			// Every bad field is named.
			_, err = f.svc.Schedule(ctx, admin(), tree(), archive.Request{OlderThanDays: ptr(0), Format: "xml",
				Remote: &archive.Remote{Host: "h", User: "u", Password: "p"}})
			var inv *job.InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("bad request: %v", err)
			}
			var fields []string
			for _, fe := range inv.Fields {
				fields = append(fields, fe.Field)
			}
			if strings.Join(fields, ",") != "older_than_days,format,remote.host_key" {
				t.Fatalf("bad fields = %v", fields)
			}
			// A second purge while one holds the lock fails at once, deleting nothing.
			release, ok, err := f.st.TryLock(ctx, archive.LockName)
			if !ok || err != nil {
				t.Fatal("could not take the lock", err)
			}
			j := schedule(t, f, admin(), archive.Request{Before: ptr(base.Add(100 * time.Hour).Format(time.RFC3339)), AllDomains: true})
			if _, err := f.svc.Run(ctx, j, func(int) {}); !errors.Is(err, archive.ErrBusy) {
				t.Fatalf("overlapping purge: %v, want ErrBusy", err)
			}
			release()
			if n, _ := f.st.Count(ctx, store.AllDomains, store.Filter{Task: []store.Match{{Value: "Login"}, {Value: "Apply CLI Configlet"}}}, 1000); n != 40 {
				t.Fatalf("%d entries left after a refused purge, want 40", n)
			}
			if es, _ := os.ReadDir(f.dir); len(es) != 0 {
				t.Fatalf("a refused purge left files: %v", es)
			}
		})
	}
}

func TestPurgeCancel(t *testing.T) {
	for _, eng := range engines {
		t.Run(eng.name+"/while archiving", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			f := eng.open(t, nil)
			seed(t, f.st)
			j := schedule(t, f, admin(), archive.Request{Before: ptr(base.Add(100 * time.Hour).Format(time.RFC3339)), AllDomains: true, Format: "ndjson"})
			_, err := f.svc.Run(ctx, j, func(p int) { cancel() })
			if err == nil {
				t.Fatal("a canceled purge succeeded")
			}
			if n, _ := f.st.Count(context.Background(), store.AllDomains, store.Filter{}, 1000); n < 40 {
				t.Fatalf("%d entries left, want all 40", n)
			}
			if as, _ := f.st.Anchors(context.Background(), 10); len(as) != 0 {
				t.Fatalf("a purge canceled before deleting left anchors %+v", as)
			}
		})
		t.Run(eng.name+"/while deleting", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			f := eng.open(t, nil)
			seed(t, f.st)
			j := schedule(t, f, admin(), archive.Request{Before: ptr(base.Add(100 * time.Hour).Format(time.RFC3339)), AllDomains: true, Format: "ndjson"})
			_, err := f.svc.Run(ctx, j, func(p int) {
				if p > 50 {
					cancel() // after the first batch of 7
				}
			})
			if err == nil {
				t.Fatal("a canceled purge succeeded")
			}
			as, _ := f.st.Anchors(context.Background(), 10)
			if len(as) != 1 || as[0].State != store.PurgeCanceled || as[0].Count == 0 || as[0].Count >= 40 {
				t.Fatalf("anchor after cancel = %+v", as)
			}
			archived := map[int64]bool{}
			for _, r := range readArchive(t, filepath.Join(f.dir, as[0].Archive)) {
				archived[r.ID] = true
			}
			for id := int64(1); id <= 40; id++ {
				if _, err := f.st.Get(context.Background(), store.AllDomains, id); errors.Is(err, store.ErrNotFound) && !archived[id] {
					t.Fatalf("entry %d was deleted but not archived", id)
				}
			}
			if _, _, err := store.VerifyChain(context.Background(), f.st); err != nil {
				t.Fatalf("VerifyChain after a canceled purge: %v", err)
			}
		})
	}
}

// TestDropsPartitions: on PostgreSQL a purge of every domain that covers
// a whole month drops its partition, and the chain still verifies.
func TestDropsPartitions(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC) }
	f := engines[1].open(t, now)
	ctx := context.Background()
	seed(t, f.st) // 2026-02-10 12:00 onwards, 40 hours
	var march []audit.Entry
	for i := range 5 {
		march = append(march, audit.Entry{Timestamp: time.Date(2026, 3, 1+i, 0, 0, 0, 0, time.UTC), UserName: "u", Domain: "Global",
			Application: "REST", Task: "Login", Result: audit.ResultSuccess, Source: "t"})
	}
	f.st.Append(ctx, march)
	j := schedule(t, f, admin(), archive.Request{Before: ptr("2026-03-03T00:00:00Z"), AllDomains: true, Format: "ndjson"})
	summary, err := f.svc.Run(ctx, j, func(int) {})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(summary, "audit_log_y2026m02") || !strings.Contains(summary, "purged 42 ") {
		t.Fatalf("summary = %q; want the February partition dropped and 42 entries purged", summary)
	}
	if n, _ := f.st.Count(ctx, store.AllDomains, store.Filter{}, 1000); n != 6 { // 3 of March, the job's creation and the purge's two statements
		t.Fatalf("%d entries left, want 6", n)
	}
	if _, _, err := store.VerifyChain(ctx, f.st); err != nil {
		t.Fatal(err)
	}
	as, _ := f.st.Anchors(ctx, 1)
	bridges, _ := f.st.AnchorBridges(ctx, as[0].ID)
	if _, err := archive.VerifyFile(filepath.Join(f.dir, as[0].Archive), as[0], bridges); err != nil {
		t.Fatal(err)
	}
}
