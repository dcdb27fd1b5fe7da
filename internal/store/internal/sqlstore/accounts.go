package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

// The accounts tables: users, domains and API tokens (sessions and saved
// searches are in sessions.go). In the columns that may say "never"
// (last_login_at, last_used_at, revoked_at) Engine.Never stands for the
// zero time.Time; the other time columns are always set and are read
// literally, so the Global domain the migrations seed at the epoch reads
// as the epoch on both engines.

const userColumns = `name, password_hash, roles, domains, locked, failed_logins, created_at, updated_at, last_login_at`

func (s *Store) scanUser(row Row) (store.User, error) {
	var u store.User
	if err := row.Scan(&u.Name, &u.PasswordHash, s.scanList(&u.Roles), s.scanList(&u.Domains), &u.Locked,
		&u.FailedLogins, s.scanTime(&u.CreatedAt), s.scanTime(&u.UpdatedAt), s.scanNever(&u.LastLoginAt)); err != nil {
		return store.User{}, err
	}
	return u, nil
}

// CreateUser implements store.Accounts. A zero CreatedAt is taken as now,
// a zero UpdatedAt as CreatedAt.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	u.CreatedAt = s.stamp(u.CreatedAt)
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = u.CreatedAt
	}
	_, err := s.e.Write.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		u.Name, u.PasswordHash, s.list(u.Roles), s.list(u.Domains), u.Locked, u.FailedLogins,
		s.at(u.CreatedAt), s.at(u.UpdatedAt), s.never(u.LastLoginAt))
	if err != nil {
		return s.conflict(err, fmt.Sprintf("error creating user %q", u.Name))
	}
	return nil
}

// GetUser implements store.Accounts.
func (s *Store) GetUser(ctx context.Context, name string) (store.User, error) {
	u, err := s.scanUser(s.e.Read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE name = $1`, name))
	return one(u, err, fmt.Sprintf("error reading user %q", name))
}

// ListUsers implements store.Accounts.
func (s *Store) ListUsers(ctx context.Context, within store.Scope) ([]store.User, error) {
	from, elem := s.e.EachFunc("users.domains")
	cond, args := s.e.Dialect.WithinSQL(from, elem, within)
	users, err := query(ctx, s.e.Read, s.scanUser, `SELECT `+userColumns+` FROM users`+store.WhereSQL(cond)+` ORDER BY name`, args...)
	if err != nil {
		return nil, fmt.Errorf("error listing users: %w", err)
	}
	return users, nil
}

// UpdateUser implements store.Accounts. The read, fn and the write run in
// one transaction that holds the row (Engine.ForUpdate), so concurrent
// updates, from this process or another replica, queue instead of
// overwriting each other. On SQLite the transaction holds the write
// connection, which the ingest writer shares: fn must be quick (hash a new
// password before calling) and must not use the store. fn may change
// every field but the name and CreatedAt; UpdatedAt is set to now.
func (s *Store) UpdateUser(ctx context.Context, name string, fn func(*store.User) error) (store.User, error) {
	op := fmt.Sprintf("error updating user %q", name)
	var u store.User
	err := s.inTx(ctx, op, func(tx *sql.Tx) error {
		var err error
		u, err = s.scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE name = $1`+s.e.ForUpdate, name))
		if u, err = one(u, err, op); err != nil {
			return err
		}
		created := u.CreatedAt
		if err := fn(&u); err != nil {
			return err
		}
		if u.Name != name {
			return fmt.Errorf("%s: renaming (to %q) is not supported", op, u.Name)
		}
		u.CreatedAt, u.UpdatedAt, u.LastLoginAt = created, s.stamp(time.Time{}), truncate(u.LastLoginAt)
		if u.Roles == nil {
			u.Roles = []string{}
		}
		if u.Domains == nil {
			u.Domains = []string{}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, roles = $2, domains = $3, locked = $4,
			failed_logins = $5, updated_at = $6, last_login_at = $7 WHERE name = $8`,
			u.PasswordHash, s.list(u.Roles), s.list(u.Domains), u.Locked, u.FailedLogins,
			s.at(u.UpdatedAt), s.never(u.LastLoginAt), name); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		return nil
	})
	if err != nil {
		return store.User{}, err
	}
	return u, nil
}

// CreateDomain implements store.Accounts. One INSERT … SELECT … WHERE
// EXISTS checks the parent and inserts atomically; there is no way to
// delete a domain, so a parent once seen stays. PostgreSQL types the
// parameters of the SELECT from the columns they are inserted into.
func (s *Store) CreateDomain(ctx context.Context, d store.Domain) error {
	op := fmt.Sprintf("error creating domain %q", d.Name)
	i := strings.LastIndex(d.Name, "/")
	if i < 0 {
		if d.Name == "Global" {
			return fmt.Errorf("%s: %w", op, store.ErrConflict)
		}
		return fmt.Errorf("%s: no parent: %w", op, store.ErrNotFound)
	}
	res, err := s.e.Write.ExecContext(ctx, `INSERT INTO domains (name, parent_read, created_at)
		SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM domains WHERE name = $4)`,
		d.Name, d.ParentRead, s.at(s.stamp(d.CreatedAt)), d.Name[:i])
	if err != nil {
		return s.conflict(err, op)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	} else if n == 0 {
		return fmt.Errorf("%s: parent %q: %w", op, d.Name[:i], store.ErrNotFound)
	}
	return nil
}

// ListDomains implements store.Accounts.
func (s *Store) ListDomains(ctx context.Context, within store.Scope) ([]store.Domain, error) {
	cond, args := s.e.Dialect.DomainWithinSQL("name", within)
	domains, err := query(ctx, s.e.Read, func(r Row) (store.Domain, error) {
		var d store.Domain
		err := r.Scan(&d.Name, &d.ParentRead, s.scanTime(&d.CreatedAt))
		return d, err
	}, `SELECT name, parent_read, created_at FROM domains`+store.WhereSQL(cond)+` ORDER BY name`, args...)
	if err != nil {
		return nil, fmt.Errorf("error listing domains: %w", err)
	}
	return domains, nil
}

const tokenColumns = `id, name, hash, scopes, domains, created_by, created_at, last_used_at, revoked_at`

func (s *Store) scanToken(row Row) (store.Token, error) {
	var t store.Token
	if err := row.Scan(&t.ID, &t.Name, &t.Hash, s.scanList(&t.Scopes), s.scanList(&t.Domains), &t.CreatedBy,
		s.scanTime(&t.CreatedAt), s.scanNever(&t.LastUsedAt), s.scanNever(&t.RevokedAt)); err != nil {
		return store.Token{}, err
	}
	return t, nil
}

// CreateToken implements store.Accounts. t.ID is ignored; a zero
// CreatedAt is taken as now. On PostgreSQL a refused token still uses up
// an id, so ids increase but may skip.
func (s *Store) CreateToken(ctx context.Context, t store.Token) (int64, error) {
	var id int64
	err := s.e.Write.QueryRowContext(ctx, `INSERT INTO tokens (name, hash, scopes, domains, created_by, created_at,
		last_used_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		t.Name, t.Hash, s.list(t.Scopes), s.list(t.Domains), t.CreatedBy,
		s.at(s.stamp(t.CreatedAt)), s.never(t.LastUsedAt), s.never(t.RevokedAt)).Scan(&id)
	if err != nil {
		return 0, s.conflict(err, fmt.Sprintf("error creating token %q", t.Name))
	}
	return id, nil
}

