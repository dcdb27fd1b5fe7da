package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/logbookhq/logbook/internal/store/internal/migrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationHooks complete migrations with work SQL cannot do, in the
// migration's transaction.
var migrationHooks = map[int]func(context.Context, pgx.Tx) error{8: backfillWords}

// migrate applies the embedded migrations not yet applied (package
// migrate), on one connection that holds an advisory lock (per schema)
// for the whole run, so that replicas starting together do not race.
func (s *Store) migrate(ctx context.Context, schema string) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("error acquiring connection: %w", err)
	}
	defer conn.Release()
	return migrate.Run(ctx, migrate.Engine[pgx.Tx]{
		Files:       migrations,
		Shared:      migrate.Shared,
		Legacy:      migrate.PostgreSQLLegacy,
		Hooks:       migrationHooks,
		CreateTable: `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
		Now:         `now()`,
		Placeholder: dialect.Placeholder,
		LockFunc: func(ctx context.Context) (func(), error) {
			if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtext('logbook_migrate:' || $1::text))`, schema); err != nil {
				return nil, err
			}
			return func() {
				conn.Exec(context.Background(), `SELECT pg_advisory_unlock(hashtext('logbook_migrate:' || $1::text))`, schema)
			}, nil
		},
		BeginFunc: conn.Begin,
		TxFunc:    func(tx pgx.Tx) migrate.Tx { return migrationTx{tx} },
	})
}

// migrationTx is a migration's transaction (migrate.Tx).
type migrationTx struct{ tx pgx.Tx }

// Exec runs a statement with arguments, or a file of several statements
// without, through the simple protocol.
func (t migrationTx) Exec(ctx context.Context, query string, args ...any) error {
	if len(args) == 0 {
		_, err := t.tx.Conn().PgConn().Exec(ctx, query).ReadAll()
		return err
	}
	_, err := t.tx.Exec(ctx, query, args...)
	return err
}

func (t migrationTx) Ints(ctx context.Context, query string) ([]int, error) {
	rows, err := t.tx.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int])
}

func (t migrationTx) Commit(ctx context.Context) error { return t.tx.Commit(ctx) }

func (t migrationTx) Rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }
