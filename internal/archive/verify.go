package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// FindAnchor returns the anchor of the archive file named name.
func FindAnchor(ctx context.Context, st store.Store, name string) (store.Anchor, error) {
	as, err := st.Anchors(ctx, 100000)
	if err != nil {
		return store.Anchor{}, err
	}
	for _, a := range as {
		if a.Archive != "" && a.Archive == filepath.Base(name) {
			return a, nil
		}
	}
	return store.Anchor{}, fmt.Errorf("no purge anchor names the archive %s: %w", filepath.Base(name), store.ErrNotFound)
}

// VerifyFile checks an NDJSON archive against the anchor of its purge
// and the anchor's bridges: the file is the one the purge wrote (its
// SHA-256), every entry's hash is what its content and stored prev_hash
// give, consecutive entries link, every bridge's run is there from the
// hash before it to the hash at its end, and the count and the last entry
// are the anchor's. It returns the number of entries checked.
func VerifyFile(path string, a store.Anchor, bridges []store.Bridge) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return 0, err
	}
	if a.ArchiveSHA256 != "" && hex.EncodeToString(h.Sum(nil)) != a.ArchiveSHA256 {
		return 0, fmt.Errorf("the file's SHA-256 is not the one purge anchor %d recorded: it is another file or was altered", a.ID)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	starts := map[int64]store.Bridge{}
	ends := map[int64]store.Bridge{}
	for _, b := range bridges {
		starts[b.FromID], ends[b.ToID] = b, b
	}
	var n int64
	var prev *audit.Entry
	var buf []byte
	err = ReadRecords(f, func(r *Record) error {
		e, err := r.entry()
		if err != nil {
			return err
		}
		prevHash, err := hex.DecodeString(e.PrevHash)
		if err != nil {
			return fmt.Errorf("entry %d: prev_hash is not hex", e.ID)
		}
		var sum []byte
		sum, buf = audit.ChainHash(prevHash, &e, buf)
		if hex.EncodeToString(sum) != e.Hash {
			return fmt.Errorf("entry %d: content does not match its hash (altered)", e.ID)
		}
		if prev != nil {
			if e.ID <= prev.ID {
				return fmt.Errorf("entry %d: out of order after %d", e.ID, prev.ID)
			}
			if e.ID == prev.ID+1 && e.PrevHash != prev.Hash {
				return fmt.Errorf("entry %d: previous hash does not match entry %d", e.ID, prev.ID)
			}
			if e.ID != prev.ID+1 {
				if _, ok := ends[prev.ID]; !ok && len(bridges) > 0 {
					return fmt.Errorf("entry %d is missing from the archive (purge anchor %d covers it)", prev.ID+1, a.ID)
				}
			}
		}
		if b, ok := starts[e.ID]; ok && !bytes.Equal(b.PrevHash, prevHash) {
			return fmt.Errorf("entry %d: its previous hash is not the one purge anchor %d recorded", e.ID, a.ID)
		}
		if b, ok := ends[e.ID]; ok && !bytes.Equal(b.EndHash, sum) {
			return fmt.Errorf("entry %d: its hash is not the one purge anchor %d recorded", e.ID, a.ID)
		}
		if prev == nil || e.ID != prev.ID+1 {
			if _, ok := starts[e.ID]; !ok && len(bridges) > 0 {
				return fmt.Errorf("entry %d: no run of purge anchor %d starts here", e.ID, a.ID)
			}
		}
		prev = &e
		n++
		return nil
	})
	if err != nil {
		return n, err
	}
	if n != a.Count {
		return n, fmt.Errorf("the archive holds %d entries; purge anchor %d says %d were purged", n, a.ID, a.Count)
	}
	if prev != nil && (prev.ID != a.LastID || prev.Hash != a.LastHash) {
		return n, fmt.Errorf("the last entry of the archive (%d) is not the last one purge anchor %d recorded (%d)", prev.ID, a.ID, a.LastID)
	}
	return n, nil
}
