package integrity

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/logbookhq/logbook/internal/integrity/integritytest"
)

func (m *memLog) prove(ctx context.Context, old int64) (tlog.TreeProof, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return tlog.ProveTree(int64(len(m.leaves)), old, m.reader())
}

// TestLitewitness has a real witness cosign the log's checkpoints as the
// log grows, from a stale size too, and refuse a rolled back and a forked
// log.
func TestLitewitness(t *testing.T) {
	ctx := context.Background()
	const origin = "logbook.example.com/audit"
	m := newMemLog(t, origin)
	w := startWitness(t, origin, m.key.VKey)
	hc := &http.Client{Timeout: 10 * time.Second}
	cosign := func(l *memLog, old int64) (string, error) {
		cp, tree, _ := l.Checkpoint(ctx)
		return w.Cosign(ctx, hc, cp, tree, old, l.prove)
	}
	m.add(t, 100, "a")
	sig, err := cosign(m, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The cosigned checkpoint verifies with both keys.
	cp, _, _ := m.Checkpoint(ctx)
	if _, err := note.Open(append(append([]byte{}, cp...), sig...), note.VerifierList(m.key.Verifier, w.Verifier)); err != nil {
		t.Fatalf("the cosigned checkpoint: %v\n%s%s", err, cp, sig)
	}
	m.add(t, 50, "a")
	if _, err := cosign(m, 100); err != nil {
		t.Fatalf("grown from 100: %v", err)
	}
	m.add(t, 10, "a")
	if _, err := cosign(m, 0); err != nil { // stale: the witness says 150
		t.Fatalf("from a stale size: %v", err)
	}
	// Rolled back: an older copy of the log, 100 leaves, new entries on it.
	old := &memLog{key: m.key}
	for _, rec := range m.leaves[:100] {
		hs, _ := tlog.StoredHashes(int64(len(old.leaves)), rec, old.reader())
		old.leaves, old.hashes = append(old.leaves, rec), append(old.hashes, hs...)
	}
	old.add(t, 20, "b")
	if _, err := cosign(old, 100); !errors.Is(err, ErrRollback) {
		t.Fatalf("a rolled back log: %v", err)
	}
	// Forked: as large as the witness's tree and more, other leaves.
	old.add(t, 100, "b")
	if _, err := cosign(old, 160); !errors.Is(err, ErrFork) {
		t.Fatalf("a forked log: %v", err)
	}
}

// startWitness runs litewitness for the log (integritytest.StartWitness).
func startWitness(t *testing.T, origin, logVKey string) Witness {
	t.Helper()
	url, vkey := integritytest.StartWitness(t, origin, logVKey)
	w, err := ParseWitness(url + "+" + vkey)
	if err != nil {
		t.Fatal(err)
	}
	return w
}
