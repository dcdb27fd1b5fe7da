package sqlite

import (
	"context"
	"database/sql"
	"embed"

	"github.com/logbookhq/logbook/internal/store/internal/migrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationHooks complete migrations with work SQL cannot do, in the
// migration's transaction.
var migrationHooks = map[int]func(context.Context, *sql.Tx) error{8: backfillWords, 12: backfillStats}

// migrateDB applies the embedded migrations that the database has not
// seen, each in its own transaction (package migrate). SQLite needs no
// migration lock: only this process opens the file, and db is its one
// write connection, whose transactions begin IMMEDIATE.
func migrateDB(ctx context.Context, db *sql.DB) error {
	return migrate.Run(ctx, migrate.Engine[*sql.Tx]{
		Files:       migrations,
		Shared:      migrate.Shared,
		Legacy:      migrate.SQLiteLegacy,
		Hooks:       migrationHooks,
		CreateTable: `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
		Now:         `unixepoch()`,
		Placeholder: dialect.Placeholder,
		LockFunc:    func(context.Context) (func(), error) { return func() {}, nil },
		BeginFunc:   func(ctx context.Context) (*sql.Tx, error) { return db.BeginTx(ctx, nil) },
		TxFunc:      func(tx *sql.Tx) migrate.Tx { return migrationTx{tx} },
	})
}

// migrationTx is a migration's transaction (migrate.Tx).
type migrationTx struct{ tx *sql.Tx }

func (t migrationTx) Exec(ctx context.Context, query string, args ...any) error {
	_, err := t.tx.ExecContext(ctx, query, args...)
	return err
}

func (t migrationTx) Ints(ctx context.Context, query string) ([]int, error) {
	rows, err := t.tx.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (t migrationTx) Commit(context.Context) error { return t.tx.Commit() }

func (t migrationTx) Rollback(context.Context) error { return t.tx.Rollback() }
