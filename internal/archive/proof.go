package archive

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/integrity"
	"github.com/logbookhq/logbook/internal/store"
)

// LogProof is the last line of an NDJSON archive, as {"log_proof": …}:
// what proves, with the log's verifier key and no database, that each
// archived entry is the one the verifiable log committed to and that no
// entry is missing from any run of consecutive leaves the archive holds
// (VerifyOffline). Each run gives the right edge of the tree before its
// first leaf and the consistency proof from the tree after its last leaf
// to the signed checkpoint: the verifier rebuilds the tree up to the run's
// end from the edge and the run's own leaves, and the proof must lead
// from that tree to the checkpoint's root.
type LogProof struct {
	Origin     string           `json:"origin"`
	Checkpoint string           `json:"checkpoint"`
	Domains    map[string]int64 `json:"domains"` // the numbers of the archived entries' domains
	Runs       []Run            `json:"runs"`
}

// Run is a run of consecutive leaves in an archive.
type Run struct {
	First       int64       `json:"first_leaf"`
	Count       int64       `json:"count"`
	Edge        []byte      `json:"edge"` // integrity.EdgeIndexes(First) hashes, concatenated
	Consistency []tlog.Hash `json:"consistency"`
}

// leafCursor finds the leaves of entries met in id order, reading the
// leaves in order beside them.
type leafCursor struct {
	st      store.Store
	next    int64 // the next leaf index to read
	pending []store.LeafRecord
	runs    []Run
	domains map[string]int64
	max     int64
}

// leafOf returns the leaf index and domain number of entry id, or ok
// false when the entry has none (the log began after it).
func (c *leafCursor) leafOf(ctx context.Context, id int64, domain string) (idx, domainID int64, ok bool, err error) {
	if c.runs == nil && c.pending == nil {
		first, _, err := c.st.LeafOf(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return 0, 0, false, nil
		}
		if err != nil {
			return 0, 0, false, err
		}
		c.next = first
	}
	for {
		for len(c.pending) > 0 && c.pending[0].EntryID < id {
			c.pending = c.pending[1:]
		}
		if len(c.pending) > 0 {
			l := c.pending[0]
			if l.EntryID != id {
				return 0, 0, false, nil
			}
			leaf, err := integrity.ParseLeaf(l.Leaf)
			if err != nil {
				return 0, 0, false, err
			}
			c.add(l.Index)
			c.domains[domain] = leaf.DomainID
			return l.Index, leaf.DomainID, true, nil
		}
		recs, err := c.st.LeafRecords(ctx, c.next, c.next+4096)
		if err != nil {
			return 0, 0, false, err
		}
		if len(recs) == 0 {
			return 0, 0, false, nil
		}
		c.pending, c.next = recs, recs[len(recs)-1].Index+1
	}
}

// add counts leaf idx into the runs.
func (c *leafCursor) add(idx int64) {
	if n := len(c.runs); n > 0 && c.runs[n-1].First+c.runs[n-1].Count == idx {
		c.runs[n-1].Count++
	} else {
		c.runs = append(c.runs, Run{First: idx, Count: 1})
	}
	c.max = max(c.max, idx)
}

// proof completes the runs with their edges and consistency proofs
// against a signed checkpoint that covers them, waiting for one a while;
// nil when the archive holds no leaf or none is signed in time.
func (c *leafCursor) proof(ctx context.Context, wait time.Duration) (*LogProof, error) {
	if len(c.runs) == 0 {
		return nil, nil
	}
	var cp store.Checkpoint
	var tree tlog.Tree
	for deadline := time.Now().Add(wait); ; {
		var err error
		cp, err = c.st.LatestCheckpoint(ctx)
		if err == nil && cp.Size > c.max {
			if tree, err = checkpointTree(cp.Note); err != nil {
				return nil, err
			}
			break
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if time.Now().After(deadline) {
			return nil, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	hashes := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) { return c.st.ReadLogHashes(ctx, idx) })
	for i := range c.runs {
		r := &c.runs[i]
		edge, err := c.st.ReadLogHashes(ctx, integrity.EdgeIndexes(r.First))
		if err != nil {
			return nil, err
		}
		for _, h := range edge {
			r.Edge = append(r.Edge, h[:]...)
		}
		if end := r.First + r.Count; end < tree.N {
			if r.Consistency, err = tlog.ProveTree(tree.N, end, hashes); err != nil {
				return nil, fmt.Errorf("error proving leaves %d to %d: %w", r.First, end-1, err)
			}
		}
	}
	t, err := c.st.LogTree(ctx)
	if err != nil {
		return nil, err
	}
	return &LogProof{Origin: t.Origin, Checkpoint: string(cp.Note), Domains: c.domains, Runs: c.runs}, nil
}

// checkpointTree reads the tree a checkpoint names, without checking its
// signature (the archive's reader does, with the log's key).
func checkpointTree(note []byte) (tlog.Tree, error) {
	body, _, ok := strings.Cut(string(note), "\n\n")
	lines := strings.Split(body, "\n")
	if !ok || len(lines) < 3 {
		return tlog.Tree{}, errors.New("a checkpoint without origin, size and root")
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("checkpoint size: %w", err)
	}
	h, err := tlog.ParseHash(lines[2])
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("checkpoint root: %w", err)
	}
	return tlog.Tree{N: n, Hash: h}, nil
}

