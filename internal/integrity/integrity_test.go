package integrity

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// memLog is a log kept in memory, as the store keeps one on disk: the
// leaf records, their stored hashes and the newest signed checkpoint.
type memLog struct {
	mu     sync.Mutex
	key    Key
	leaves [][]byte
	hashes []tlog.Hash
	cp     []byte
	tree   tlog.Tree
}

func newMemLog(t *testing.T, origin string) *memLog {
	k, err := LoadOrCreateKey(filepath.Join(t.TempDir(), "signing.key"), origin)
	if err != nil {
		t.Fatal(err)
	}
	return &memLog{key: k}
}

func (m *memLog) reader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x >= int64(len(m.hashes)) {
				return nil, fmt.Errorf("no stored hash %d", x)
			}
			out[i] = m.hashes[x]
		}
		return out, nil
	})
}

// add appends n leaves made from seed and signs a checkpoint of them.
func (m *memLog) add(t *testing.T, n int, seed string) {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	for range n {
		i := int64(len(m.leaves))
		l := Leaf{Index: i, Timestamp: time.Unix(1_700_000_000+i, 0).UTC(), DomainID: i % 3,
			Commitment: Commit(m.key.Signer.Name(), i, []byte(seed), []byte(fmt.Sprint(i)))}
		rec := l.Marshal()
		hs, err := tlog.StoredHashes(i, rec, m.reader())
		if err != nil {
			t.Fatal(err)
		}
		m.leaves = append(m.leaves, rec)
		m.hashes = append(m.hashes, hs...)
	}
	m.signLocked(t)
}

func (m *memLog) signLocked(t *testing.T) {
	n := int64(len(m.leaves))
	root, err := tlog.TreeHash(n, m.reader())
	if err != nil {
		t.Fatal(err)
	}
	if m.cp, err = SignCheckpoint(m.key, n, root); err != nil {
		t.Fatal(err)
	}
	m.tree = tlog.Tree{N: n, Hash: root}
}

func (m *memLog) Checkpoint(context.Context) ([]byte, tlog.Tree, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cp == nil {
		return nil, tlog.Tree{}, ErrNoCheckpoint
	}
	return m.cp, m.tree, nil
}

func (m *memLog) ReadHashes(_ context.Context, idx []int64) ([]tlog.Hash, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reader().ReadHashes(idx)
}

