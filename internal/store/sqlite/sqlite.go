// Package sqlite is the embedded engine of Logbook: one database file under
// the data directory, no set-up.
//
// Driver. Logbook uses modernc.org/sqlite, a pure-Go SQLite, so that the
// binary builds without cgo and cross-compiles with plain `go build`. On
// this workload (audit-shaped rows, nine secondary indexes, WAL,
// synchronous=FULL, one prepared single-row INSERT per row and 1,000 rows
// per transaction) it was measured on a 2-core machine against the cgo
// driver github.com/mattn/go-sqlite3; see docs/sqlite-driver.md for the
// figures. The cgo driver is faster per row, but ingest through Logbook is
// bound by HTTP, JSON and hashing as much as by SQLite, and the ratio of
// Logbook's ingest to the raw driver rate (what `logbook bench` reports) is
// what the group-commit writer is responsible for.
//
// Connections. One write connection (SQLite has one writer; BEGIN
// IMMEDIATE takes the lock up front, so a write never fails half-way on a
// busy database) beside a pool of read-only connections that WAL lets run
// concurrently with the writer.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/internal/chain"
	_ "modernc.org/sqlite"
)

// FileName is the database file inside the data directory.
const FileName = "logbook.db"

// Store is the SQLite engine.
type Store struct {
	w, r         *sql.DB
	ckpt         *sql.DB
	insert       *sql.Stmt // into audit_log
	insertRecent *sql.Stmt // into audit_log_recent
	insertLeaf   *sql.Stmt // into log_leaves
	insertLeaves *sql.Stmt // leavesPerInsert rows into log_leaves
	insertWords  *sql.Stmt // into the text index
	commonWords  int
	manyObjects  int
	insertConfig *sql.Stmt // into config_changes
	insertObject *sql.Stmt // into audit_objects
	lookup       *sql.Stmt
	// recent counts the rows of audit_log_recent; only the write
	// connection changes it, under mu.
	mu     sync.Mutex
	recent int
	held   map[string]bool // names locked with TryLock

	closeOnce sync.Once
	flush     chan struct{}
	now       func() time.Time
	stop      chan struct{}
	done      chan struct{}

	*sqlStore // accounts, jobs, forwarding and lifecycle rows (accounts.go)
}

// tables are where entries live: recent ones first wait in
// audit_log_recent (see migration 002).
var tables = []string{"audit_log", "audit_log_recent"}

var dialect = wordsDialect(store.Dialect{
	Placeholder: func(int) string { return "?" },
	TimeArg:     func(t time.Time) any { return t.UnixMicro() },
	Micros:      "ts",
	ILike:       "LIKE", // case-insensitive for ASCII in SQLite
	// Recent entries join audit_objects when they move (see moveRecentTx).
	UnindexedTable: "audit_log_recent",
	ObjectMatch: func(typ, name string) string {
		return "EXISTS (SELECT 1 FROM json_each(affected_objects) o WHERE json_extract(o.value, '$.type') = " + typ +
			" AND json_extract(o.value, '$.name') = " + name + ")"
	},
	IPNetwork: func(arg func(any) string, first, last []byte, _ string) string {
		return ipRange(arg(append([]byte{6}, first...)), arg(append([]byte{6}, last...)))
	},
})

// Options tune Open. The zero value is the production setting.
type Options struct {
	// Now is the clock for recorded_at; time.Now when nil.
	Now func() time.Time
	// CommonWords is how many entries the words of a search may match for
	// the text index to answer it (see commonWords); 0 is the default.
	CommonWords int
	// ManyObjects is how many entries of the objects a filter names make a
	// page walk and check instead (see manyObjects); 0 is the default.
	ManyObjects int
	// Origin names the verifiable log (store.Log.OpenLog); empty keeps the
	// stored name, or for a new log takes integrity.DefaultOrigin.
	Origin string
	// Log, if set, is told the progress of building the log's tree over
	// entries stored before it.
	Log *slog.Logger
}

