// Package postgres is the scale-out engine of Logbook: any number of
// Logbook replicas serve one PostgreSQL database (or a service that speaks
// its protocol).
//
// Replicas agree through the database alone: every append locks the chain
// head row, so the hash chain stays one chain whoever writes; commits are
// announced with NOTIFY so that live views on every replica hear of them;
// work that must run once takes an advisory lock. Bulk ingest uses COPY,
// one transaction per group commit. The audit log is partitioned by month
// so that archive/purge can drop whole partitions.
//
// Prepared statements are run with plan_cache_mode=force_custom_plan:
// after five executions PostgreSQL was seen to switch a filtered,
// time-ordered listing to a generic plan 400 to 1,800 times slower.
package postgres

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the PostgreSQL engine.
type Store struct {
	pool    *pgxpool.Pool
	channel string // NOTIFY channel, one per schema
	now     func() time.Time
	stop    chan struct{}
	done    chan struct{}

	locksMu sync.Mutex
	locks   map[string]*pgxpool.Conn
}

var dialect = store.Dialect{
	Placeholder:  func(n int) string { return "$" + strconv.Itoa(n) },
	TimeArg:      func(t time.Time) any { return t.UTC().Truncate(time.Microsecond) },
	Micros:       "(extract(epoch from ts) * 1000000)::bigint",
	ILike:        "ILIKE",
	WordsQuery:   wordsQuery,
	WordsIndexed: wordsIndexed,
	IPNetwork: func(arg func(any) string, _, _ []byte, prefix string) string {
		return "(CASE WHEN user_ip = '' THEN NULL ELSE user_ip::inet END) <<= " + arg(prefix) + "::inet"
	},
}

// migrationHooks complete migrations with work SQL cannot do, in the
// migration's transaction.
var migrationHooks = map[int]func(context.Context, pgx.Tx) error{7: backfillWords}

var tables = []string{"audit_log"}

// Options tune Open. The zero value is the production setting.
type Options struct {
	// Now is the clock for recorded_at; time.Now when nil.
	Now func() time.Time
}

// IsURL reports whether db names a PostgreSQL database.
func IsURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// Open connects to the database at url (postgres://user@host:5432/db; a
// search_path parameter selects a schema), applies migrations under an
// advisory lock so that replicas starting together do not race, and makes
// sure the partitions of the coming months exist.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	cfg.ConnConfig.RuntimeParams["application_name"] = "logbook"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("error connecting to PostgreSQL: %w", err)
	}
	s := &Store{pool: pool, now: opts.Now, locks: map[string]*pgxpool.Conn{}}
	if s.now == nil {
		s.now = time.Now
	}
	var schema string
	if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("error connecting to PostgreSQL: %w", err)
	}
	s.channel = "logbook_audit_" + schema
	if err := s.migrate(ctx, schema); err != nil {
		pool.Close()
		return nil, err
	}
	if err := s.ensurePartitions(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go s.maintain()
	return s, nil
}