// ListTokens implements store.Accounts.
func (s *Store) ListTokens(ctx context.Context, within store.Scope) ([]store.Token, error) {
	from, elem := s.e.EachFunc("tokens.domains")
	cond, args := s.e.Dialect.WithinSQL(from, elem, within)
	tokens, err := query(ctx, s.e.Read, s.scanToken, `SELECT `+tokenColumns+` FROM tokens`+store.WhereSQL(cond)+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("error listing tokens: %w", err)
	}
	return tokens, nil
}

// TokenByHash implements store.Accounts.
func (s *Store) TokenByHash(ctx context.Context, hash string) (store.Token, error) {
	t, err := s.scanToken(s.e.Read.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = $1`, hash))
	return one(t, err, "error reading token")
}

// TouchToken implements store.Accounts. LastUsedAt only moves forward
// (Engine.Greatest), so concurrent requests finishing out of order keep
// the latest use; ErrNotFound if there is no such token.
func (s *Store) TouchToken(ctx context.Context, id int64, at time.Time) error {
	res, err := s.e.Write.ExecContext(ctx, `UPDATE tokens SET last_used_at = `+s.e.Greatest+`(last_used_at, $1) WHERE id = $2`,
		s.never(at), id)
	return affected(res, err, fmt.Sprintf("error touching token %d", id))
}

// RevokeToken implements store.Accounts. Revoking a revoked token keeps
// the first revocation time: revoked_at is written only while it says
// "never" ($3, which IS NOT DISTINCT FROM compares as a value on both
// engines, NULL included).
func (s *Store) RevokeToken(ctx context.Context, id int64, at time.Time) error {
	res, err := s.e.Write.ExecContext(ctx, `UPDATE tokens SET revoked_at = CASE WHEN revoked_at IS NOT DISTINCT FROM $3
		THEN $1 ELSE revoked_at END WHERE id = $2`, s.at(s.stamp(at)), id, s.e.Never)
	return affected(res, err, fmt.Sprintf("error revoking token %d", id))
}
