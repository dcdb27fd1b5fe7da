package integrity

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// State is what an outside verifier remembers between runs: the newest
// checkpoint it verified. The next run requires the log to extend it.
type State struct {
	Origin     string `json:"origin"`
	Size       int64  `json:"size"`
	Root       string `json:"root"` // base64, as in the checkpoint
	Checkpoint string `json:"checkpoint"`
}

// Report is what a remote verification found.
type Report struct {
	Tree     tlog.Tree
	Leaves   int64 // leaf records read and checked
	Previous *State
}

// RemoteOptions configure VerifyRemote.
type RemoteOptions struct {
	// StatePath, if set, is the file of the checkpoint the last run
	// verified: the log must extend it, and on success it is replaced by
	// the newest.
	StatePath string
	// HTTPClient fetches the tiles (default http.DefaultClient).
	HTTPClient *http.Client
	// Progress, if set, is told the leaves read so far now and then.
	Progress func(leaves int64)
}

// VerifyRemote checks a log from the outside, from its public tiles
// alone: the newest checkpoint's signature with vkey, every entry bundle
// and hash tile against the checkpoint's root (torchwood's client hashes
// each bundle up to the tree), every leaf record's form and index, and,
// with a state file, that the tree extends the one the last run saw (a
// consistency proof from the log's own tiles). A rollback, a fork or a
// rewritten history fails, naming the tree size.
func VerifyRemote(ctx context.Context, base, vkey string, o RemoteOptions) (Report, error) {
	var rep Report
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return rep, fmt.Errorf("vkey: %w", err)
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	fetcher, err := torchwood.NewTileFetcher(base, torchwood.WithHTTPClient(hc), torchwood.WithUserAgent("logbook-verify"))
	if err != nil {
		return rep, err
	}
	cp, err := fetcher.ReadEndpoint(ctx, "checkpoint")
	if err != nil {
		return rep, fmt.Errorf("error fetching the checkpoint: %w", err)
	}
	tree, _, err := OpenCheckpoint(cp, v)
	if err != nil {
		return rep, err
	}
	rep.Tree = tree
	if o.StatePath != "" {
		if rep.Previous, err = checkExtends(ctx, fetcher, tree, v.Name(), o.StatePath); err != nil {
			return rep, err
		}
	}
	client, err := torchwood.NewClient(fetcher)
	if err != nil {
		return rep, err
	}
	// The client leaves the trailing partial bundle to a call that starts
	// at it; so read until the tree's end or no progress.
	for rep.Leaves < tree.N {
		before := rep.Leaves
		for i, leaf := range client.Entries(ctx, tree, rep.Leaves) {
			l, err := ParseLeaf(leaf)
			if err != nil {
				return rep, fmt.Errorf("leaf %d: %w", i, err)
			}
			if l.Index != i {
				return rep, fmt.Errorf("leaf %d: records index %d", i, l.Index)
			}
			rep.Leaves++
			if o.Progress != nil && rep.Leaves%100000 == 0 {
				o.Progress(rep.Leaves)
			}
		}
		if err := client.Err(); err != nil {
			return rep, fmt.Errorf("the tiles do not match the checkpoint of size %d: %w", tree.N, err)
		}
		if rep.Leaves == before {
			break
		}
	}
	if rep.Leaves != tree.N {
		return rep, fmt.Errorf("read %d leaves of a tree of %d", rep.Leaves, tree.N)
	}
	if o.StatePath != "" {
		st := State{Origin: v.Name(), Size: tree.N, Root: base64.StdEncoding.EncodeToString(tree.Hash[:]), Checkpoint: string(cp)}
		if err := saveState(o.StatePath, st); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// checkExtends requires tree to extend the tree remembered at path.
func checkExtends(ctx context.Context, fetcher torchwood.TileReader, tree tlog.Tree, origin, path string) (*State, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // the first run remembers what it verifies
	}
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	var old State
	if err := json.Unmarshal(b, &old); err != nil {
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	if old.Origin != origin {
		return nil, fmt.Errorf("state %s: it remembers the log %q, not %q", path, old.Origin, origin)
	}
	oldRoot, err := tlog.ParseHash(old.Root)
	if err != nil {
		return nil, fmt.Errorf("state %s: root: %w", path, err)
	}
	switch {
	case tree.N < old.Size:
		return &old, fmt.Errorf("rolled back: the log now has %d entries, fewer than the %d of the checkpoint verified before (%s)", tree.N, old.Size, path)
	case tree.N == old.Size && tree.Hash != oldRoot:
		return &old, fmt.Errorf("forked: the tree of size %d has another root than the one verified before (%s)", tree.N, path)
	case tree.N == old.Size || old.Size == 0:
		return &old, nil
	}
	proof, err := tlog.ProveTree(tree.N, old.Size, torchwood.TileHashReaderWithContext(ctx, tree, fetcher))
	if err == nil {
		err = tlog.CheckTree(proof, tree.N, tree.Hash, old.Size, oldRoot)
	}
	if err != nil {
		return &old, fmt.Errorf("rewritten: the tree of size %d does not extend the tree of size %d verified before (%s): %w", tree.N, old.Size, path, err)
	}
	return &old, nil
}

func saveState(path string, st State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return nil
}
