package server_test

import (
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
	_ "modernc.org/sqlite"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/archive"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/auditlog"
	"github.com/logbookhq/logbook/internal/integrity"
	"github.com/logbookhq/logbook/internal/integrity/integritytest"
	"github.com/logbookhq/logbook/internal/server"
	"github.com/logbookhq/logbook/internal/server/servertest"
	"github.com/logbookhq/logbook/internal/store/sqlite"
)

// waitCheckpoint waits until the served checkpoint covers size leaves
// and returns its text.
func waitCheckpoint(t *testing.T, env *servertest.Env, size int64) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := env.Client().Get(t, "/log/checkpoint")
		if r.Status == http.StatusOK {
			lines := strings.Split(r.Body, "\n")
			if len(lines) > 2 && lines[1] == fmt.Sprint(size) {
				return r.Body
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of %d leaves after 10s; last answer %d %q", size, r.Status, r.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLogIsVerifiableFromOutside serves a real log and checks it as
// someone who does not trust the server would: Logbook's own outside
// verifier (logbook verify --log) and Tessera's fsck, code that is not
// Logbook's, both pass on the healthy log, with the key the server
// publishes. A leaf altered in the database then fails both, and a
// rewritten history (a leaf and the tree state rewritten to agree) fails
// the verifier that remembers the previous checkpoint.
func TestLogIsVerifiableFromOutside(t *testing.T) {
	env := servertest.NewEnv(t, func(o *server.Options) {
		o.LogPublic = true
		o.CheckpointInterval = 20 * time.Millisecond
	})
	es := make([]audit.Entry, 600)
	for i := range es {
		es[i] = audit.Entry{UserName: fmt.Sprint("user", i%7), Timestamp: time.Unix(1_700_000_000+int64(i), 0).UTC()}
	}
	env.Seed(es...)
	tree, err := env.Store.LogTree(env.Ctx)
	if err != nil || tree.Size < 600 {
		t.Fatalf("tree %+v, %v; want at least 600 leaves", tree, err)
	}
	waitCheckpoint(t, env, tree.Size)
	vkey := strings.TrimSpace(env.Client().Get(t, "/api/v1/integrity/key").Body)
	if !strings.HasPrefix(vkey, tree.Origin+"+") {
		t.Fatalf("key %q is not named after the log's origin %q", vkey, tree.Origin)
	}
	state := filepath.Join(t.TempDir(), "state")
	rep, err := integrity.VerifyRemote(env.Ctx, env.URL+"/log/", vkey, integrity.RemoteOptions{StatePath: state})
	if err != nil || rep.Tree.N != tree.Size || rep.Leaves != tree.Size {
		t.Fatalf("VerifyRemote = %+v, %v; want %d leaves checked", rep, err, tree.Size)
	}
	fsck := integritytest.FsckPath(t)
	if out, ok := integritytest.RunFsck(t, fsck, env.URL+"/log/", vkey); !ok {
		t.Fatalf("fsck fails a healthy log:\n%s", out)
	}

	// A database writer alters a leaf of the first, full entry bundle.
	db := openRaw(t, env)
	var leaf []byte
	if err := db.QueryRow(`SELECT leaf FROM log_leaves WHERE idx = 3`).Scan(&leaf); err != nil {
		t.Fatal(err)
	}
	forged := append([]byte(nil), leaf...)
	forged[len(forged)-1] ^= 1
	if _, err := db.Exec(`UPDATE log_leaves SET leaf = ? WHERE idx = 3`, forged); err != nil {
		t.Fatal(err)
	}
	if out, ok := integritytest.RunFsck(t, fsck, env.URL+"/log/", vkey); ok {
		t.Fatalf("fsck passes a log with an altered leaf:\n%s", out)
	}
	if _, err := integrity.VerifyRemote(env.Ctx, env.URL+"/log/", vkey, integrity.RemoteOptions{}); err == nil {
		t.Fatal("VerifyRemote passes a log with an altered leaf")
	}
	if _, err := db.Exec(`UPDATE log_leaves SET leaf = ? WHERE idx = 3`, leaf); err != nil {
		t.Fatal(err)
	}

	// A rollback: the newest leaves dropped and the tree state set back
	// to an older, self-consistent tree; new entries are then appended
	// and signed. The verifier that remembers the last checkpoint refuses.
	ctx := context.Background()
	if err := rollBack(ctx, db, 300); err != nil {
		t.Fatal(err)
	}
	env.Seed(audit.Entry{UserName: "after the rollback"}, audit.Entry{UserName: "after the rollback"})
	after, _ := env.Store.LogTree(ctx)
	waitCheckpoint(t, env, after.Size)
	_, err = integrity.VerifyRemote(env.Ctx, env.URL+"/log/", vkey, integrity.RemoteOptions{StatePath: state})
	if err == nil {
		t.Fatal("VerifyRemote with the previous checkpoint passes a rolled-back log")
	}
	t.Logf("rollback named: %v", err)
}

// openRaw opens the server's SQLite database behind its back, waiting
// for its writer as another process would.
func openRaw(t *testing.T, env *servertest.Env) *sql.DB {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(env.Dir, sqlite.FileName)+"?_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// rollBack sets the log back to its first n leaves as a database writer
// could, in one transaction, recomputing a consistent state from the
// leaves it keeps, and drops the later checkpoints.
func rollBack(ctx context.Context, db *sql.DB, n int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT leaf, entry_id FROM log_leaves WHERE idx < ? ORDER BY idx`, n)
	if err != nil {
		return err
	}
	b, _ := integrity.NewBuilder(0, nil)
	for rows.Next() {
		var leaf []byte
		var entry int64
		if err := rows.Scan(&leaf, &entry); err != nil {
			return err
		}
		if _, err := b.Add(leaf); err != nil {
			return err
		}
	}
	rows.Close()
	root, err := b.Root()
	if err != nil {
		return err
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM log_leaves WHERE idx >= ?`, []any{n}},
		{`DELETE FROM log_checkpoints WHERE size > ?`, []any{n}},
		// The entries after the kept leaves stay without leaves: the
		// forged state claims the tree covers them.
		{`UPDATE log_state SET size = ?, root = ?, edge = ?, last_entry = (SELECT max(id) FROM (SELECT id FROM audit_log UNION ALL SELECT id FROM audit_log_recent)) WHERE singleton = 1`, []any{n, root[:], b.Edge()}},
	} {
		if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// TestWitnessCosignsAndRefusesRollback runs a real C2SP witness
// (torchwood's litewitness): it cosigns the server's checkpoints, which
// /log/checkpoint then serves with the cosignature; after the database is
// rolled back to an older, self-consistent tree and new entries are
// signed, the witness refuses, /readyz says the log is degraded and
// Logbook keeps recording.
func TestWitnessCosignsAndRefusesRollback(t *testing.T) {
	key, err := integrity.NewKey(integrity.DefaultOrigin())
	if err != nil {
		t.Fatal(err)
	}
	url, wkey := integritytest.StartWitness(t, integrity.DefaultOrigin(), key.VKey)
	w, err := integrity.ParseWitness(url + "+" + wkey)
	if err != nil {
		t.Fatal(err)
	}
	env := servertest.NewEnv(t, func(o *server.Options) {
		o.LogPublic = true
		o.CheckpointInterval = 20 * time.Millisecond
		o.SigningKey = key
		o.Witnesses = []integrity.Witness{w}
	})
	env.Seed(make([]audit.Entry, 10)...)
	cosigned := func(size int64) bool {
		body := waitCheckpoint(t, env, size)
		_, n, err := integrity.OpenCheckpoint([]byte(body), key.Verifier, w.Verifier)
		return err == nil && len(n.Sigs) == 2
	}
	deadline := time.Now().Add(10 * time.Second)
	for !cosigned(10) {
		if time.Now().After(deadline) {
			t.Fatal("no cosigned checkpoint of 10 leaves")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := env.Client().Get(t, "/readyz"); r.Body != "ready\n" {
		t.Fatalf("readyz before the rollback: %q", r.Body)
	}
	env.AddUser("auditor", []string{string(access.RoleAuditLogAdmin)}, "Global")
	env.AddUser("plain", []string{string(access.RoleUser)}, "Global")
	auditor := env.Session(t, "auditor")
	page := auditor.Get(t, "/admin/integrity")
	for _, want := range []string{strings.ReplaceAll(key.VKey, "+", "&#43;"), integrity.DefaultOrigin(), url, " entries, 20", ">ok<"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the Integrity page does not show %q:\n%s", want, page.Body)
		}
	}
	if strings.Contains(auditor.Get(t, "/audit-logs").Body, `id="log-alert"`) {
		t.Error("a banner before any witness refuses")
	}
	if r := env.Session(t, "plain").Get(t, "/admin/integrity"); r.Status != http.StatusForbidden {
		t.Errorf("the Integrity page for a user without audit access: %d", r.Status)
	}

	db := openRaw(t, env)
	if err := rollBack(context.Background(), db, 3); err != nil {
		t.Fatal(err)
	}
	env.Seed(make([]audit.Entry, 2)...)
	admin := env.TokenClient(env.AdminToken)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		r := admin.Get(t, "/readyz")
		if strings.HasPrefix(r.Body, "ready, degraded\nwitness "+url+": refuses the log") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz after the rollback: %d %q; checkpoint %q", r.Status, r.Body, env.Client().Get(t, "/log/checkpoint").Body)
		}
	}
	if r := env.Client().Get(t, "/readyz"); r.Status != http.StatusOK || r.Body != "ready\n" {
		t.Errorf("anonymous readyz: %d %q; want only ready", r.Status, r.Body)
	}
	if r := admin.Get(t, "/metrics"); !strings.Contains(r.Body, "logbook_log_witnesses_refusing 1") {
		t.Errorf("metrics do not count the refusing witness:\n%s", r.Body)
	}
	if page := auditor.Get(t, "/admin/integrity"); !strings.Contains(page.Body, "refuses: ") || !strings.Contains(page.Body, `id="witness-alert"`) {
		t.Errorf("the Integrity page does not say the witness refuses:\n%s", page.Body)
	}
	if !strings.Contains(auditor.Get(t, "/audit-logs").Body, `id="log-alert"`) {
		t.Error("no banner for an Audit Log Administrator while a witness refuses")
	}
	ids := env.Seed(audit.Entry{UserName: "still recording"})
	if len(ids) != 1 || ids[0] == 0 {
		t.Errorf("recording stopped: %v", ids)
	}
}

// TestProofOfAnEntry checks GET /api/v1/audit-logs/{id}/proof as a
// verifier holding only the log's key would: the leaf recomputes from the
// salt and canonical encoding it gives, the inclusion proof leads to the
// root of the signed checkpoint; a caller who may not see the entry gets
// 404; and a consistency proof links an older tree size to the checkpoint.
func TestProofOfAnEntry(t *testing.T) {
	env := servertest.NewEnv(t, func(o *server.Options) { o.CheckpointInterval = 20 * time.Millisecond })
	env.AddDomain("Global/EMEA", false)
	env.AddUser("emea", []string{string(access.RoleAuditLogAdmin)}, "Global/EMEA")
	ids := env.Seed(make([]audit.Entry, 40)...)
	admin := env.TokenClient(env.AdminToken)
	var p auditlog.Proof
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		r := admin.Get(t, fmt.Sprintf("/api/v1/audit-logs/%d/proof", ids[17]))
		if r.Status == http.StatusOK {
			if err := json.Unmarshal([]byte(r.Body), &p); err != nil {
				t.Fatal(err)
			}
			break
		}
		if r.Status != http.StatusConflict || time.Now().After(deadline) {
			t.Fatalf("proof: %d %s", r.Status, r.Body)
		}
	}
	vkey := strings.TrimSpace(env.Client().Get(t, "/api/v1/integrity/key").Body)
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	tree, _, err := integrity.OpenCheckpoint([]byte(p.Checkpoint), v)
	if err != nil || tree.N != p.TreeSize {
		t.Fatalf("checkpoint %q: %v", p.Checkpoint, err)
	}
	leaf, err := integrity.ParseLeaf(p.Leaf)
	if err != nil || leaf.Index != p.LeafIndex || leaf.Commitment != integrity.Commit(p.Origin, p.LeafIndex, p.Salt, p.Canonical) {
		t.Fatalf("leaf %+v (%v) does not recompute from the salt and canonical encoding", leaf, err)
	}
	if err := tlog.CheckRecord(p.Inclusion, tree.N, tree.Hash, p.LeafIndex, tlog.RecordHash(p.Leaf)); err != nil {
		t.Fatalf("inclusion proof: %v", err)
	}
	forged := append([]byte(nil), p.Leaf...)
	forged[len(forged)-1] ^= 1
	if tlog.CheckRecord(p.Inclusion, tree.N, tree.Hash, p.LeafIndex, tlog.RecordHash(forged)) == nil {
		t.Fatal("the inclusion proof also proves an altered leaf")
	}
	if r := env.Session(t, "emea").Get(t, fmt.Sprintf("/api/v1/audit-logs/%d/proof", ids[17])); r.Status != http.StatusNotFound {
		t.Errorf("proof of a Global entry for an EMEA reader: %d %s", r.Status, r.Body)
	}
	// The detail dialog says where the entry stands, with the proof.
	env.AddUser("auditor", []string{string(access.RoleAuditLogAdmin)}, "Global")
	page := env.Session(t, "auditor").Get(t, fmt.Sprintf("/audit-logs/%d?fragment=1", ids[17]))
	want := fmt.Sprintf("Leaf %d, included in the checkpoint of", p.LeafIndex)
	if !strings.Contains(page.Body, want) || !strings.Contains(page.Body, fmt.Sprintf(`href="/api/v1/audit-logs/%d/proof"`, ids[17])) {
		t.Errorf("detail of entry %d does not say %q with a link to its proof:\n%s", ids[17], want, page.Body)
	}
	r := admin.Get(t, fmt.Sprintf("/api/v1/integrity/consistency?from=5&to=%d", tree.N))
	var c auditlog.Consistency
	if err := json.Unmarshal([]byte(r.Body), &c); r.Status != http.StatusOK || err != nil {
		t.Fatalf("consistency: %d %s", r.Status, r.Body)
	}
	old, err := tlog.TreeHash(5, hashReader(t, env))
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckTree(c.Proof, tree.N, tree.Hash, 5, old); err != nil {
		t.Errorf("consistency proof: %v", err)
	}
	for q, field := range map[string]string{"from=0&to=3": "from", "from=4&to=3": "to", "from=x": "from"} {
		if r := admin.Get(t, "/api/v1/integrity/consistency?"+q); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, field) {
			t.Errorf("consistency?%s: %d %s; want 400 naming %s", q, r.Status, r.Body, field)
		}
	}
	if r := admin.Get(t, "/api/v1/integrity/consistency?from=1&to=100000"); r.Status != http.StatusConflict {
		t.Errorf("consistency beyond the checkpoint: %d %s; want 409", r.Status, r.Body)
	}

	// A monitor's token with the integrity scope reads the log, never the
	// audit content; without credentials the log is closed (not public).
	env.AddToken("monitor", []string{string(access.ScopeIntegrity)}, "Global")
	monitor := env.TokenClient(env.Secret(t, "monitor"))
	for path, want := range map[string]int{
		"/log/checkpoint": http.StatusOK,
		fmt.Sprintf("/api/v1/integrity/consistency?from=5&to=%d", tree.N): http.StatusOK,
		"/api/v1/audit-logs": http.StatusForbidden,
		fmt.Sprintf("/api/v1/audit-logs/%d/proof", ids[17]): http.StatusForbidden,
	} {
		if r := monitor.Get(t, path); r.Status != want {
			t.Errorf("integrity token GET %s: %d; want %d", path, r.Status, want)
		}
	}
	if r := env.Client().Get(t, "/log/checkpoint"); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous /log/checkpoint without --log-public: %d", r.Status)
	}
}