// OfflineReport is what VerifyOffline checked.
type OfflineReport struct {
	Entries  int64     // archived entries
	Runs     int       // runs of consecutive leaves, each proven complete
	Tree     tlog.Tree // the signed checkpoint they are proven in
	Unleaved int64     // entries recorded before the log began, which have no leaf
}

// archived is an archived entry as its leaf needs it.
type archived struct {
	id, index, domainID int64
	domain              string
	ts                  time.Time
	salt, canonical     []byte
}

// VerifyOffline checks an NDJSON archive with only the log's verifier
// key: the signed checkpoint in its log proof verifies; every archived
// entry recomputes its leaf (content, salt, time, domain number); the
// leaves of each run, with the run's right edge, rebuild a tree from
// which the run's consistency proof leads to the checkpoint's root, so no
// entry of a run is missing, added or altered; and every entry with a
// leaf lies in a run. An archive with no log proof fails: it can be
// checked only against its purge anchor, with the database (VerifyFile).
func VerifyOffline(path, vkey string) (OfflineReport, error) {
	var rep OfflineReport
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return rep, fmt.Errorf("vkey: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return rep, err
	}
	defer f.Close()
	var entries []archived
	var proof *LogProof
	err = readArchive(f, func(r *Record) error {
		e, err := r.entry()
		if err != nil {
			return err
		}
		rep.Entries++
		if r.LeafIndex == nil {
			rep.Unleaved++
			return nil
		}
		entries = append(entries, archived{id: e.ID, index: *r.LeafIndex, domainID: r.DomainID, domain: e.Domain,
			ts: e.Timestamp, salt: e.Salt, canonical: audit.AppendCanonical(nil, &e)})
		return nil
	}, func(p *LogProof) error { proof = p; return nil })
	if err != nil {
		return rep, err
	}
	if proof == nil {
		return rep, errors.New("the archive holds no log proof: check it against its purge anchor, with the database (logbook verify --archive FILE --data DIR)")
	}
	if rep.Tree, _, err = integrity.OpenCheckpoint([]byte(proof.Checkpoint), v); err != nil {
		return rep, fmt.Errorf("the archive's checkpoint: %w", err)
	}
	next := 0
	for _, run := range proof.Runs {
		if next+int(run.Count) > len(entries) || run.Count < 1 {
			return rep, fmt.Errorf("the run of %d leaves from leaf %d holds only %d archived entries", run.Count, run.First, len(entries)-next)
		}
		b, err := integrity.NewBuilder(run.First, run.Edge)
		if err != nil {
			return rep, fmt.Errorf("run from leaf %d: %w", run.First, err)
		}
		for i := range run.Count {
			a := entries[next]
			next++
			if a.index != run.First+i {
				return rep, fmt.Errorf("entry %d: leaf %d, where the run from leaf %d has leaf %d (an entry is missing or out of order)", a.id, a.index, run.First, run.First+i)
			}
			if id, ok := proof.Domains[a.domain]; !ok || id != a.domainID {
				return rep, fmt.Errorf("entry %d: domain %s is not number %d in the archive's proof", a.id, a.domain, a.domainID)
			}
			leaf := integrity.Leaf{Index: a.index, Timestamp: a.ts, DomainID: a.domainID,
				Commitment: integrity.Commit(proof.Origin, a.index, a.salt, a.canonical)}.Marshal()
			if _, err := b.Add(leaf); err != nil {
				return rep, err
			}
		}
		root, err := b.Root()
		if err != nil {
			return rep, err
		}
		end := run.First + run.Count
		if end == rep.Tree.N {
			err = nil
			if root != rep.Tree.Hash {
				err = errors.New("the tree's root differs")
			}
		} else {
			err = tlog.CheckTree(run.Consistency, rep.Tree.N, rep.Tree.Hash, end, root)
		}
		if err != nil {
			return rep, fmt.Errorf("the run of leaves %d to %d is not the log's (an archived entry was altered, added or removed): %v", run.First, end-1, err)
		}
		rep.Runs++
	}
	if next != len(entries) {
		return rep, fmt.Errorf("entry %d has a leaf in no run of the archive's proof", entries[next].id)
	}
	return rep, nil
}
