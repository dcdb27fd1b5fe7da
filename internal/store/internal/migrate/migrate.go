// Package migrate is the schema migration runner of both storage engines.
//
// Each engine embeds its steps as NNN_name.up.sql files, and version N is
// the same step in every engine (see docs/architecture.md, "Migrations"):
// where a step means nothing to an engine, its file for N is a comment
// that says why. The runner records each applied version in the table
// schema_migrations and applies the missing ones in order, each in a
// transaction of its own together with the engine's Go hook for that
// version, if any, under the engine's migration lock.
//
// Statements that read the same in both dialects (most indexes) are
// written once, in this package's shared/NNN_name.up.sql: the runner
// runs such a file right after the engine's file of the same name, in
// the same transaction.
//
// The engines numbered their steps apart before the numbering was shared
// (legacy.go); the first run of this runner on such a database translates
// its versions once, in a transaction, and marks the table with the row
// of version 0 (SharedMarker).
package migrate

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// Tx is the transaction one step runs in, as the runner uses it.
type Tx interface {
	// Exec runs query with args bound to the engine's placeholders; a
	// query without args may hold several statements (a step's file).
	Exec(ctx context.Context, query string, args ...any) error
	// Ints runs a query whose rows are one integer each.
	Ints(ctx context.Context, query string) ([]int, error)
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// Engine is a storage engine as the runner sees it: its steps, its
// hooks, how its SQL for schema_migrations differs, and its lock and
// transactions, whose type in the engine's driver is T.
type Engine[T any] struct {
	// Files holds the engine's steps as migrations/NNN_name.up.sql (the
	// engine's embedded files).
	Files fs.FS
	// Shared holds parts of steps written once for every engine, as
	// shared/NNN_name.up.sql (Shared); nil for none.
	Shared fs.FS
	// Legacy maps each version of the engine's numbering before the
	// shared one to the shared version of the same step (SQLiteLegacy,
	// PostgreSQLLegacy).
	Legacy map[int]int
	// Hooks complete a step with work SQL cannot do, in the step's
	// transaction after its file, keyed by version.
	Hooks map[int]func(context.Context, T) error
	// CreateTable creates schema_migrations (version, applied_at) if it
	// does not exist yet.
	CreateTable string
	// Now is the SQL expression of applied_at for a row written now.
	Now string
	// Placeholder is the engine's n-th bind parameter, from 1.
	Placeholder func(n int) string
	// LockFunc keeps other processes from migrating the same database
	// until unlock is called. An engine with a single writer process may
	// return a no-op.
	LockFunc func(ctx context.Context) (unlock func(), err error)
	// BeginFunc starts a transaction, which TxFunc makes a Tx.
	BeginFunc func(ctx context.Context) (T, error)
	TxFunc    func(T) Tx
}

// Shared holds the parts of steps that both engines run as they are, as
// shared/NNN_name.up.sql; an engine passes it as Engine.Shared.
//
//go:embed shared/*.up.sql
var Shared embed.FS

// SharedMarker is the version of the row in schema_migrations that says
// the other rows follow the shared numbering. No step has version 0.
const SharedMarker = 0

// step is one NNN_name.up.sql file.
type step struct {
	version int
	name    string
	body    string
}

// Run brings the schema up to date: it translates a legacy numbering
// once, then applies each step not yet recorded, in order.
func Run[T any](ctx context.Context, e Engine[T]) error {
	steps, err := readSteps(e.Files, e.Shared)
	if err != nil {
		return err
	}
	unlock, err := e.LockFunc(ctx)
	if err != nil {
		return fmt.Errorf("error taking migration lock: %w", err)
	}
	defer unlock()
	applied, err := start(ctx, e)
	if err != nil {
		return err
	}
	for _, s := range steps {
		if slices.Contains(applied, s.version) {
			continue
		}
		if err := apply(ctx, e, s); err != nil {
			return fmt.Errorf("error applying migration %s: %w", s.name, err)
		}
	}
	return nil
}

// readSteps lists the steps of files in version order, each with its
// part in sharedFiles.
func readSteps(files, sharedFiles fs.FS) ([]step, error) {
	entries, err := fs.ReadDir(files, "migrations")
	if err != nil {
		return nil, fmt.Errorf("error reading migrations: %w", err)
	}
	var steps []step
	for _, f := range entries {
		name := f.Name()
		num, _, ok := strings.Cut(name, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil || version <= SharedMarker || !strings.HasSuffix(name, ".up.sql") {
			return nil, fmt.Errorf("bad migration file name %q", name)
		}
		if n := len(steps); n > 0 && steps[n-1].version == version {
			return nil, fmt.Errorf("two migrations numbered %d: %s and %s", version, steps[n-1].name, name)
		}
		body, err := fs.ReadFile(files, "migrations/"+name)
		if err != nil {
			return nil, fmt.Errorf("error reading migration %s: %w", name, err)
		}
		steps = append(steps, step{version, name, string(body)})
	}
	// fs.ReadDir sorts by name, and names start with the zero-padded version.
	if sharedFiles == nil {
		return steps, nil
	}
	return withShared(steps, sharedFiles)
}

// withShared appends to each step the shared part of the same name, and
// refuses a shared part that no step of the engine has.
func withShared(steps []step, files fs.FS) ([]step, error) {
	parts, err := fs.ReadDir(files, "shared")
	if err != nil {
		return nil, fmt.Errorf("error reading shared migrations: %w", err)
	}
	for _, f := range parts {
		i := slices.IndexFunc(steps, func(s step) bool { return s.name == f.Name() })
		if i < 0 {
			return nil, fmt.Errorf("shared migration %s has no engine migration of that name", f.Name())
		}
		body, err := fs.ReadFile(files, "shared/"+f.Name())
		if err != nil {
			return nil, fmt.Errorf("error reading shared migration %s: %w", f.Name(), err)
		}
		steps[i].body += "\n" + string(body)
	}
	return steps, nil
}

// start creates schema_migrations if needed, translates a legacy
// numbering, and returns the versions applied.
func start[T any](ctx context.Context, e Engine[T]) ([]int, error) {
	native, err := e.BeginFunc(ctx)
	if err != nil {
		return nil, fmt.Errorf("error beginning migrations: %w", err)
	}
	tx := e.TxFunc(native)
	defer tx.Rollback(ctx)
	if err := tx.Exec(ctx, e.CreateTable); err != nil {
		return nil, fmt.Errorf("error creating schema_migrations: %w", err)
	}
	versions, err := tx.Ints(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("error reading schema_migrations: %w", err)
	}
	if !slices.Contains(versions, SharedMarker) {
		if versions, err = translate(ctx, e, tx, versions); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("error committing schema_migrations: %w", err)
	}
	return versions, nil
}

// translate rewrites the versions of a database that predates the
// shared numbering (an empty table is a new database) and marks the
// table as shared, in tx. Old versions first become their negatives so
// that no rewrite meets a version not yet rewritten (version is the
// primary key); applied_at stays as it was.
func translate[T any](ctx context.Context, e Engine[T], tx Tx, old []int) ([]int, error) {
	shared := make([]int, 0, len(old)+1)
	for _, v := range old {
		n, ok := e.Legacy[v]
		if !ok {
			return nil, fmt.Errorf("schema_migrations holds version %d, which no release numbered so", v)
		}
		shared = append(shared, n)
	}
	if len(old) > 0 {
		if err := tx.Exec(ctx, `UPDATE schema_migrations SET version = -version`); err != nil {
			return nil, fmt.Errorf("error renumbering schema_migrations: %w", err)
		}
	}
	for i, v := range old {
		if err := tx.Exec(ctx, `UPDATE schema_migrations SET version = `+e.Placeholder(1)+` WHERE version = `+e.Placeholder(2), shared[i], -v); err != nil {
			return nil, fmt.Errorf("error renumbering schema_migrations: %w", err)
		}
	}
	if err := record(ctx, e, tx, SharedMarker); err != nil {
		return nil, err
	}
	return append(shared, SharedMarker), nil
}

// apply runs one step and records it, in one transaction.
func apply[T any](ctx context.Context, e Engine[T], s step) error {
	native, err := e.BeginFunc(ctx)
	if err != nil {
		return err
	}
	tx := e.TxFunc(native)
	defer tx.Rollback(ctx)
	if err := tx.Exec(ctx, s.body); err != nil {
		return err
	}
	if hook := e.Hooks[s.version]; hook != nil {
		if err := hook(ctx, native); err != nil {
			return err
		}
	}
	if err := record(ctx, e, tx, s.version); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func record[T any](ctx context.Context, e Engine[T], tx Tx, version int) error {
	if err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (`+e.Placeholder(1)+`, `+e.Now+`)`, version); err != nil {
		return fmt.Errorf("error recording migration %d: %w", version, err)
	}
	return nil
}
