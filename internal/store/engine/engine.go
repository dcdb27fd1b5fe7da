// Package engine opens the store an operator chose: the one place that
// knows which engines exist. Everything above it sees only store.Store.
package engine

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/postgres"
	"github.com/logbookhq/logbook/internal/store/sqlite"
)

// Check reports whether db names an engine: empty for the embedded SQLite
// database, or a postgres:// URL.
func Check(db string) error {
	if db == "" || postgres.IsURL(db) {
		return nil
	}
	if strings.Contains(db, "://") {
		return errors.New("db: only postgres:// URLs are supported, or nothing for the embedded SQLite database")
	}
	return errors.New("db: must be a postgres:// URL, or empty for the embedded SQLite database in --data")
}

// Options are what both engines take at open.
type Options struct {
	// Origin names the verifiable log; empty keeps the stored name.
	Origin string
	// Log is told the progress of long work at open.
	Log *slog.Logger
}

// Open opens the store db selects: PostgreSQL for a postgres:// URL, else
// the embedded SQLite database in the directory data.
func Open(ctx context.Context, db, data string, opts Options) (store.Store, error) {
	if err := Check(db); err != nil {
		return nil, err
	}
	if postgres.IsURL(db) {
		return postgres.Open(ctx, db, postgres.Options{Origin: opts.Origin, Log: opts.Log})
	}
	return sqlite.Open(ctx, data, sqlite.Options{Origin: opts.Origin, Log: opts.Log})
}

// OpenFresh opens an empty store of the engine db selects, for a
// benchmark: a new directory under tmp for SQLite, a new schema for
// PostgreSQL. cleanup closes it and removes what it made.
func OpenFresh(ctx context.Context, db, tmp, name string) (store.Store, func(), error) {
	if err := Check(db); err != nil {
		return nil, nil, err
	}
	if !postgres.IsURL(db) {
		dir := filepath.Join(tmp, name)
		st, err := sqlite.Open(ctx, dir, sqlite.Options{})
		if err != nil {
			return nil, nil, err
		}
		return st, func() { st.Close(); os.RemoveAll(dir) }, nil
	}
	url, drop, err := postgres.NewSchema(ctx, db, "logbook_bench_"+name)
	if err != nil {
		return nil, nil, err
	}
	st, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		drop()
		return nil, nil, err
	}
	return st, func() { st.Close(); drop() }, nil
}