// migrate applies the embedded migrations not yet applied, holding an
// advisory lock (per schema) for the whole run.
func (s *Store) migrate(ctx context.Context, schema string) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("error acquiring connection: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtext('logbook_migrate:' || $1::text))`, schema); err != nil {
		return fmt.Errorf("error taking migration lock: %w", err)
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock(hashtext('logbook_migrate:' || $1::text))`, schema)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
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
		var applied bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, version).Scan(&applied); err != nil {
			return err
		}
		if applied {
			continue
		}
		body, _ := migrations.ReadFile("migrations/" + name)
		tx, err := conn.Begin(ctx)
		if err != nil {
			return err
		}
		if _, err := tx.Conn().PgConn().Exec(ctx, string(body)).ReadAll(); err != nil {
			tx.Rollback(ctx)
			return fmt.Errorf("error applying migration %s: %w", name, err)
		}
		if hook := migrationHooks[version]; hook != nil {
			if err := hook(ctx, tx); err != nil {
				tx.Rollback(ctx)
				return fmt.Errorf("error applying migration %s: %w", name, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, version); err != nil {
			tx.Rollback(ctx)
			return err
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("error applying migration %s: %w", name, err)
		}
	}
	return nil
}

// partitionMonthsAhead is how many months of partitions exist ahead of
// now; maintenance runs every partitionCheck.
const (
	partitionMonthsBehind = 1
	partitionMonthsAhead  = 3
	partitionCheck        = 6 * time.Hour
)

// ensurePartitions creates the monthly partitions around now. A month
// whose entries already sit in the default partition keeps them there.
func (s *Store) ensurePartitions(ctx context.Context) error {
	now := s.now().UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	for m := -partitionMonthsBehind; m <= partitionMonthsAhead; m++ {
		from := first.AddDate(0, m, 0)
		to := from.AddDate(0, 1, 0)
		name := fmt.Sprintf("audit_log_y%04dm%02d", from.Year(), from.Month())
		var exists bool
		if err := s.pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&exists); err != nil {
			return fmt.Errorf("error checking partition %s: %w", name, err)
		}
		if exists {
			continue
		}
		sql := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s PARTITION OF audit_log FOR VALUES FROM ('%s') TO ('%s')`,
			pgx.Identifier{name}.Sanitize(), from.Format(time.RFC3339), to.Format(time.RFC3339))
		if _, err := s.pool.Exec(ctx, sql); err != nil {
			// Another replica may have created it a moment ago, or the
			// default partition already holds entries of that month.
			slog.Warn("could not create partition", "partition", name, "error", err)
		}
	}
	return nil
}

func (s *Store) maintain() {
	defer close(s.done)
	tick := time.NewTicker(partitionCheck)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			if err := s.ensurePartitions(ctx); err != nil {
				slog.Error("partition maintenance failed", "error", err)
			}
			cancel()
		}
	}
}

// Close stops maintenance, releases held locks and closes the pool.
func (s *Store) Close() error {
	if s.stop != nil {
		close(s.stop)
		<-s.done
		s.stop = nil
	}
	s.locksMu.Lock()
	for name, c := range s.locks {
		c.Release()
		delete(s.locks, name)
	}
	s.locksMu.Unlock()
	s.pool.Close()
	return nil
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

var copyColumns = append(strings.Split(strings.ReplaceAll(store.Columns, " ", ""), ","), "words")

// Append implements store.Store: one transaction, the chain head locked,
// the new rows written with COPY.
func (s *Store) Append(ctx context.Context, entries []audit.Entry) ([]int64, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("error beginning append: %w", err)
	}
	defer tx.Rollback(context.Background())
	var lastID int64
	var lastHash []byte
	if err := tx.QueryRow(ctx, `SELECT last_id, last_hash FROM chain_head WHERE singleton = 1 FOR UPDATE`).Scan(&lastID, &lastHash); err != nil {
		return nil, fmt.Errorf("error locking chain head: %w", err)
	}
	existing, err := lookupEvents(ctx, tx, entries)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	ids := make([]int64, len(entries))
	rows := make([][]any, 0, len(entries))
	var events, configs, objects [][]any
	var buf []byte
	for i := range entries {
		e := &entries[i]
		if e.EventID != "" {
			k := eventKey{e.Source, e.EventID}
			if id, ok := existing[k]; ok {
				ids[i] = id
				continue
			}
			existing[k] = lastID + 1
			events = append(events, []any{e.Source, e.EventID, lastID + 1})
		}
		lastID++
		e.ID = lastID
		e.RecordedAt = now
		prev := lastHash
		lastHash, buf = audit.Seal(prev, e, buf)
		rows = append(rows, rowValues(e, prev, lastHash))
		seen := map[store.ObjectRef]bool{}
		for _, o := range e.AffectedObjects {
			if k := (store.ObjectRef{Type: o.Type, Name: o.Name}); !seen[k] {
				seen[k] = true
				objects = append(objects, []any{o.Type, o.Name, e.Timestamp, e.ID})
			}
		}
		for seq, c := range e.ConfigChanges {
			configs = append(configs, []any{e.ID, seq, c.Device, c.Format, store.PackText(c.Before), store.PackText(c.After)})
		}
		ids[i] = e.ID
	}
	if len(rows) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_log"}, copyColumns, pgx.CopyFromRows(rows)); err != nil {
			return nil, fmt.Errorf("error copying entries: %w", err)
		}
		if len(objects) > 0 {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_objects"}, []string{"type", "name", "ts", "entry_id"}, pgx.CopyFromRows(objects)); err != nil {
				return nil, fmt.Errorf("error indexing affected objects: %w", err)
			}
		}
		if len(configs) > 0 {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"config_changes"}, []string{"entry_id", "seq", "device", "format", "before", "after"}, pgx.CopyFromRows(configs)); err != nil {
				return nil, fmt.Errorf("error copying configuration changes: %w", err)
			}
		}
		if len(events) > 0 {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_log_event"}, []string{"source", "event_id", "id"}, pgx.CopyFromRows(events)); err != nil {
				return nil, fmt.Errorf("error copying event ids: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE chain_head SET last_id = $1, last_hash = $2 WHERE singleton = 1`, lastID, lastHash); err != nil {
			return nil, fmt.Errorf("error updating chain head: %w", err)
		}
		if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, s.channel, strconv.FormatInt(lastID, 10)); err != nil {
			return nil, fmt.Errorf("error announcing commit: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("error committing append: %w", err)
	}
	return ids, nil
}

