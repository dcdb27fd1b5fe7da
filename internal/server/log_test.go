package server_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/logbookhq/logbook/internal/audit"
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
	db, err := sql.Open("sqlite", "file:"+filepath.Join(env.Dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
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

// rollBack sets the log back to its first n leaves as a database writer
// could, recomputing a consistent state from the leaves it keeps, and
// drops the later checkpoints.
func rollBack(ctx context.Context, db *sql.DB, n int64) error {
	rows, err := db.QueryContext(ctx, `SELECT leaf, entry_id FROM log_leaves WHERE idx < ? ORDER BY idx`, n)
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
		if _, err := db.ExecContext(ctx, q.sql, q.args...); err != nil {
			return err
		}
	}
	return nil
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

	db, err := sql.Open("sqlite", "file:"+filepath.Join(env.Dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
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
			t.Fatalf("readyz after the rollback: %d %q", r.Status, r.Body)
		}
	}
	if r := env.Client().Get(t, "/readyz"); r.Status != http.StatusOK || r.Body != "ready\n" {
		t.Errorf("anonymous readyz: %d %q; want only ready", r.Status, r.Body)
	}
	ids := env.Seed(audit.Entry{UserName: "still recording"})
	if len(ids) != 1 || ids[0] == 0 {
		t.Errorf("recording stopped: %v", ids)
	}
}
