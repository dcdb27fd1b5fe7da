package integrity

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/tlog"
)

// Log is what Handler serves from: the store's leaves and stored hashes,
// and the newest signed checkpoint.
type Log interface {
	// Checkpoint returns the newest signed checkpoint and its tree.
	Checkpoint(ctx context.Context) ([]byte, tlog.Tree, error)
	// ReadHashes returns the stored hashes at indexes
	// (tlog.StoredHashIndex), every one inside the newest checkpoint's
	// tree.
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	// ReadLeaves returns the leaf records from index from up to, not
	// including, to.
	ReadLeaves(ctx context.Context, from, to int64) ([][]byte, error)
}

// ErrNoCheckpoint is returned by a Log that has signed nothing yet.
var ErrNoCheckpoint = errors.New("no checkpoint has been signed yet")

// Handler serves a log per C2SP tlog-tiles under the path it is mounted
// at (http.StripPrefix): checkpoint, tile/<L>/<N>[.p/<W>] and
// tile/entries/<N>[.p/<W>]. Full tiles never change and are cached for a
// year; the checkpoint and partial tiles are not cached. Everything is
// answered from the newest checkpoint's tree, so a client reading tiles
// while entries are committed sees one consistent tree.
func Handler(l Log, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		ctx := r.Context()
		cp, tree, err := l.Checkpoint(ctx)
		if errors.Is(err, ErrNoCheckpoint) {
			http.Error(w, "no checkpoint yet", http.StatusNotFound)
			return
		}
		if err != nil {
			log.Error("error reading the checkpoint", "error", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		path := strings.TrimPrefix(r.URL.Path, "/")
		if path == "checkpoint" {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.Write(cp)
			return
		}
		t, err := torchwood.ParseTilePath(path)
		if err != nil || !inTree(t, tree.N) {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		data, err := readTile(ctx, l, tree, t)
		if err != nil {
			log.Error("error reading a tile", "tile", path, "error", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		if t.W == torchwood.TileWidth {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-store")
		}
		w.Write(data)
	})
}

// inTree reports whether tile t exists in a tree of n leaves: its last
// hash (or, for an entry bundle, its last leaf) is complete.
func inTree(t tlog.Tile, n int64) bool {
	if t.H != torchwood.TileHeight || t.W < 1 || t.W > torchwood.TileWidth || t.N < 0 {
		return false
	}
	last := t.N*torchwood.TileWidth + int64(t.W) // hashes (or leaves) the tile needs at its level
	if t.L < 0 {
		return last <= n
	}
	if t.L > 7 {
		return false
	}
	return last <= n>>(uint(t.L)*torchwood.TileHeight)
}

// readTile returns a hash tile's hashes or an entry bundle's leaves.
func readTile(ctx context.Context, l Log, tree tlog.Tree, t tlog.Tile) ([]byte, error) {
	if t.L < 0 {
		from := t.N * torchwood.TileWidth
		leaves, err := l.ReadLeaves(ctx, from, from+int64(t.W))
		if err != nil {
			return nil, err
		}
		var b []byte
		for _, leaf := range leaves {
			if b, err = torchwood.AppendTileEntry(b, leaf); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
	return tlog.ReadTileData(t, hashReader(ctx, l))
}

// hashReader adapts a Log to tlog.HashReader.
func hashReader(ctx context.Context, l Log) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		return l.ReadHashes(ctx, indexes)
	})
}
