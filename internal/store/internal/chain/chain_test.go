package chain_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/integrity"
	"github.com/logbookhq/logbook/internal/store/internal/chain"
)

// memory is a Writer over a slice, with one event id stored before.
type memory struct {
	lastID   int64
	lastHash []byte
	rows     []audit.Entry
	finished [][2]int64
	fail     error
	tree     chain.Tree
	leaves   []chain.LeafRow
	domains  map[string]int64
	salted   []int64
}

func newMemory(lastID int64) *memory {
	return &memory{lastID: lastID, lastHash: audit.GenesisHash, tree: chain.Tree{Origin: "test/log", LastEntry: lastID},
		domains: map[string]int64{"Global": 1}}
}

func (m *memory) Head(context.Context, []audit.Entry) (int64, []byte, chain.Tree, error) {
	return m.lastID, m.lastHash, m.tree, nil
}

func (m *memory) DomainIDs(_ context.Context, names []string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, n := range names {
		if _, ok := m.domains[n]; !ok {
			m.domains[n] = int64(len(m.domains) + 1)
		}
		out[n] = m.domains[n]
	}
	return out, nil
}

func (m *memory) Unleaved(_ context.Context, after, upTo int64, limit int) ([]audit.Entry, error) {
	var out []audit.Entry
	for _, e := range m.rows {
		if e.ID > after && e.ID <= upTo && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (m *memory) SetSalts(_ context.Context, es []audit.Entry) error {
	for _, e := range es {
		for i := range m.rows {
			if m.rows[i].ID == e.ID {
				m.rows[i].Salt = e.Salt
				m.salted = append(m.salted, e.ID)
			}
		}
	}
	return nil
}

func (m *memory) Stored(_ context.Context, source, eventID string) (int64, bool, error) {
	if source == "s" && eventID == "old" {
		return 7, true, nil
	}
	return 0, false, m.fail
}

func (m *memory) Write(_ context.Context, e *audit.Entry, _, _ []byte) error {
	m.rows = append(m.rows, *e)
	return nil
}

func (m *memory) Finish(_ context.Context, b chain.Batch) error {
	m.finished = append(m.finished, [2]int64{b.FirstID, b.LastID})
	if b.LastID >= b.FirstID {
		m.lastID, m.lastHash = b.LastID, b.LastHash
	}
	m.leaves = append(m.leaves, b.Leaves...)
	m.tree = b.Tree
	return nil
}

func TestAppend(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.FixedZone("x", 3600))
	m := newMemory(10)
	es := []audit.Entry{
		{Source: "s", Task: "a"},
		{Source: "s", EventID: "old", Task: "stored before"},
		{Source: "s", EventID: "new", Task: "b"},
		{Source: "s", EventID: "new", Task: "again in the batch"},
		{Source: "t", EventID: "new", Task: "another source"},
	}
	ids, err := chain.Append(ctx, m, es, func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{11, 7, 12, 12, 13}; !slices.Equal(ids, want) {
		t.Errorf("ids = %v; want %v", ids, want)
	}
	if !slices.Equal(m.finished, [][2]int64{{11, 13}}) {
		t.Errorf("Finish got %v; want 11 to 13", m.finished)
	}
	v := audit.NewVerifier(audit.GenesisHash)
	for i := range m.rows {
		e := &m.rows[i]
		if err := v.Next(e); err != nil {
			t.Error(err)
		}
		if !e.RecordedAt.Equal(at.Truncate(time.Microsecond)) || e.RecordedAt.Location() != time.UTC {
			t.Errorf("entry %d recorded at %v", e.ID, e.RecordedAt)
		}
	}
	if len(m.rows) != 3 {
		t.Errorf("wrote %d entries; want 3", len(m.rows))
	}

	// A batch of stored entries writes nothing and leaves the head.
	ids, err = chain.Append(ctx, m, es[1:2], time.Now)
	if err != nil || !slices.Equal(ids, []int64{7}) || m.finished[1] != [2]int64{14, 13} {
		t.Errorf("Append of a stored entry = %v, %v, Finish %v", ids, err, m.finished)
	}

	m.fail = errors.New("boom")
	if _, err := chain.Append(ctx, m, es[2:3], time.Now); !errors.Is(err, m.fail) {
		t.Errorf("Append with a failing lookup = %v", err)
	}
}

// rfc6962Root computes the root of leaves the way RFC 6962 defines it,
// written out here rather than through the library Append uses.
func rfc6962Root(leaves [][]byte) tlog.Hash {
	if len(leaves) == 0 {
		return tlog.Hash{}
	}
	if len(leaves) == 1 {
		return sha256.Sum256(append([]byte{0}, leaves[0]...))
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := rfc6962Root(leaves[:k]), rfc6962Root(leaves[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

// TestAppendGrowsTree checks the leaves and the tree of appends: one leaf
// per new entry, indexes from 0 in commit order, each committing to its
// entry with its salt, and a root that RFC 6962 hashing of the leaves
// recomputes after every batch.
func TestAppendGrowsTree(t *testing.T) {
	ctx := context.Background()
	m := newMemory(0)
	var records [][]byte
	for batch := range 9 {
		var es []audit.Entry
		for i := range batch*3 + 1 {
			es = append(es, audit.Entry{Source: "s", Task: fmt.Sprint(batch, i), Domain: []string{"Global", "Global/EMEA"}[i%2],
				Timestamp: time.Unix(int64(1000+batch), 0).UTC()})
		}
		if _, err := chain.Append(ctx, m, es, time.Now); err != nil {
			t.Fatal(err)
		}
		for _, l := range m.leaves[len(records):] {
			records = append(records, l.Leaf)
		}
		if m.tree.Size != int64(len(m.rows)) || m.tree.LastEntry != m.lastID {
			t.Fatalf("tree of %d leaves, last entry %d; want %d, %d", m.tree.Size, m.tree.LastEntry, len(m.rows), m.lastID)
		}
		if want := rfc6962Root(records); m.tree.Root != want {
			t.Fatalf("batch %d: root %x; RFC 6962 gives %x", batch, m.tree.Root, want)
		}
	}
	var buf []byte
	for i, l := range m.leaves {
		e := m.rows[i]
		leaf, err := integrity.ParseLeaf(l.Leaf)
		if err != nil {
			t.Fatal(err)
		}
		buf = audit.AppendCanonical(buf[:0], &e)
		if leaf.Index != int64(i) || l.Index != int64(i) || l.EntryID != e.ID || len(e.Salt) != integrity.SaltSize ||
			leaf.Commitment != integrity.Commit("test/log", int64(i), e.Salt, buf) || leaf.DomainID != m.domains[e.Domain] ||
			!leaf.Timestamp.Equal(e.Timestamp) {
			t.Fatalf("leaf %d = %+v does not commit to entry %d", i, leaf, e.ID)
		}
	}
	if m.domains["Global/EMEA"] != 2 {
		t.Errorf("domains numbered %v", m.domains)
	}
}

// TestCatchUpGivesOlderEntriesLeaves checks the building of the tree over
// entries stored before it, in chunks, and that an append first gives the
// entries still without a leaf theirs, so that leaves stay in id order.
func TestCatchUpGivesOlderEntriesLeaves(t *testing.T) {
	ctx := context.Background()
	m := newMemory(0)
	h := audit.GenesisHash
	for id := int64(1); id <= 25; id++ {
		if id == 7 || id == 8 { // purged before the tree
			continue
		}
		e := audit.Entry{ID: id, Source: "old", Task: fmt.Sprint(id), Timestamp: time.Unix(id, 0).UTC()}
		h, _ = audit.Seal(h, &e, nil)
		m.rows = append(m.rows, e)
	}
	m.lastID, m.lastHash, m.tree.LastEntry, m.tree.LegacyUpTo = 25, h, 0, 25
	added, more, err := chain.CatchUp(ctx, m, 10)
	if err != nil || added != 10 || !more || m.tree.Size != 10 || m.tree.LastEntry != 12 {
		t.Fatalf("first chunk: %d, %v, %v; tree %+v", added, more, err, m.tree)
	}
	m.rows = append(m.rows[:0:0], m.rows...)
	if _, err := chain.Append(ctx, m, []audit.Entry{{Source: "new", Task: "after"}}, time.Now); err != nil {
		t.Fatal(err)
	}
	if m.tree.Size != 24 || m.lastID != 26 || m.leaves[23].EntryID != 26 || m.leaves[22].EntryID != 25 {
		t.Fatalf("after an append: tree %+v, last id %d, leaves %v", m.tree, m.lastID, m.leaves[len(m.leaves)-2:])
	}
	if len(m.salted) != 23 {
		t.Errorf("salted %d older entries; want 23", len(m.salted))
	}
	if added, more, err := chain.CatchUp(ctx, m, 10); added != 0 || more || err != nil {
		t.Errorf("nothing left: %d, %v, %v", added, more, err)
	}
	var records [][]byte
	for _, l := range m.leaves {
		records = append(records, l.Leaf)
	}
	if m.tree.Root != rfc6962Root(records) {
		t.Error("root does not match the leaves")
	}

	// A row written behind the store's back, chained correctly, is not
	// taken into the tree by the next append: it stays without a leaf.
	forged := audit.Entry{ID: 27, Source: "mallory", Task: "forged", Timestamp: time.Unix(27, 0).UTC()}
	m.lastHash, _ = audit.Seal(m.lastHash, &forged, nil)
	m.rows = append(m.rows, forged)
	m.lastID = 27
	if _, err := chain.Append(ctx, m, []audit.Entry{{Source: "new", Task: "after the forgery"}}, time.Now); err != nil {
		t.Fatal(err)
	}
	for _, l := range m.leaves {
		if l.EntryID == 27 {
			t.Fatal("the forged entry got a leaf")
		}
	}
	if last := m.leaves[len(m.leaves)-1]; last.EntryID != 28 || m.tree.LastEntry != 28 || m.tree.Size != 25 {
		t.Errorf("after the forgery: last leaf %+v, tree %+v", last, m.tree)
	}
}
