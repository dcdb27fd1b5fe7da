package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/internal/sqlstore"
)

// The plain rows beside the audit log (accounts, jobs, forwarding
// criteria, purge anchors and bridges, settings) are kept by sqlstore, one
// implementation for both engines; openSQLStore is what SQLite tells it
// about itself. Times are microseconds since the Unix epoch, 0 standing
// for "never" where a column may say so; lists are JSON arrays.

// sqlStore is the shared implementation Store embeds.
type sqlStore = sqlstore.Store

// openSQLStore describes this engine to sqlstore. Every transaction runs
// on the single write connection, whose BEGIN IMMEDIATE excludes every
// other writer (the ingest writer among them) until it ends, so a row read
// for update needs no lock of its own.
func (s *Store) openSQLStore() *sqlstore.Store {
	return sqlstore.New(sqlstore.Engine{
		Read:         s.r,
		Write:        s.w,
		Dialect:      dialect,
		Tables:       tables,
		NowFunc:      s.now,
		Greatest:     "max",
		Never:        int64(0),
		ScanTimeFunc: func(t *time.Time) sql.Scanner { return micros{t} },
		ListFunc:     sqlstore.JSONList,
		ScanListFunc: sqlstore.ScanJSONList,
		EachFunc: func(column string) (string, string) {
			return "json_each(" + column + ") AS reach", "reach.value"
		},
		IsUniqueFunc:  isUnique,
		ScanEntryFunc: func(r sqlstore.Row, e *audit.Entry) error { return scanEntry(r, e) },
		PurgeFunc:     s.purgeEntries,
	})
}

// micros decodes a time column: microseconds since the epoch.
type micros struct{ t *time.Time }

func (m micros) Scan(src any) error {
	v, ok := src.(int64)
	if !ok {
		return fmt.Errorf("cannot decode %T as a time in microseconds", src)
	}
	*m.t = time.UnixMicro(v).UTC()
	return nil
}

// isUnique reports whether err is a violated PRIMARY KEY or UNIQUE
// constraint. The driver turns on extended result codes, so the code names
// the kind of constraint.
func isUnique(err error) bool {
	var se *msqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// Store must stay a store.Store with sqlstore's methods promoted.
var _ store.Store = (*Store)(nil)
