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
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/internal/chain"
)

// Store is the PostgreSQL engine.
type Store struct {
	pool    *pgxpool.Pool
	channel string // NOTIFY channel, one per schema
	now     func() time.Time
	stop    chan struct{}
	done    chan struct{}

	locksMu sync.Mutex
	locks   map[string]*pgxpool.Conn

	db        *sql.DB // the pool through database/sql, for sqlStore
	*sqlStore         // accounts, jobs, forwarding and lifecycle rows (accounts.go)
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

var tables = []string{"audit_log"}

// Options tune Open. The zero value is the production setting.
type Options struct {
	// Now is the clock for recorded_at; time.Now when nil.
	Now func() time.Time
	// Origin names the verifiable log (store.Log.OpenLog); empty keeps the
	// stored name, or for a new log takes integrity.DefaultOrigin.
	Origin string
	// Log, if set, is told the progress of building the log's tree over
	// entries stored before it.
	Log *slog.Logger
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
	s.db, s.sqlStore = s.openSQLStore()
	if err := chain.Build(ctx, s, opts.Origin, s.catchUp, opts.Log); err != nil {
		s.db.Close()
		pool.Close()
		return nil, err
	}
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go s.maintain()
	return s, nil
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
	if s.db != nil {
		s.db.Close() // the database/sql view of the pool (sqlstore)
	}
	s.pool.Close()
	return nil
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

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
