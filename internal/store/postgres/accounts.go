package postgres

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/internal/sqlstore"
)

// The plain rows beside the audit log (accounts, jobs, forwarding
// criteria, purge anchors and bridges, settings) are kept by sqlstore, one
// implementation for both engines, over database/sql; openSQLStore is what
// PostgreSQL tells it about itself. Times are timestamptz, NULL standing
// for "never" where a column may say so; lists are text[] arrays.

// sqlStore is the shared implementation Store embeds.
type sqlStore = sqlstore.Store

// openSQLStore opens the pool through pgx's stdlib adapter (connections
// are borrowed from the pool per statement or transaction, so both paths
// share its limits) and describes this engine to sqlstore. A row read for
// update is locked with SELECT … FOR UPDATE, so concurrent updates, from
// this replica or another, queue instead of overwriting each other.
func (s *Store) openSQLStore() (*sql.DB, *sqlStore) {
	db := stdlib.OpenDBFromPool(s.pool)
	return db, sqlstore.New(sqlstore.Engine{
		Read:         db,
		Write:        db,
		Dialect:      dialect,
		Tables:       tables,
		NowFunc:      s.now,
		ForUpdate:    " FOR UPDATE",
		Greatest:     "GREATEST",
		Never:        nil,
		ScanTimeFunc: func(t *time.Time) sql.Scanner { return timestamptz{t} },
		ListFunc: func(l []string) any {
			if l == nil {
				return []string{} // pgx encodes a nil slice as NULL
			}
			return l
		},
		ScanListFunc: func(l *[]string) sql.Scanner { return textArray{l} },
		EachFunc: func(column string) (string, string) {
			return "unnest(" + column + ") AS reach(domain)", `reach.domain COLLATE "C"`
		},
		IsUniqueFunc:       isUnique,
		ScanEntryFunc:      func(r sqlstore.Row, e *audit.Entry) error { return scanEntry(r, e) },
		PurgeFunc:          purgeEntries,
		DropPartitionsFunc: s.dropPartitions,
	})
}

// timestamptz decodes a timestamptz column. pgx returns it in the
// session's zone; every time read is turned to UTC so that both engines
// give back equal values.
type timestamptz struct{ t *time.Time }

func (d timestamptz) Scan(src any) error {
	v, ok := src.(time.Time)
	if !ok {
		return fmt.Errorf("cannot decode %T as a timestamptz", src)
	}
	*d.t = v.UTC()
	return nil
}

// textArray decodes a text[] column. Through database/sql (before Go
// 1.27) pgx hands an array over as its text form, which pgtype parses. A
// Map caches scan plans and is not safe for concurrent use, hence one per
// value; accounts are read rarely enough for that not to matter.
type textArray struct{ l *[]string }

func (a textArray) Scan(src any) error {
	text, ok := src.(string)
	if !ok {
		return fmt.Errorf("cannot decode %T as a text array", src)
	}
	var l []string
	if err := pgtype.NewMap().Scan(pgtype.TextArrayOID, pgtype.TextFormatCode, []byte(text), &l); err != nil {
		return fmt.Errorf("error decoding a text array: %w", err)
	}
	if l == nil {
		l = []string{}
	}
	*a.l = l
	return nil
}

// isUnique reports whether err is a unique_violation.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// Store must stay a store.Store with sqlstore's methods promoted.
var _ store.Store = (*Store)(nil)