// Open opens (creating if needed) the database in dir and brings its schema
// up to date.
func Open(ctx context.Context, dir string, opts Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("error creating data directory: %w", err)
	}
	path, err := filepath.Abs(filepath.Join(dir, FileName))
	if err != nil {
		return nil, err
	}
	common := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=cache_size(-65536)"
	w, err := sql.Open("sqlite", "file:"+url.PathEscape(path)+"?"+common+"&_pragma=synchronous(FULL)&_pragma=wal_autocheckpoint(0)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("error opening database: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	s := &Store{w: w, now: opts.Now, commonWords: opts.CommonWords}
	if s.commonWords == 0 {
		s.commonWords = commonWords
	}
	if s.manyObjects = opts.ManyObjects; s.manyObjects == 0 {
		s.manyObjects = manyObjects
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := migrateDB(ctx, w); err != nil {
		w.Close()
		return nil, err
	}
	if err := indexWords(ctx, w); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", "file:"+url.PathEscape(path)+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("error opening database: %w", err)
	}
	n := max(4, 2*runtime.NumCPU())
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s.r = r
	s.sqlStore = s.openSQLStore()
	// Checkpoints run on their own connection, in the background: run by the
	// committing writer (SQLite's default) they double the I/O on the
	// ingest path. The writer has wal_autocheckpoint(0) for this reason.
	// The same connection refreshes planner statistics; analysis_limit
	// bounds the ANALYZE that PRAGMA optimize may run, which otherwise
	// reads whole indexes while it holds the write lock (tens of seconds
	// at millions of entries, failing commits that wait longer than
	// busy_timeout).
	if s.ckpt, err = sql.Open("sqlite", "file:"+url.PathEscape(path)+"?"+common+"&_pragma=analysis_limit(1000)"); err != nil {
		s.Close()
		return nil, fmt.Errorf("error opening database: %w", err)
	}
	s.ckpt.SetMaxOpenConns(1)
	if _, err := s.ckpt.ExecContext(ctx, "PRAGMA optimize=0x10002"); err != nil {
		s.Close()
		return nil, fmt.Errorf("error optimizing database: %w", err)
	}
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := w.QueryRowContext(ctx, `SELECT count(*) FROM audit_log_recent`).Scan(&s.recent); err != nil {
		s.Close()
		return nil, fmt.Errorf("error counting recent entries: %w", err)
	}
	s.flush = make(chan struct{}, 1)
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go s.background()
	if err := chain.Build(ctx, s, opts.Origin, s.catchUp, opts.Log); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// prepare prepares the write connection's statements of the append.
func (s *Store) prepare(ctx context.Context) error {
	for _, st := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&s.insert, `INSERT INTO audit_log (` + store.Columns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&s.insertConfig, `INSERT INTO config_changes (entry_id, seq, device, format, before, after) VALUES (?, ?, ?, ?, ?, ?)`},
		{&s.insertObject, `INSERT OR IGNORE INTO audit_objects (type, name, ts, entry_id) VALUES (?, ?, ?, ?)`},
		{&s.insertRecent, `INSERT INTO audit_log_recent (` + store.Columns + `, words)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&s.insertLeaf, `INSERT INTO log_leaves (idx, entry_id, leaf, hashes) VALUES (?, ?, ?, ?)`},
		{&s.insertLeaves, `INSERT INTO log_leaves (idx, entry_id, leaf, hashes) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", leavesPerInsert), ", ")},
		{&s.insertWords, `INSERT INTO audit_text (rowid, words) VALUES (?, ?)`},
		{&s.lookup, `SELECT id FROM audit_log WHERE source = ?1 AND event_id = ?2
		UNION ALL SELECT id FROM audit_log_recent WHERE source = ?1 AND event_id = ?2`},
	} {
		var err error
		if *st.stmt, err = s.w.PrepareContext(ctx, st.query); err != nil {
			return fmt.Errorf("error preparing %.40s: %w", st.query, err)
		}
	}
	return nil
}

// Close stops the checkpointer, folds the WAL into the database file and
// closes every connection pool. Closing twice is harmless.
func (s *Store) Close() error {
	err := errors.New("store already closed")
	s.closeOnce.Do(func() { err = s.close() })
	return err
}

func (s *Store) close() error {
	var errs []error
	if s.stop != nil {
		close(s.stop)
		<-s.done
		s.stop = nil
		if _, err := s.ckpt.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			errs = append(errs, fmt.Errorf("error checkpointing: %w", err))
		}
	}
	if s.ckpt != nil {
		errs = append(errs, s.ckpt.Close())
	}
	for _, st := range []*sql.Stmt{s.insert, s.insertRecent, s.insertLeaf, s.insertLeaves, s.insertWords, s.insertConfig, s.insertObject, s.lookup} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	errs = append(errs, s.w.Close())
	return errors.Join(errs...)
}

// Ping checks the read pool.
func (s *Store) Ping(ctx context.Context) error { return s.r.PingContext(ctx) }

// WatchCommits implements store.Store. Only this process writes to the
// database file, and its ingest writer announces its own commits.
func (s *Store) WatchCommits(ctx context.Context, fn func(lastID int64)) error {
	<-ctx.Done()
	return nil
}

// TryLock implements store.Store within this process, the only one that
// uses the database file.
func (s *Store) TryLock(ctx context.Context, name string) (func(), bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held == nil {
		s.held = map[string]bool{}
	}
	if s.held[name] {
		return nil, false, nil
	}
	s.held[name] = true
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			delete(s.held, name)
			s.mu.Unlock()
		})
	}, true, nil
}

// Head implements store.Store.
func (s *Store) Head(ctx context.Context) (int64, []byte, error) {
	var id int64
	var h []byte
	if err := s.r.QueryRowContext(ctx, `SELECT last_id, last_hash FROM chain_head WHERE singleton = 1`).Scan(&id, &h); err != nil {
		return 0, nil, fmt.Errorf("error reading chain head: %w", err)
	}
	return id, h, nil
}
