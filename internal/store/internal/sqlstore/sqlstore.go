// Package sqlstore is the one implementation, over database/sql, of the
// parts of store.Store that are plain rows: accounts (users, domains,
// tokens, sessions, saved searches), jobs, forwarding criteria and the
// records of archive/purge and the settings. Both engines keep these
// tables with the same columns and the same statements, so that writing
// them twice only let the two copies drift apart; what the engines truly
// differ in is named in Engine, which each engine fills in once.
//
// Placeholders. Every statement here is written with PostgreSQL's
// numbered placeholders ($1, $2, ...). SQLite reads $1 as a named
// parameter, and modernc.org/sqlite binds a parameter named $N to the
// N-th argument, so one text serves both engines, and a placeholder can be
// used twice. SQL built by store.Dialect uses the engine's own style and
// is never mixed with these in one statement.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// Engine is what an engine tells the shared implementation about itself.
// Every difference between SQLite and PostgreSQL in these tables is one of
// its fields, so that a reader finds them all in one place.
type Engine struct {
	// Read serves reads outside transactions and Write every write and
	// transaction. SQLite passes its pool of read-only connections and its
	// single write connection, whose BEGIN IMMEDIATE makes a transaction
	// exclude every other writer; PostgreSQL passes the same *sql.DB (its
	// pool through pgx's stdlib adapter) twice.
	Read, Write *sql.DB
	// Dialect builds the SQL shared with the audit log listings (the job
	// list, purge selections, WithinSQL) and encodes times as parameters:
	// Dialect.TimeArg encodes every time column that is always set.
	Dialect store.Dialect
	// Tables are the tables audit log entries live in, for purges.
	Tables []string
	// NowFunc is the engine's clock, for the times a write records.
	NowFunc func() time.Time

	// ForUpdate ends the SELECT with which a read-modify-write transaction
	// reads its row: " FOR UPDATE" on PostgreSQL, so that concurrent
	// updates from any replica queue instead of overwriting each other; ""
	// on SQLite, whose write transaction already excludes other writers.
	ForUpdate string
	// Greatest names the SQL function that returns the later of two
	// times, so that a recorded use only moves forward: SQLite's max,
	// PostgreSQL's GREATEST (which ignores NULL, that is, "never").
	Greatest string
	// Never is the stored value of a time column that says "never": SQLite
	// stores 0 (as int64, the type its driver returns), PostgreSQL NULL
	// (nil). Columns that may say "never" are encoded and decoded with it.
	Never any
	// ScanTimeFunc returns the Scan destination that decodes a time column
	// that is always set into t, in UTC: SQLite reads microseconds since
	// the epoch, PostgreSQL a timestamptz.
	ScanTimeFunc func(t *time.Time) sql.Scanner

	// ListFunc encodes a list column (SQLite: JSON text; PostgreSQL: a
	// text[] array), an empty list as an empty one rather than NULL, which
	// the NOT NULL columns refuse. ScanListFunc returns the destination
	// that decodes one, never to nil, so that callers can compare and
	// range over the lists they read without a nil check.
	ListFunc     func(l []string) any
	ScanListFunc func(l *[]string) sql.Scanner
	// EachFunc returns, for a list column such as users.domains, the FROM
	// item that yields its elements one per row and the expression of one
	// element, compared byte-wise, as store.Dialect.WithinSQL wants them.
	EachFunc func(column string) (from, elem string)
	// IsUniqueFunc reports whether err is a violated PRIMARY KEY or UNIQUE
	// constraint, which callers see as store.ErrConflict.
	IsUniqueFunc func(err error) bool

	// ScanEntryFunc scans one audit log row (store.Columns) for ScanPurge.
	ScanEntryFunc func(r Row, e *audit.Entry) error
	// PurgeFunc deletes, in tx, the entries with ids together with the
	// side rows only this engine keeps (SQLite: the text index, the object
	// index, the hourly counts and the buffer of recent entries;
	// PostgreSQL: the object index and the idempotency keys), and returns
	// how to commit tx: SQLite must commit under the lock that guards its
	// count of recent entries. Bridges, configuration changes and the
	// anchor are the shared part of a purge (RecordPurged).
	PurgeFunc func(ctx context.Context, tx *sql.Tx, ids []int64) (commit func() error, err error)
	// DropPartitionsFunc implements store.Lifecycle.DropPartitions; nil for
	// an engine without partitions, which drops nothing.
	DropPartitionsFunc func(ctx context.Context, anchorID int64, p store.PurgeSpec) (int64, []string, error)
}

