package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/integrity"
	"github.com/logbookhq/logbook/internal/live"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/web"
)

// DefaultCheckpointInterval is the least time between two signed
// checkpoints.
const DefaultCheckpointInterval = time.Second

// logService signs checkpoints of the verifiable log as entries are
// committed and serves the log per C2SP tlog-tiles (integrity.Handler):
// it is the integrity.Log the handler reads. With several replicas on one
// PostgreSQL database only the one holding the "log-signer" lock signs;
// every replica serves the newest stored checkpoint.
type logService struct {
	st        store.Store
	key       integrity.Key
	interval  time.Duration
	log       *slog.Logger
	witnesses []integrity.Witness
	hc        *http.Client

	signed atomic.Int64                     // the size of the newest checkpoint this replica signed or saw
	latest atomic.Pointer[store.Checkpoint] // the newest this replica signed, served before it is stored
	root   atomic.Pointer[tlog.Hash]        // the root latest signed

	mu      sync.Mutex
	cosig   map[string]cosigned // by witness URL: the last cosignature
	refused map[string]error    // by witness URL: a rollback or fork it saw
}

// cosigned is a witness's cosignature line of the checkpoint of size.
type cosigned struct {
	size int64
	line string
	at   time.Time
}

// Checkpoint implements integrity.Log.
func (l *logService) Checkpoint(ctx context.Context) ([]byte, tlog.Tree, error) {
	c, err := l.st.LatestCheckpoint(ctx)
	if mine := l.latest.Load(); mine != nil && (err != nil || mine.Size > c.Size || mine.SignedAt.After(c.SignedAt)) {
		c, err = *mine, nil
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, tlog.Tree{}, integrity.ErrNoCheckpoint
	}
	if err != nil {
		return nil, tlog.Tree{}, err
	}
	tree, _, err := integrity.OpenCheckpoint(c.Note, l.key.Verifier)
	if err != nil {
		return nil, tlog.Tree{}, fmt.Errorf("the stored checkpoint of size %d does not verify with this server's key: %w", c.Size, err)
	}
	// The witnesses' cosignatures of this checkpoint follow Logbook's
	// signature, as C2SP tlog-cosignature lines.
	note := c.Note
	l.mu.Lock()
	for _, w := range l.witnesses {
		if cs, ok := l.cosig[w.URL]; ok && cs.size == c.Size {
			note = append(note[:len(note):len(note)], cs.line...)
		}
	}
	l.mu.Unlock()
	return note, tree, nil
}

// cosign asks every witness to cosign the checkpoint msg of tree. A
// witness that was rolled back or forked from is remembered until it
// cosigns again: /readyz says so, and Logbook keeps recording.
func (l *logService) cosign(ctx context.Context, msg []byte, tree tlog.Tree) {
	prove := func(ctx context.Context, old int64) (tlog.TreeProof, error) {
		return tlog.ProveTree(tree.N, old, hashReader{ctx, l.st})
	}
	for _, w := range l.witnesses {
		l.mu.Lock()
		old := l.cosig[w.URL].size
		l.mu.Unlock()
		line, err := w.Cosign(ctx, l.hc, msg, tree, old, prove)
		l.mu.Lock()
		switch {
		case err == nil:
			l.cosig[w.URL] = cosigned{size: tree.N, line: line, at: time.Now()}
			delete(l.refused, w.URL)
		case errors.Is(err, integrity.ErrRollback), errors.Is(err, integrity.ErrFork):
			l.refused[w.URL] = err
			l.log.Error("a witness refuses this log's checkpoint", "witness", w.URL, "size", tree.N, "error", err)
		default:
			l.log.Warn("a witness did not cosign", "witness", w.URL, "size", tree.N, "error", err)
		}
		l.mu.Unlock()
	}
}

// refusals returns what each witness that refuses the log said.
func (l *logService) refusals() map[string]error {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]error, len(l.refused))
	for k, v := range l.refused {
		out[k] = v
	}
	return out
}

// hashReader reads the store's stored hashes for tlog.
type hashReader struct {
	ctx context.Context
	st  store.Store
}

func (r hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	return r.st.ReadLogHashes(r.ctx, indexes)
}

// ReadHashes implements integrity.Log.
func (l *logService) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return l.st.ReadLogHashes(ctx, indexes)
}

// ReadLeaves implements integrity.Log.
func (l *logService) ReadLeaves(ctx context.Context, from, to int64) ([][]byte, error) {
	return l.st.ReadLeaves(ctx, from, to)
}

// sign signs a checkpoint of the tree as it is now, unless the newest
// stored one already covers it, and returns the size signed.
func (l *logService) sign(ctx context.Context) (int64, error) {
	t, err := l.st.LogTree(ctx)
	if err != nil {
		return 0, err
	}
	mine := l.latest.Load()
	if mine != nil && mine.Size == t.Size && *l.root.Load() == t.Root {
		return t.Size, nil
	}
	if mine != nil && mine.Size > t.Size {
		// Someone put back an older tree under this running server. It
		// goes on signing what the database holds: witnesses and
		// verifiers that saw the larger tree refuse it.
		l.log.Error("the log's tree is smaller than the checkpoint this server signed: the database was rolled back", "signed", mine.Size, "now", t.Size)
	}
	// Another replica (or this one, before) may have signed this very
	// tree. A stored checkpoint of a larger tree does not cover a smaller
	// one: that is a rollback, and the smaller tree is signed for
	// witnesses and verifiers to refuse.
	last, err := l.st.LatestCheckpoint(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return 0, err
	}
	if err == nil && last.Size == t.Size {
		if tree, _, err := integrity.OpenCheckpoint(last.Note, l.key.Verifier); err == nil && tree.Hash == t.Root {
			l.signed.Store(last.Size)
			return last.Size, nil
		}
	}
	msg, err := integrity.SignCheckpoint(l.key, t.Size, t.Root)
	if err != nil {
		return 0, err
	}
	// Served at once, stored next: on SQLite the store waits for the
	// ingest writer's transaction, which would delay the checkpoint by as
	// much as a large batch takes to commit.
	c := &store.Checkpoint{Size: t.Size, SignedAt: time.Now().UTC().Truncate(time.Microsecond), Note: msg}
	l.root.Store(&t.Root)
	l.latest.Store(c)
	l.signed.Store(t.Size)
	if err := l.st.SaveCheckpoint(ctx, *c); err != nil {
		return 0, err
	}
	l.cosign(ctx, msg, tlog.Tree{N: t.Size, Hash: t.Root})
	return t.Size, nil
}

