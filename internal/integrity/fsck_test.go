package integrity

import (
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/logbookhq/logbook/internal/integrity/integritytest"
)

// TestTesseraFsck checks the tiles Handler serves with a verifier that is
// not Logbook's: Tessera's fsck recomputes the tree from the entry bundles
// and compares every hash tile and the checkpoint's root. A healthy log
// passes; an altered leaf, and an altered hash, fail it, named.
func TestTesseraFsck(t *testing.T) {
	bin := integritytest.FsckPath(t)
	for _, tc := range []struct {
		name  string
		alter func(m *memLog)
		want  string
	}{
		{"healthy", func(*memLog) {}, ""},
		{"altered leaf", func(m *memLog) {
			m.leaves[1234] = append([]byte{}, m.leaves[1234]...)
			m.leaves[1234][40] ^= 1
		}, "tile/0/004"},
		{"altered hash", func(m *memLog) { m.hashes[tlog.StoredHashIndex(0, 3000)][0] ^= 1 }, "tile/0/011"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMemLog(t, "logbook.example.com/audit")
			m.add(t, 70000, "a") // past 256² leaves: hash tiles of three levels
			m.mu.Lock()
			tc.alter(m)
			m.mu.Unlock()
			out, ok := integritytest.RunFsck(t, bin, serve(t, m), m.key.VKey)
			if tc.want == "" && !ok {
				t.Fatalf("fsck of a healthy log failed:\n%s", out)
			}
			if tc.want != "" && (ok || !strings.Contains(out, tc.want)) {
				t.Fatalf("fsck = %v, want a failure naming %s:\n%.2000s", ok, tc.want, out)
			}
		})
	}
}