type eventKey struct{ source, eventID string }

// lookupEvents finds the ids of entries whose (source, event_id) is stored.
func lookupEvents(ctx context.Context, tx pgx.Tx, entries []audit.Entry) (map[eventKey]int64, error) {
	found := map[eventKey]int64{}
	var sources, eventIDs []string
	for _, e := range entries {
		if e.EventID != "" {
			sources = append(sources, e.Source)
			eventIDs = append(eventIDs, e.EventID)
		}
	}
	if len(sources) == 0 {
		return found, nil
	}
	rows, err := tx.Query(ctx, `SELECT e.source, e.event_id, e.id FROM audit_log_event e
		JOIN unnest($1::text[], $2::text[]) AS k(source, event_id) ON e.source = k.source AND e.event_id = k.event_id`, sources, eventIDs)
	if err != nil {
		return nil, fmt.Errorf("error looking up event ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k eventKey
		var id int64
		if err := rows.Scan(&k.source, &k.eventID, &id); err != nil {
			return nil, err
		}
		found[k] = id
	}
	return found, rows.Err()
}

func rowValues(e *audit.Entry, prev, hash []byte) []any {
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
	return []any{e.ID, e.Timestamp, e.RecordedAt, e.UserName, e.UserIP, e.Domain, e.Application,
		e.Workspace, e.Task, string(e.Result), e.JobID, e.Description, objects, detail,
		e.HasConfigChange, e.Source, eventID, prev, hash, digestValue(e.ConfigDigest), e.Words()}
}

func scanEntry(row pgx.Row, e *audit.Entry) error {
	var ts, rec time.Time
	var objects, result string
	var detail, prev, hash, digest []byte
	var eventID *string
	if err := row.Scan(&e.ID, &ts, &rec, &e.UserName, &e.UserIP, &e.Domain, &e.Application,
		&e.Workspace, &e.Task, &result, &e.JobID, &e.Description, &objects, &detail,
		&e.HasConfigChange, &e.Source, &eventID, &prev, &hash, &digest); err != nil {
		return err
	}
	e.ConfigDigest = digest
	ev := ""
	if eventID != nil {
		ev = *eventID
	}
	return store.FinishEntry(e, ts.UnixMicro(), rec.UnixMicro(), result, objects, detail, ev, prev, hash)
}

func (s *Store) queryEntries(ctx context.Context, capacity int, query string, args ...any) ([]audit.Entry, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("error querying audit logs: %w", err)
	}
	defer rows.Close()
	entries := make([]audit.Entry, 0, capacity)
	for rows.Next() {
		var e audit.Entry
		if err := scanEntry(rows, &e); err != nil {
			return nil, fmt.Errorf("error reading audit log: %w", err)
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("error querying audit logs: %w", err)
	}
	return entries, nil
}

// List implements store.Store.
func (s *Store) List(ctx context.Context, scope store.Scope, q store.Query) (store.Page, error) {
	q.Filter = store.Normalize(q.Filter)
	query, args := dialect.ListSQL(scope, q, tables...)
	entries, err := s.queryEntries(ctx, q.Limit+1, query, args...)
	if err != nil {
		return store.Page{}, err
	}
	return store.PageFrom(entries, q), nil
}

// Count implements store.Store.
func (s *Store) Count(ctx context.Context, scope store.Scope, f store.Filter, limit int) (int, error) {
	f = store.Normalize(f)
	query, args := dialect.CountSQL(scope, f, limit, tables...)
	var n int
	if err := s.pool.QueryRow(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("error counting audit logs: %w", err)
	}
	return n, nil
}

// Estimate implements store.Store.
func (s *Store) Estimate(ctx context.Context, scope store.Scope, f store.Filter, n int) (int64, error) {
	f = store.Normalize(f)
	return store.Estimate(func(n int, desc bool) (int64, bool, error) {
		query, args := dialect.NthTimeSQL(scope, f, n, desc, tables...)
		var t int64
		err := s.pool.QueryRow(ctx, query, args...).Scan(&t)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, false, nil
		}
		if err != nil {
			return 0, false, fmt.Errorf("error estimating a count: %w", err)
		}
		return t, true, nil
	}, n)
}