func hashReader(t *testing.T, env *servertest.Env) tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) { return env.Store.ReadLogHashes(env.Ctx, idx) })
}

// TestArchiveVerifiesOffline purges one domain's old entries to an NDJSON
// archive and checks the archive with the log's key alone (logbook verify
// --archive FILE --vkey KEY): its entries are the log's, and each run of
// consecutive leaves is complete. An altered field, and a dropped entry,
// fail it.
func TestArchiveVerifiesOffline(t *testing.T) {
	dir := t.TempDir()
	env := servertest.NewEnv(t, func(o *server.Options) {
		o.CheckpointInterval = 20 * time.Millisecond
		o.ArchiveDir = dir
	})
	env.AddDomain("Global/EMEA", false)
	old := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	var es []audit.Entry
	for i := range 70 {
		d := "Global/EMEA"
		if i >= 30 && i < 40 {
			d = "Global"
		}
		es = append(es, audit.Entry{Domain: d, UserName: fmt.Sprint("u", i), Timestamp: old.Add(time.Duration(i) * time.Minute)})
	}
	env.Seed(es...)
	admin := env.TokenClient(env.AdminToken)
	r := admin.Do(t, "POST", "/api/v1/archive-purge", `{"before":"2025-04-01T00:00:00Z","domain":"Global/EMEA","format":"ndjson"}`)
	if r.Status != http.StatusAccepted {
		t.Fatalf("archive-purge: %d %s", r.Status, r.Body)
	}
	var file string
	for deadline := time.Now().Add(30 * time.Second); file == ""; time.Sleep(50 * time.Millisecond) {
		if m, _ := filepath.Glob(filepath.Join(dir, "*.ndjson.gz")); len(m) == 1 {
			file = m[0]
		}
		if time.Now().After(deadline) {
			t.Fatal("no archive after 30s")
		}
	}
	vkey := strings.TrimSpace(env.Client().Get(t, "/api/v1/integrity/key").Body)
	var rep archive.OfflineReport
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		// The file is renamed into place once written and synced.
		if rep, err = archive.VerifyOffline(file, vkey); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil || rep.Entries != 60 || rep.Runs != 2 || rep.Unleaved != 0 {
		t.Fatalf("VerifyOffline = %+v, %v; want 60 entries in 2 runs", rep, err)
	}
	if _, err := archive.VerifyOffline(file, strings.Replace(vkey, "+", "x+", 1)); err == nil {
		t.Error("VerifyOffline passes with another log's key")
	}
	lines := readGzipLines(t, file)
	for name, edit := range map[string]func([]string) []string{
		"altered field": func(ls []string) []string {
			ls[12] = strings.Replace(ls[12], `"user_name":"u12"`, `"user_name":"mallory"`, 1)
			return ls
		},
		"dropped entry": func(ls []string) []string { return append(ls[:20:20], ls[21:]...) },
	} {
		forged := filepath.Join(t.TempDir(), "forged.ndjson.gz")
		writeGzipLines(t, forged, edit(append([]string(nil), lines...)))
		if _, err := archive.VerifyOffline(forged, vkey); err == nil {
			t.Errorf("%s: VerifyOffline passes", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

func readGzipLines(t *testing.T, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(gz)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func writeGzipLines(t *testing.T, path string, lines []string) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	io.WriteString(gz, strings.Join(lines, "\n")+"\n")
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}