// run signs a checkpoint after commits, and at every interval for
// entries appended by other replicas, at most one per interval, while
// this replica holds the signer lock, until ctx ends.
func (l *logService) run(ctx context.Context, hub *live.Hub) {
	commits, unsubscribe := hub.Subscribe()
	defer unsubscribe()
	var release func()
	defer func() {
		if release != nil {
			release()
		}
	}()
	tick := time.NewTicker(l.interval)
	defer tick.Stop()
	for {
		if release == nil {
			r, ok, err := l.st.TryLock(ctx, "log-signer")
			if err != nil && ctx.Err() == nil {
				l.log.Warn("could not take the log signer lock", "error", err)
			}
			if ok {
				release = r
			}
		}
		signed := time.Now()
		if release != nil {
			if _, err := l.sign(ctx); err != nil && ctx.Err() == nil {
				l.log.Error("error signing a checkpoint", "error", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-commits:
		case <-tick.C:
		}
		if wait := l.interval - time.Since(signed); wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
	}
}

// logHandler serves /log/ to callers who may read it: anyone when the log
// is public (it holds no audit content: see docs/integrity.md), else
// callers allowed to read the log (Audit Log Administrators, tokens with
// the read or integrity scope).
func (l *logService) logHandler(public bool) http.Handler {
	tiles := http.StripPrefix("/log", integrity.Handler(l, l.log))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !public && !accounts.FromContext(r.Context()).Subject.Can(access.ReadLog) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="logbook"`)
			http.Error(w, "the log's tiles need an API token with the integrity or read scope, or an Audit Log Administrator (or logbook serve --log-public)", http.StatusUnauthorized)
			return
		}
		tiles.ServeHTTP(w, r)
	})
}

// serveKey answers the log's verifier key, which is public.
func (l *logService) serveKey(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, l.key.VKey)
}

// startLog starts signing checkpoints and adds the log's routes to mux.
func (s *Server) startLog(ctx, watch context.Context, mux *http.ServeMux) error {
	t, err := s.Store.LogTree(ctx)
	if err != nil {
		return err
	}
	key := s.opts.SigningKey
	if key.Signer == nil {
		if key, err = integrity.NewKey(t.Origin); err != nil {
			return err
		}
		s.log.Warn("signing the log's checkpoints with a key made in memory: give logbook serve a key to keep", "vkey", key.VKey)
	} else if key.Signer.Name() != t.Origin {
		return fmt.Errorf("signing-key: it is the key of %q, not of this database's log %q", key.Signer.Name(), t.Origin)
	}
	interval := s.opts.CheckpointInterval
	if interval <= 0 {
		interval = DefaultCheckpointInterval
	}
	s.logs = &logService{st: s.Store, key: key, interval: interval, log: s.log, witnesses: s.opts.Witnesses,
		hc: &http.Client{Timeout: 10 * time.Second}, cosig: map[string]cosigned{}, refused: map[string]error{}}
	s.Metrics.SetLog(s.logs.signed.Load, func() int { return len(s.logs.refusals()) })
	go s.logs.run(watch, s.Hub)
	mux.Handle("GET /log/", s.logs.logHandler(s.opts.LogPublic))
	mux.HandleFunc("GET /api/v1/integrity/key", s.logs.serveKey)
	return nil
}

// SignedSize is the size of the newest checkpoint this replica signed
// (or found signed by another) : entries up to it are in a checkpoint.
func (s *Server) SignedSize() int64 { return s.logs.signed.Load() }

// status is what the Integrity page shows.
func (l *logService) status(ctx context.Context) (web.LogStatus, error) {
	t, err := l.st.LogTree(ctx)
	if err != nil {
		return web.LogStatus{}, err
	}
	st := web.LogStatus{Origin: t.Origin, VKey: l.key.VKey}
	_, tree, err := l.Checkpoint(ctx)
	switch {
	case errors.Is(err, integrity.ErrNoCheckpoint):
	case err != nil:
		return st, err
	default:
		st.Size, st.Root = tree.N, tree.Hash.String()
		if mine := l.latest.Load(); mine != nil && mine.Size == tree.N {
			st.SignedAt = mine.SignedAt
		} else if c, err := l.st.LatestCheckpoint(ctx); err == nil {
			st.SignedAt = c.SignedAt
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, w := range l.witnesses {
		ws := web.WitnessStatus{URL: w.URL, VKey: w.VKey}
		if c, ok := l.cosig[w.URL]; ok {
			ws.CosignedSize, ws.CosignedAt = c.size, c.at
		}
		if err := l.refused[w.URL]; err != nil {
			ws.Refusal = err.Error()
		}
		st.Witnesses = append(st.Witnesses, ws)
	}
	return st, nil
}