// Values implements store.Store.
func (s *Store) Values(ctx context.Context, scope store.Scope, field store.SortField, limit int) ([]string, error) {
	query, args, err := dialect.ValuesSQL(scope, field, limit, tables...)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("error listing values: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, scope store.Scope, id int64) (audit.Entry, error) {
	var e audit.Entry
	err := scanEntry(s.pool.QueryRow(ctx, `SELECT `+store.Columns+` FROM audit_log WHERE id = $1`, id), &e)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !scope.Allows(e.Domain)) {
		return audit.Entry{}, store.ErrNotFound
	}
	if err != nil {
		return audit.Entry{}, fmt.Errorf("error reading audit log %d: %w", id, err)
	}
	return e, nil
}

// Scan implements store.Store.
func (s *Store) Scan(ctx context.Context, afterID int64, fn func(*audit.Entry) error) error {
	for {
		batch, err := s.queryEntries(ctx, 1000, `SELECT `+store.Columns+` FROM audit_log WHERE id > $1 ORDER BY id LIMIT 1000`, afterID)
		if err != nil {
			return err
		}
		for i := range batch {
			if err := fn(&batch[i]); err != nil {
				return err
			}
		}
		if len(batch) < 1000 {
			return nil
		}
		afterID = batch[len(batch)-1].ID
	}
}

// Head implements store.Store.
func (s *Store) Head(ctx context.Context) (int64, []byte, error) {
	var id int64
	var h []byte
	if err := s.pool.QueryRow(ctx, `SELECT last_id, last_hash FROM chain_head WHERE singleton = 1`).Scan(&id, &h); err != nil {
		return 0, nil, fmt.Errorf("error reading chain head: %w", err)
	}
	return id, h, nil
}

// WatchCommits implements store.Store: it listens for the NOTIFY every
// append sends, whichever replica made it, until ctx ends.
func (s *Store) WatchCommits(ctx context.Context, fn func(lastID int64)) error {
	for ctx.Err() == nil {
		err := s.listen(ctx, fn)
		if ctx.Err() != nil {
			return nil
		}
		slog.Warn("lost the commit notification connection; reconnecting", "error", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	return nil
}

func (s *Store) listen(ctx context.Context, fn func(int64)) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		return err
	}
	defer conn.Exec(context.Background(), "UNLISTEN *")
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if id, err := strconv.ParseInt(n.Payload, 10, 64); err == nil {
			fn(id)
		}
	}
}

