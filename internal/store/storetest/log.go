package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/integrity"
	"github.com/logbookhq/logbook/internal/store"
)

// testLog checks the verifiable log's part of the store: one leaf per new
// entry in commit order, found from its entry; the tree's state; the
// leaves and stored hashes served for tiles; checkpoints kept by size.
func testLog(t *testing.T, st store.Store) {
	ctx := context.Background()
	base := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var ids []int64
	for batch := range 5 {
		var es []audit.Entry
		for i := range batch*7 + 1 {
			e := entry(fmt.Sprint("u", i), "Login", base.Add(time.Duration(len(ids)+i)*time.Second))
			e.Domain = []string{"Global", "Global/EMEA", "Global/APAC"}[i%3]
			es = append(es, e)
		}
		// An entry sent again is not a second leaf.
		es[0].EventID = fmt.Sprint("ev", batch%2)
		ids = append(ids, mustAppend(t, st, es...)...)
	}
	tree, err := st.LogTree(ctx)
	if err != nil {
		t.Fatal(err)
	}
	distinct := map[int64]bool{}
	for _, id := range ids {
		distinct[id] = true
	}
	if tree.Size != int64(len(distinct)) || tree.Origin == "" || tree.LastEntry != ids[len(ids)-1] {
		t.Fatalf("tree %+v; want %d leaves ending at entry %d", tree, len(distinct), ids[len(ids)-1])
	}
	domains, err := st.LogDomains(ctx)
	if err != nil || domains["Global"] != 1 || domains["Global/EMEA"] == 0 || domains["Global/APAC"] == 0 {
		t.Fatalf("domains %v, %v", domains, err)
	}
	var last int64 = -1
	for id := range distinct {
		idx, leaf, err := st.LeafOf(ctx, id)
		if err != nil {
			t.Fatalf("LeafOf(%d): %v", id, err)
		}
		l, err := integrity.ParseLeaf(leaf)
		if err != nil || l.Index != idx {
			t.Fatalf("leaf of entry %d: %+v, %v", id, l, err)
		}
		last = max(last, idx)
	}
	if last != tree.Size-1 {
		t.Errorf("leaves end at %d; want %d", last, tree.Size-1)
	}
	if _, _, err := st.LeafOf(ctx, 1_000_000); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LeafOf of an unknown entry: %v", err)
	}
	leaves, err := st.ReadLeaves(ctx, 0, tree.Size)
	if err != nil || int64(len(leaves)) != tree.Size {
		t.Fatalf("ReadLeaves: %d, %v", len(leaves), err)
	}
	b, _ := integrity.NewBuilder(0, nil)
	for _, l := range leaves {
		if _, err := b.Add(l); err != nil {
			t.Fatal(err)
		}
	}
	if root, _ := b.Root(); root != tree.Root {
		t.Errorf("root of the leaves %x; the state says %x", root, tree.Root)
	}
	if _, err := st.ReadLeaves(ctx, 0, tree.Size+1); err == nil {
		t.Error("ReadLeaves past the tree's size: no error")
	}
	if _, err := st.LatestCheckpoint(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LatestCheckpoint of a new log: %v", err)
	}
	for _, c := range []store.Checkpoint{{Size: 3, Note: []byte("a")}, {Size: 9, Note: []byte("b")}, {Size: 9, Note: []byte("again")}} {
		if err := st.SaveCheckpoint(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if c, err := st.LatestCheckpoint(ctx); err != nil || c.Size != 9 || string(c.Note) != "b" {
		t.Errorf("LatestCheckpoint = %+v, %v; want the first of size 9", c, err)
	}
	if name, err := st.OpenLog(ctx, ""); err != nil || name != tree.Origin {
		t.Errorf("OpenLog keeps the name: %q, %v", name, err)
	}
	if _, err := st.OpenLog(ctx, "another.example/log"); err == nil {
		t.Error("OpenLog renamed the log")
	}
	verify(t, st, int64(len(distinct)))
}
