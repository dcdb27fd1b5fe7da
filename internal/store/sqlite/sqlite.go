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
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
	_ "modernc.org/sqlite"
)

//go:embed migrations/*.sql
var migrations embed.FS

// FileName is the database file inside the data directory.
const FileName = "logbook.db"

// Store is the SQLite engine.
type Store struct {
	w, r         *sql.DB
	ckpt         *sql.DB
	insert       *sql.Stmt // into audit_log
	insertRecent *sql.Stmt // into audit_log_recent
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
	if err := migrate(ctx, w); err != nil {
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
	if s.insert, err = w.PrepareContext(ctx, `INSERT INTO audit_log (`+store.Columns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`); err != nil {
		s.Close()
		return nil, fmt.Errorf("error preparing insert: %w", err)
	}
	if s.insertConfig, err = w.PrepareContext(ctx, `INSERT INTO config_changes (entry_id, seq, device, format, before, after) VALUES (?, ?, ?, ?, ?, ?)`); err != nil {
		s.Close()
		return nil, fmt.Errorf("error preparing insert: %w", err)
	}
	if s.insertObject, err = w.PrepareContext(ctx, `INSERT OR IGNORE INTO audit_objects (type, name, ts, entry_id) VALUES (?, ?, ?, ?)`); err != nil {
		s.Close()
		return nil, fmt.Errorf("error preparing insert: %w", err)
	}
	if s.insertRecent, err = w.PrepareContext(ctx, `INSERT INTO audit_log_recent (`+store.Columns+`, words)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`); err != nil {
		s.Close()
		return nil, fmt.Errorf("error preparing insert: %w", err)
	}
	if s.insertWords, err = w.PrepareContext(ctx, `INSERT INTO audit_text (rowid, words) VALUES (?, ?)`); err != nil {
		s.Close()
		return nil, fmt.Errorf("error preparing insert: %w", err)
	}
	if s.lookup, err = w.PrepareContext(ctx, `SELECT id FROM audit_log WHERE source = ?1 AND event_id = ?2
		UNION ALL SELECT id FROM audit_log_recent WHERE source = ?1 AND event_id = ?2`); err != nil {
		s.Close()
		return nil, fmt.Errorf("error preparing lookup: %w", err)
	}
	if err := w.QueryRowContext(ctx, `SELECT count(*) FROM audit_log_recent`).Scan(&s.recent); err != nil {
		s.Close()
		return nil, fmt.Errorf("error counting recent entries: %w", err)
	}
	s.flush = make(chan struct{}, 1)
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go s.background()
	return s, nil
}

// migrate applies the embedded migrations that the database has not seen,
// each in its own transaction.
func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("error creating schema_migrations: %w", err)
	}
	files, err := migrations.ReadDir("migrations")
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, f.Name())
	}
	sort.Strings(names)
	for _, name := range names {
		version, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("bad migration file name %q", name)
		}
		body, _ := migrations.ReadFile("migrations/" + name)
		if err := applyMigration(ctx, db, version, string(body), migrationHooks[version]); err != nil {
			return fmt.Errorf("error applying migration %s: %w", name, err)
		}
	}
	return nil
}

// migrationHooks complete migrations with work SQL cannot do, in the
// migration's transaction.
var migrationHooks = map[int]func(context.Context, *sql.Tx) error{8: backfillWords, 12: backfillStats}

func applyMigration(ctx context.Context, db *sql.DB, version int, body string, hook func(context.Context, *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return err
	}
	if hook != nil {
		if err := hook(ctx, tx); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, time.Now().Unix()); err != nil {
		return err
	}
	return tx.Commit()
}

// Background work runs beside ingest: checkpointInterval is how often the
// WAL is copied into the database file (and recent entries moved when any
// wait), optimizeInterval how often the planner statistics are refreshed.
// Recent entries move as soon as flushAt of them wait, moveChunk per
// transaction; a commit of at least directAt entries shares index pages
// well enough to go straight to audit_log.
//
// A move writes a page of each index for every value among the entries it
// moves, whatever their number, so larger moves cost less per entry: with
// 64 single-entry clients, moves of 8,192 rather than 2,048 entries cut
// the acknowledgement p99 from 100-140 ms to 15-25 ms (fewer stalls behind
// a move, each longer) at the same or a higher rate (logbook bench
// --single-entries).
const (
	checkpointInterval = time.Second
	optimizeInterval   = 10 * time.Minute
	flushAt            = 8192
	moveChunk          = 8192
	directAt           = 256
)

func (s *Store) background() {
	defer close(s.done)
	tick := time.NewTicker(checkpointInterval)
	defer tick.Stop()
	lastOptimize := time.Now()
	for {
		select {
		case <-s.stop:
			return
		case <-s.flush:
			if err := s.moveRecent(context.Background()); err != nil {
				slog.Error("error moving recent audit logs", "error", err)
			}
			continue
		case <-tick.C:
		}
		if err := s.moveRecent(context.Background()); err != nil {
			slog.Error("error moving recent audit logs", "error", err)
		}
		if _, err := s.ckpt.Exec("PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
			continue // busy: the next tick tries again
		}
		if time.Since(lastOptimize) > optimizeInterval {
			s.Optimize(context.Background())
			lastOptimize = time.Now()
		}
	}
}

// Optimize refreshes the query planner's statistics where the tables have
// changed enough to matter. Without them SQLite picked the result index for
// task=? AND result=?, several times slower than the task index. It runs at
// start, every optimizeInterval and after bulk loads.
func (s *Store) Optimize(ctx context.Context) error {
	if _, err := s.ckpt.ExecContext(ctx, "PRAGMA optimize"); err != nil {
		return fmt.Errorf("error optimizing database: %w", err)
	}
	return nil
}

// moveRecent moves the recent entries to audit_log, oldest first, at most
// moveChunk per transaction so that ingest never waits long behind a move
// (a whole chunk holds ingest for 0.25-0.45 s on a 2-core machine).
// Each move is one transaction, so readers see every entry in exactly one
// of the two tables.
func (s *Store) moveRecent(ctx context.Context) error {
	for {
		s.mu.Lock()
		n := s.recent
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		if err := s.moveChunk(ctx); err != nil {
			return err
		}
		select {
		case <-s.stop:
			return nil
		default:
		}
	}
}

func (s *Store) moveChunk(ctx context.Context) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var upTo int64
	err = tx.QueryRowContext(ctx, `SELECT coalesce((SELECT id FROM audit_log_recent ORDER BY id LIMIT 1 OFFSET ?), (SELECT max(id) FROM audit_log_recent), 0)`, moveChunk-1).Scan(&upTo)
	if err != nil {
		return fmt.Errorf("error choosing recent entries to move: %w", err)
	}
	moved, err := moveRecentTx(ctx, tx, upTo)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := tx.Commit(); err != nil {
		return err
	}
	s.recent -= int(moved)
	return nil
}

// moveRecentTx moves the recent entries with ids up to upTo.
func moveRecentTx(ctx context.Context, tx *sql.Tx, upTo int64) (int64, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (`+store.Columns+`) SELECT `+store.Columns+` FROM audit_log_recent WHERE id <= ? ORDER BY id`, upTo); err != nil {
		return 0, fmt.Errorf("error moving recent entries: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO audit_objects (type, name, ts, entry_id)
		SELECT json_extract(o.value, '$.type'), json_extract(o.value, '$.name'), r.ts, r.id
		FROM audit_log_recent r, json_each(r.affected_objects) o WHERE r.id <= ?`, upTo); err != nil {
		return 0, fmt.Errorf("error indexing moved entries' objects: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_text (rowid, words) SELECT id, words FROM audit_log_recent WHERE id <= ?`, upTo); err != nil {
		return 0, fmt.Errorf("error indexing moved entries' words: %w", err)
	}
	if err := rollUp(ctx, tx, "audit_log_recent", "id <= ?", 1, upTo); err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM audit_log_recent WHERE id <= ?`, upTo)
	if err != nil {
		return 0, fmt.Errorf("error moving recent entries: %w", err)
	}
	return res.RowsAffected()
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
	for _, st := range []*sql.Stmt{s.insert, s.insertRecent, s.insertWords, s.insertConfig, s.insertObject, s.lookup} {
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

type eventKey struct{ source, eventID string }

// Append implements store.Store.
func (s *Store) Append(ctx context.Context, entries []audit.Entry) ([]int64, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("error beginning append: %w", err)
	}
	defer tx.Rollback()
	var lastID int64
	var lastHash []byte
	if err := tx.QueryRowContext(ctx, `SELECT last_id, last_hash FROM chain_head WHERE singleton = 1`).Scan(&lastID, &lastHash); err != nil {
		return nil, fmt.Errorf("error reading chain head: %w", err)
	}
	// A large batch goes straight to audit_log, after the recent entries so
	// that ids in audit_log stay below those in audit_log_recent.
	s.mu.Lock()
	defer s.mu.Unlock()
	direct := len(entries) >= directAt
	insert := tx.StmtContext(ctx, s.insertRecent)
	if direct {
		if s.recent > 0 {
			if _, err := moveRecentTx(ctx, tx, lastID); err != nil {
				return nil, err
			}
		}
		insert = tx.StmtContext(ctx, s.insert)
	}
	firstID := lastID + 1
	lookup := tx.StmtContext(ctx, s.lookup)
	insertConfig := tx.StmtContext(ctx, s.insertConfig)
	insertObject := tx.StmtContext(ctx, s.insertObject)
	insertWords := tx.StmtContext(ctx, s.insertWords)
	added := 0
	now := s.now().UTC().Truncate(time.Microsecond)
	ids := make([]int64, len(entries))
	var seen map[eventKey]int64
	var buf []byte
	for i := range entries {
		e := &entries[i]
		if e.EventID != "" {
			k := eventKey{e.Source, e.EventID}
			if id, ok := seen[k]; ok {
				ids[i] = id
				continue
			}
			var id int64
			err := lookup.QueryRowContext(ctx, e.Source, e.EventID).Scan(&id)
			if err == nil {
				ids[i] = id
				continue
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return nil, fmt.Errorf("error looking up event_id: %w", err)
			}
			if seen == nil {
				seen = make(map[eventKey]int64)
			}
			seen[k] = lastID + 1
		}
		lastID++
		e.ID = lastID
		e.RecordedAt = now
		prev := lastHash
		lastHash, buf = audit.Seal(prev, e, buf)
		words := e.Words()
		if direct {
			if _, err := insert.ExecContext(ctx, rowArgs(e, prev, lastHash)...); err != nil {
				return nil, fmt.Errorf("error inserting entry: %w", err)
			}
			if _, err := insertWords.ExecContext(ctx, e.ID, words); err != nil {
				return nil, fmt.Errorf("error indexing entry's words: %w", err)
			}
		} else if _, err := insert.ExecContext(ctx, append(rowArgs(e, prev, lastHash), words)...); err != nil {
			return nil, fmt.Errorf("error inserting entry: %w", err)
		}
		// Entries that wait in audit_log_recent join the object index when
		// they move, in batches: indexed here, each small commit wrote a
		// page of audit_objects per entry (15% of single-entry ingest).
		for _, o := range e.AffectedObjects {
			if !direct {
				break
			}
			if _, err := insertObject.ExecContext(ctx, o.Type, o.Name, e.Timestamp.UnixMicro(), e.ID); err != nil {
				return nil, fmt.Errorf("error indexing affected objects: %w", err)
			}
		}
		for seq, c := range e.ConfigChanges {
			if _, err := insertConfig.ExecContext(ctx, e.ID, seq, c.Device, c.Format, store.PackText(c.Before), store.PackText(c.After)); err != nil {
				return nil, fmt.Errorf("error inserting configuration change: %w", err)
			}
		}
		ids[i] = e.ID
		added++
	}
	if direct && added > 0 {
		if err := rollUp(ctx, tx, "audit_log", "id > ? AND id <= ?", 1, firstID-1, lastID); err != nil {
			return nil, err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE chain_head SET last_id = ?, last_hash = ? WHERE singleton = 1`, lastID, lastHash); err != nil {
		return nil, fmt.Errorf("error updating chain head: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("error committing append: %w", err)
	}
	if direct {
		s.recent = 0
	} else {
		s.recent += added
	}
	if s.recent >= flushAt {
		select {
		case s.flush <- struct{}{}:
		default:
		}
	}
	return ids, nil
}

func rowArgs(e *audit.Entry, prev, hash []byte) []any {
	objects := "[]"
	if len(e.AffectedObjects) > 0 {
		b, _ := json.Marshal(e.AffectedObjects)
		objects = string(b)
	}
	var detail []byte
	if e.AffectedObjectDetail != "" {
		detail = store.PackText(e.AffectedObjectDetail)
	}
	var eventID any
	if e.EventID != "" {
		eventID = e.EventID
	}
	return []any{e.ID, e.Timestamp.UnixMicro(), e.RecordedAt.UnixMicro(), e.UserName, e.UserIP,
		e.Domain, e.Application, e.Workspace, e.Task, string(e.Result), e.JobID, e.Description,
		objects, detail, e.HasConfigChange, e.Source, eventID, prev, hash, nilIfEmpty(e.ConfigDigest)}
}

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

// InsertRaw inserts entries as they are, perTx rows per transaction, with
// the same prepared INSERT, schema and indexes as Append but none of its
// work (no chain head, no idempotency lookups, no hashing). It is the
// baseline `logbook bench` compares Logbook's ingest with; entries must
// carry their IDs.
func (s *Store) InsertRaw(ctx context.Context, entries []audit.Entry, perTx int) error {
	hash := make([]byte, audit.HashSize)
	for start := 0; start < len(entries); start += perTx {
		tx, err := s.w.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		insert, insertWords := tx.StmtContext(ctx, s.insert), tx.StmtContext(ctx, s.insertWords)
		for i := start; i < min(start+perTx, len(entries)); i++ {
			if _, err := insert.ExecContext(ctx, rowArgs(&entries[i], hash, hash)...); err != nil {
				tx.Rollback()
				return fmt.Errorf("error inserting entry: %w", err)
			}
			if _, err := insertWords.ExecContext(ctx, entries[i].ID, entries[i].Words()); err != nil {
				tx.Rollback()
				return fmt.Errorf("error indexing entry's words: %w", err)
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// nilIfEmpty stores an absent digest as NULL.
func nilIfEmpty(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}