// TryLock implements store.Store with a session advisory lock held on a
// connection of its own until the returned release is called.
func (s *Store) TryLock(ctx context.Context, name string) (func(), bool, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, false, err
	}
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtext('logbook_lock:' || current_schema() || ':' || $1::text))`, name).Scan(&ok); err != nil {
		conn.Release()
		return nil, false, fmt.Errorf("error taking lock %s: %w", name, err)
	}
	if !ok {
		conn.Release()
		return nil, false, nil
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			conn.Exec(context.Background(), `SELECT pg_advisory_unlock(hashtext('logbook_lock:' || current_schema() || ':' || $1::text))`, name)
			conn.Release()
		})
	}, true, nil
}

// InsertRaw copies entries as they are, perTx rows per COPY and
// transaction: the baseline `logbook bench` compares ingest with.
func (s *Store) InsertRaw(ctx context.Context, entries []audit.Entry, perTx int) error {
	hash := make([]byte, audit.HashSize)
	for start := 0; start < len(entries); start += perTx {
		batch := entries[start:min(start+perTx, len(entries))]
		rows := make([][]any, len(batch))
		for i := range batch {
			rows[i] = rowValues(&batch[i], hash, hash)
		}
		if _, err := s.pool.CopyFrom(ctx, pgx.Identifier{"audit_log"}, copyColumns, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("error copying entries: %w", err)
		}
	}
	return nil
}

// Optimize refreshes planner statistics after bulk loads.
func (s *Store) Optimize(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, `ANALYZE audit_log`)
	return err
}

// NewSchema creates an empty schema named after prefix in the database at
// url and returns the URL that selects it and a function that drops it.
// Benchmarks and tests use it to work on a clean slate.
func NewSchema(ctx context.Context, url, prefix string) (string, func() error, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return "", nil, fmt.Errorf("error connecting to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	schema := fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return "", nil, fmt.Errorf("error creating schema: %w", err)
	}
	drop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			return err
		}
		defer c.Close(ctx)
		_, err = c.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		return err
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "search_path=" + schema, drop, nil
}

// digestValue stores an absent digest as NULL.
func digestValue(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// ConfigChanges implements store.Store.
func (s *Store) ConfigChanges(ctx context.Context, scope store.Scope, id int64) ([]audit.ConfigChange, error) {
	e, err := s.Get(ctx, scope, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT device, format, before, after FROM config_changes WHERE entry_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("error reading configuration changes: %w", err)
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (audit.ConfigChange, error) {
		var c audit.ConfigChange
		var before, after []byte
		if err := r.Scan(&c.Device, &c.Format, &before, &after); err != nil {
			return c, err
		}
		var err error
		if c.Before, err = store.UnpackText(before); err != nil {
			return c, err
		}
		c.After, err = store.UnpackText(after)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("error reading configuration changes: %w", err)
	}
	return store.CheckConfigChanges(e, cs)
}

// Stats implements store.Store.
func (s *Store) Stats(ctx context.Context, scope store.Scope, f store.Filter, by store.SortField, top int) ([]store.Group, error) {
	f = store.Normalize(f)
	query, args, err := dialect.StatsSQL(scope, f, by, top, tables...)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("error counting groups: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Group, error) {
		var g store.Group
		err := r.Scan(&g.Key, &g.Count)
		return g, err
	})
	if out == nil {
		out = []store.Group{}
	}
	return out, err
}

// Histogram implements store.Store.
func (s *Store) Histogram(ctx context.Context, scope store.Scope, f store.Filter, interval time.Duration) ([]store.Bucket, error) {
	f = store.Normalize(f)
	query, args := dialect.HistogramSQL(scope, f, interval, tables...)
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("error counting per interval: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Bucket, error) {
		var k, n int64
		err := r.Scan(&k, &n)
		return store.Bucket{Start: time.UnixMicro(k).UTC(), Count: n}, err
	})
	if out == nil {
		out = []store.Bucket{}
	}
	return out, err
}