func (m *memLog) ReadLeaves(_ context.Context, from, to int64) ([][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.leaves[from:to], nil
}

func serve(t *testing.T, l Log) string {
	t.Helper()
	srv := httptest.NewServer(http.StripPrefix("/log", Handler(l, slog.New(slog.DiscardHandler))))
	t.Cleanup(srv.Close)
	return srv.URL + "/log/"
}

func TestLeafRoundTrip(t *testing.T) {
	l := Leaf{Index: 42, Timestamp: time.Date(2026, 11, 25, 22, 31, 34, 123456000, time.UTC), DomainID: 7,
		Commitment: Commit("logbook.example.com/audit", 42, NewSalt(), []byte("entry"))}
	b := l.Marshal()
	if len(b) != LeafSize || LeafSize != 57 {
		t.Fatalf("leaf of %d bytes", len(b))
	}
	got, err := ParseLeaf(b)
	if err != nil || got != l {
		t.Fatalf("ParseLeaf = %+v, %v; want %+v", got, err, l)
	}
	for _, bad := range [][]byte{b[:56], append([]byte{2}, b[1:]...)} {
		if _, err := ParseLeaf(bad); err == nil {
			t.Errorf("ParseLeaf(%x) accepted", bad)
		}
	}
}

func TestCommitBindsEveryInput(t *testing.T) {
	salt := bytes.Repeat([]byte{1}, SaltSize)
	c := Commit("o", 1, salt, []byte("e"))
	for name, other := range map[string][32]byte{
		"origin": Commit("p", 1, salt, []byte("e")),
		"index":  Commit("o", 2, salt, []byte("e")),
		"salt":   Commit("o", 1, bytes.Repeat([]byte{2}, SaltSize), []byte("e")),
		"entry":  Commit("o", 1, salt, []byte("f")),
	} {
		if other == c {
			t.Errorf("another %s gives the same commitment", name)
		}
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k", "signing.key")
	k, err := LoadOrCreateKey(path, "logbook.example.com/audit")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi.Mode(), err)
	}
	again, err := LoadOrCreateKey(path, "logbook.example.com/audit")
	if err != nil || again.VKey != k.VKey {
		t.Fatalf("reloaded key %q, %v; want %q", again.VKey, err, k.VKey)
	}
	if !strings.HasPrefix(k.VKey, "logbook.example.com/audit+") {
		t.Fatalf("vkey %q does not name the origin", k.VKey)
	}
	if _, err := LoadOrCreateKey(path, "other.example.com/audit"); err == nil || !strings.Contains(err.Error(), "not of this log's origin") {
		t.Fatalf("a key of another origin: %v", err)
	}
	if _, err := LoadOrCreateKey(filepath.Join(t.TempDir(), "x"), "has space"); err == nil {
		t.Fatal("an origin with a space was accepted")
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	m := newMemLog(t, "logbook.example.com/audit")
	m.add(t, 10, "a")
	tree, _, err := OpenCheckpoint(m.cp, m.key.Verifier)
	if err != nil || tree != m.tree {
		t.Fatalf("OpenCheckpoint = %+v, %v; want %+v", tree, err, m.tree)
	}
	if !bytes.HasPrefix(m.cp, []byte("logbook.example.com/audit\n10\n")) {
		t.Fatalf("checkpoint body:\n%s", m.cp)
	}
	other := newMemLog(t, "logbook.example.com/audit")
	if _, _, err := OpenCheckpoint(m.cp, other.key.Verifier); err == nil {
		t.Fatal("a checkpoint verified with another key")
	}
}

// TestVerifyRemote checks a log from its tiles alone, then the outside
// verifier's memory: a grown log passes, a rolled back, forked or
// rewritten one fails naming the tree size, as does an altered leaf.
func TestVerifyRemote(t *testing.T) {
	ctx := context.Background()
	m := newMemLog(t, "logbook.example.com/audit")
	m.add(t, 600, "a")
	base := serve(t, m)
	state := filepath.Join(t.TempDir(), "state.json")
	rep, err := VerifyRemote(ctx, base, m.key.VKey, RemoteOptions{StatePath: state})
	if err != nil || rep.Leaves != 600 || rep.Tree.N != 600 {
		t.Fatalf("VerifyRemote = %+v, %v", rep, err)
	}
	m.add(t, 300, "a")
	if rep, err = VerifyRemote(ctx, base, m.key.VKey, RemoteOptions{StatePath: state}); err != nil || rep.Leaves != 900 || rep.Previous == nil || rep.Previous.Size != 600 {
		t.Fatalf("after growing: %+v, %v", rep, err)
	}
	saved, _ := os.ReadFile(state)

	// Rolled back: an older copy serves 600 leaves again.
	old := &memLog{key: m.key}
	for _, rec := range m.leaves[:600] {
		hs, err := tlog.StoredHashes(int64(len(old.leaves)), rec, old.reader())
		if err != nil {
			t.Fatal(err)
		}
		old.leaves, old.hashes = append(old.leaves, rec), append(old.hashes, hs...)
	}
	old.signLocked(t)
	if _, err := VerifyRemote(ctx, serve(t, old), m.key.VKey, RemoteOptions{StatePath: state}); err == nil || !strings.Contains(err.Error(), "rolled back") || !strings.Contains(err.Error(), "900") {
		t.Fatalf("a rollback: %v", err)
	}
	// Forked: the same key over other leaves, first of the same size,
	// then larger.
	fork := &memLog{key: m.key}
	fork.add(t, 900, "b")
	if _, err := VerifyRemote(ctx, serve(t, fork), m.key.VKey, RemoteOptions{StatePath: state}); err == nil || !strings.Contains(err.Error(), "forked") {
		t.Fatalf("a fork of the same size: %v", err)
	}
	fork.add(t, 50, "b")
	if _, err := VerifyRemote(ctx, serve(t, fork), m.key.VKey, RemoteOptions{StatePath: state}); err == nil || !strings.Contains(err.Error(), "does not extend the tree of size 900") {
		t.Fatalf("a rewritten log: %v", err)
	}
	if now, _ := os.ReadFile(state); !bytes.Equal(now, saved) {
		t.Fatal("a failed run replaced the state")
	}
	// An altered leaf: the bundle no longer hashes to the tree.
	m.mu.Lock()
	m.leaves[700] = append([]byte{}, m.leaves[700]...)
	m.leaves[700][30] ^= 1
	m.mu.Unlock()
	if _, err := VerifyRemote(ctx, base, m.key.VKey, RemoteOptions{}); err == nil || !strings.Contains(err.Error(), "do not match the checkpoint") {
		t.Fatalf("an altered leaf: %v", err)
	}
}

func TestHandlerServesOnlyTheTree(t *testing.T) {
	m := newMemLog(t, "logbook.example.com/audit")
	m.add(t, 300, "a")
	base := serve(t, m)
	for path, want := range map[string]int{
		"checkpoint":             200,
		"tile/0/000":             200,
		"tile/0/001.p/44":        200,
		"tile/0/001":             404, // not complete yet
		"tile/0/001.p/45":        404,
		"tile/1/000.p/1":         200,
		"tile/entries/000":       200,
		"tile/entries/001.p/44":  200,
		"tile/entries/001.p/200": 404,
		"tile/9/000":             404,
		"other":                  404,
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
		if path == "tile/0/000" && !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("a full tile is not cached: %q", resp.Header.Get("Cache-Control"))
		}
	}
}