// Store implements the accounts, jobs, forwarding and lifecycle parts of
// store.Store on an Engine. Engines embed it.
type Store struct {
	e Engine
}

// New returns the shared implementation over e.
func New(e Engine) *Store { return &Store{e: e} }

// Row is what a row scan needs: *sql.Row and *sql.Rows both are one.
type Row interface{ Scan(dest ...any) error }

// stamp is the time a write records when the caller gave none.
func (s *Store) stamp(t time.Time) time.Time {
	if t.IsZero() {
		t = s.e.NowFunc()
	}
	return t.UTC().Truncate(time.Microsecond)
}

// truncate returns t as the store gives it back: UTC, whole microseconds.
func truncate(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// inTx runs fn in one transaction on the write connection and commits it.
// An error from fn is returned as it is, so that the error of a caller's
// function (UpdateUser's fn, say) reaches the caller unchanged; fn wraps
// its own.
func (s *Store) inTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.e.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// one returns the row a single-row read found, store.ErrNotFound when it
// found none.
func one[T any](v T, err error, op string) (T, error) {
	var zero T
	if errors.Is(err, sql.ErrNoRows) {
		return zero, fmt.Errorf("%s: %w", op, store.ErrNotFound)
	}
	if err != nil {
		return zero, fmt.Errorf("%s: %w", op, err)
	}
	return v, nil
}

// at encodes a time column that is always set.
func (s *Store) at(t time.Time) any { return s.e.Dialect.TimeArg(t) }

// never encodes a time column in which the zero time means "never".
func (s *Store) never(t time.Time) any {
	if t.IsZero() {
		return s.e.Never
	}
	return s.e.Dialect.TimeArg(t)
}

// scanTime is the destination of a time column that is always set.
func (s *Store) scanTime(t *time.Time) any { return s.e.ScanTimeFunc(t) }

// scanNever is the destination of a time column that may say "never".
func (s *Store) scanNever(t *time.Time) any { return neverScanner{s.e.Never, s.e.ScanTimeFunc(t), t} }

// neverScanner reads the engine's "never" as the zero time and hands
// every other value to the engine's time decoder.
type neverScanner struct {
	never any
	next  sql.Scanner
	t     *time.Time
}

func (n neverScanner) Scan(src any) error {
	if src == n.never {
		*n.t = time.Time{}
		return nil
	}
	return n.next.Scan(src)
}

// list encodes a list column.
func (s *Store) list(l []string) any { return s.e.ListFunc(l) }

// scanList is the destination of a list column.
func (s *Store) scanList(l *[]string) any { return s.e.ScanListFunc(l) }

// JSONList encodes a list as the JSON text SQLite keeps list columns in,
// and both engines keep the domains of a purge anchor in; an empty list
// is "[]", never "null".
func JSONList(l []string) any {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l)
	return string(b)
}

// ScanJSONList returns the Scan destination of a list column JSONList
// wrote; it decodes to an empty list rather than nil.
func ScanJSONList(l *[]string) sql.Scanner { return jsonList{l} }

type jsonList struct{ l *[]string }

func (j jsonList) Scan(src any) error {
	var text []byte
	switch v := src.(type) {
	case string:
		text = []byte(v)
	case []byte:
		text = v
	default:
		return fmt.Errorf("cannot decode %T as a JSON list", src)
	}
	var l []string
	if err := json.Unmarshal(text, &l); err != nil {
		return fmt.Errorf("error decoding a JSON list: %w", err)
	}
	if l == nil {
		l = []string{}
	}
	*j.l = l
	return nil
}

// conflict wraps err as op's error, as store.ErrConflict when it is a
// violated unique constraint.
func (s *Store) conflict(err error, op string) error {
	if s.e.IsUniqueFunc(err) {
		return fmt.Errorf("%s: %w", op, store.ErrConflict)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// affected turns the result of a statement meant for one row into
// store.ErrNotFound when it matched none.
func affected(res sql.Result, err error, op string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", op, store.ErrNotFound)
	}
	return nil
}

// collect scans every row of rows with scan and closes rows. The result
// is never nil, so that an empty listing reads as an empty list.
func collect[T any](rows *sql.Rows, scan func(Row) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// query runs a query on db and collects its rows with scan.
func query[T any](ctx context.Context, db interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, scan func(Row) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scan)
}

// inChunk bounds the ids of one IN list, well below SQLite's limit on
// bound parameters (32,766) and PostgreSQL's (65,535).
const inChunk = 500

// marks returns n numbered placeholders from first on, separated by
// commas, for an IN list or a VALUES row.
func marks(first, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(first+i))
	}
	return b.String()
}

// args turns ids into statement arguments.
func args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
