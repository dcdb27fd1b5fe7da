package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/logbookhq/logbook/internal/store"
)

// In the accounts tables a NULL time means "never" and stands for the zero
// time.Time. pgx returns timestamptz in the local zone; every time read is
// turned to UTC so that both engines give back equal values.

// nullTime encodes a time, the zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Truncate(time.Microsecond)
}

// fromNull decodes a nullable time column.
func fromNull(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// list makes sure a list is stored as an empty array rather than NULL
// (pgx encodes a nil slice as NULL, which the NOT NULL columns refuse).
func list(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// isUnique reports whether err is a unique_violation.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// stamp is the time a write records when the caller gave none.
func (s *Store) stamp(t time.Time) time.Time {
	if t.IsZero() {
		t = s.now()
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

const userColumns = `name, password_hash, roles, domains, locked, failed_logins, created_at, updated_at, last_login_at`

func scanUser(row pgx.Row) (store.User, error) {
	var u store.User
	var lastLogin *time.Time
	if err := row.Scan(&u.Name, &u.PasswordHash, &u.Roles, &u.Domains, &u.Locked, &u.FailedLogins,
		&u.CreatedAt, &u.UpdatedAt, &lastLogin); err != nil {
		return store.User{}, err
	}
	u.Roles, u.Domains = list(u.Roles), list(u.Domains)
	u.CreatedAt, u.UpdatedAt, u.LastLoginAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC(), fromNull(lastLogin)
	return u, nil
}

// CreateUser implements store.Accounts. A zero CreatedAt is taken as now,
// a zero UpdatedAt as CreatedAt.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	u.CreatedAt = s.stamp(u.CreatedAt)
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = u.CreatedAt
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		u.Name, u.PasswordHash, list(u.Roles), list(u.Domains), u.Locked, u.FailedLogins,
		u.CreatedAt, truncate(u.UpdatedAt), nullTime(u.LastLoginAt))
	if isUnique(err) {
		return fmt.Errorf("error creating user %q: %w", u.Name, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("error creating user %q: %w", u.Name, err)
	}
	return nil
}

// GetUser implements store.Accounts.
func (s *Store) GetUser(ctx context.Context, name string) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.User{}, fmt.Errorf("error reading user %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("error reading user %q: %w", name, err)
	}
	return u, nil
}

// ListUsers implements store.Accounts.
func (s *Store) ListUsers(ctx context.Context, within store.Scope) ([]store.User, error) {
	cond, args := dialect.WithinSQL("unnest(users.domains) AS reach(domain)", `reach.domain COLLATE "C"`, within)
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users`+store.WhereSQL(cond)+` ORDER BY name`, args...)
	if err != nil {
		return nil, fmt.Errorf("error listing users: %w", err)
	}
	defer rows.Close()
	users := []store.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("error listing users: %w", err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("error listing users: %w", err)
	}
	return users, nil
}

// UpdateUser implements store.Accounts. The row is locked with SELECT …
// FOR UPDATE while fn runs, so concurrent updates, from this replica or
// another, queue instead of overwriting each other. fn must be quick and
// must not use the store. fn may change every field but the name and
// CreatedAt; UpdatedAt is set to now.
func (s *Store) UpdateUser(ctx context.Context, name string, fn func(*store.User) error) (store.User, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return store.User{}, fmt.Errorf("error updating user %q: %w", name, err)
	}
	defer tx.Rollback(context.Background())
	u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE name = $1 FOR UPDATE`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.User{}, fmt.Errorf("error updating user %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("error updating user %q: %w", name, err)
	}
	created := u.CreatedAt
	if err := fn(&u); err != nil {
		return store.User{}, err
	}
	if u.Name != name {
		return store.User{}, fmt.Errorf("error updating user %q: renaming (to %q) is not supported", name, u.Name)
	}
	u.CreatedAt = created
	u.UpdatedAt = s.stamp(time.Time{})
	u.LastLoginAt = truncate(u.LastLoginAt)
	u.Roles, u.Domains = list(u.Roles), list(u.Domains)
	if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $1, roles = $2, domains = $3, locked = $4,
		failed_logins = $5, updated_at = $6, last_login_at = $7 WHERE name = $8`,
		u.PasswordHash, u.Roles, u.Domains, u.Locked, u.FailedLogins, u.UpdatedAt, nullTime(u.LastLoginAt), name); err != nil {
		return store.User{}, fmt.Errorf("error updating user %q: %w", name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return store.User{}, fmt.Errorf("error updating user %q: %w", name, err)
	}
	return u, nil
}

// CreateDomain implements store.Accounts. One INSERT … WHERE EXISTS checks
// the parent and inserts; there is no way to delete a domain, so a parent
// once seen stays.
func (s *Store) CreateDomain(ctx context.Context, d store.Domain) error {
	i := strings.LastIndex(d.Name, "/")
	if i < 0 {
		if d.Name == "Global" {
			return fmt.Errorf("error creating domain %q: %w", d.Name, store.ErrConflict)
		}
		return fmt.Errorf("error creating domain %q: no parent: %w", d.Name, store.ErrNotFound)
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO domains (name, parent_read, created_at)
		SELECT $1::text, $2::boolean, $3::timestamptz WHERE EXISTS (SELECT 1 FROM domains WHERE name = $4)`,
		d.Name, d.ParentRead, s.stamp(d.CreatedAt), d.Name[:i])
	if isUnique(err) {
		return fmt.Errorf("error creating domain %q: %w", d.Name, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("error creating domain %q: %w", d.Name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("error creating domain %q: parent %q: %w", d.Name, d.Name[:i], store.ErrNotFound)
	}
	return nil
}

// ListDomains implements store.Accounts.
func (s *Store) ListDomains(ctx context.Context, within store.Scope) ([]store.Domain, error) {
	cond, args := dialect.DomainWithinSQL("name", within)
	rows, err := s.pool.Query(ctx, `SELECT name, parent_read, created_at FROM domains`+store.WhereSQL(cond)+` ORDER BY name`, args...)
	if err != nil {
		return nil, fmt.Errorf("error listing domains: %w", err)
	}
	defer rows.Close()
	domains := []store.Domain{}
	for rows.Next() {
		var d store.Domain
		if err := rows.Scan(&d.Name, &d.ParentRead, &d.CreatedAt); err != nil {
			return nil, fmt.Errorf("error listing domains: %w", err)
		}
		d.CreatedAt = d.CreatedAt.UTC()
		domains = append(domains, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("error listing domains: %w", err)
	}
	return domains, nil
}

const tokenColumns = `id, name, hash, scopes, domains, created_by, created_at, last_used_at, revoked_at`

func scanToken(row pgx.Row) (store.Token, error) {
	var t store.Token
	var used, revoked *time.Time
	if err := row.Scan(&t.ID, &t.Name, &t.Hash, &t.Scopes, &t.Domains, &t.CreatedBy, &t.CreatedAt, &used, &revoked); err != nil {
		return store.Token{}, err
	}
	t.Scopes, t.Domains = list(t.Scopes), list(t.Domains)
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = t.CreatedAt.UTC(), fromNull(used), fromNull(revoked)
	return t, nil
}

// CreateToken implements store.Accounts. t.ID is ignored; a zero
// CreatedAt is taken as now. A refused token still uses up an id, so ids
// increase but may skip.
func (s *Store) CreateToken(ctx context.Context, t store.Token) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO tokens (name, hash, scopes, domains, created_by, created_at, last_used_at, revoked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		t.Name, t.Hash, list(t.Scopes), list(t.Domains), t.CreatedBy,
		s.stamp(t.CreatedAt), nullTime(t.LastUsedAt), nullTime(t.RevokedAt)).Scan(&id)
	if isUnique(err) {
		return 0, fmt.Errorf("error creating token %q: %w", t.Name, store.ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("error creating token %q: %w", t.Name, err)
	}
	return id, nil
}

// ListTokens implements store.Accounts.
func (s *Store) ListTokens(ctx context.Context, within store.Scope) ([]store.Token, error) {
	cond, args := dialect.WithinSQL("unnest(tokens.domains) AS reach(domain)", `reach.domain COLLATE "C"`, within)
	rows, err := s.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens`+store.WhereSQL(cond)+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("error listing tokens: %w", err)
	}
	defer rows.Close()
	tokens := []store.Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("error listing tokens: %w", err)
		}
		tokens = append(tokens, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("error listing tokens: %w", err)
	}
	return tokens, nil
}

// TokenByHash implements store.Accounts.
func (s *Store) TokenByHash(ctx context.Context, hash string) (store.Token, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = $1`, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Token{}, fmt.Errorf("error reading token: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Token{}, fmt.Errorf("error reading token: %w", err)
	}
	return t, nil
}

// TouchToken implements store.Accounts. LastUsedAt only moves forward
// (GREATEST ignores NULL), so concurrent requests finishing out of order
// keep the latest use; ErrNotFound if there is no such token.
func (s *Store) TouchToken(ctx context.Context, id int64, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE tokens SET last_used_at = GREATEST(last_used_at, $1) WHERE id = $2`, nullTime(at), id)
	return affected(tag, err, fmt.Sprintf("error touching token %d", id))
}

// RevokeToken implements store.Accounts. Revoking a revoked token keeps
// the first revocation time.
func (s *Store) RevokeToken(ctx context.Context, id int64, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2`, s.stamp(at), id)
	return affected(tag, err, fmt.Sprintf("error revoking token %d", id))
}

// affected turns the result of an UPDATE of one row into ErrNotFound when
// it matched none.
func affected(tag pgconn.CommandTag, err error, op string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s: %w", op, store.ErrNotFound)
	}
	return nil
}

// CreateSession implements store.Accounts; ErrConflict if the id hash is
// taken. A zero CreatedAt is taken as now, a zero LastSeenAt as CreatedAt.
func (s *Store) CreateSession(ctx context.Context, sess store.Session) error {
	sess.CreatedAt = s.stamp(sess.CreatedAt)
	if sess.LastSeenAt.IsZero() {
		sess.LastSeenAt = sess.CreatedAt
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions (id_hash, user_name, created_at, last_seen_at) VALUES ($1, $2, $3, $4)`,
		sess.IDHash, sess.UserName, sess.CreatedAt, truncate(sess.LastSeenAt))
	if isUnique(err) {
		return fmt.Errorf("error creating session for %q: %w", sess.UserName, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("error creating session for %q: %w", sess.UserName, err)
	}
	return nil
}

// GetSession implements store.Accounts.
func (s *Store) GetSession(ctx context.Context, idHash string) (store.Session, error) {
	var sess store.Session
	err := s.pool.QueryRow(ctx, `SELECT id_hash, user_name, created_at, last_seen_at FROM sessions WHERE id_hash = $1`, idHash).
		Scan(&sess.IDHash, &sess.UserName, &sess.CreatedAt, &sess.LastSeenAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Session{}, fmt.Errorf("error reading session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("error reading session: %w", err)
	}
	sess.CreatedAt, sess.LastSeenAt = sess.CreatedAt.UTC(), sess.LastSeenAt.UTC()
	return sess, nil
}

// TouchSession implements store.Accounts. LastSeenAt only moves forward;
// ErrNotFound if the session has ended.
func (s *Store) TouchSession(ctx context.Context, idHash string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE sessions SET last_seen_at = GREATEST(last_seen_at, $1) WHERE id_hash = $2`, nullTime(at), idHash)
	return affected(tag, err, "error touching session")
}

// DeleteSession implements store.Accounts.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE id_hash = $1`, idHash); err != nil {
		return fmt.Errorf("error deleting session: %w", err)
	}
	return nil
}

// DeleteUserSessions implements store.Accounts.
func (s *Store) DeleteUserSessions(ctx context.Context, userName string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE user_name = $1`, userName); err != nil {
		return fmt.Errorf("error deleting sessions of %q: %w", userName, err)
	}
	return nil
}

// DeleteStaleSessions implements store.Accounts. A zero bound is NULL and
// ends no session by that rule. Each session is returned by exactly one
// caller, however many replicas clean up at once.
func (s *Store) DeleteStaleSessions(ctx context.Context, idleBefore, createdBefore time.Time) ([]store.Session, error) {
	rows, err := s.pool.Query(ctx, `DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2
		RETURNING id_hash, user_name, created_at, last_seen_at`, nullTime(idleBefore), nullTime(createdBefore))
	if err != nil {
		return nil, fmt.Errorf("error deleting stale sessions: %w", err)
	}
	ended, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Session, error) {
		var sess store.Session
		err := r.Scan(&sess.IDHash, &sess.UserName, &sess.CreatedAt, &sess.LastSeenAt)
		sess.CreatedAt, sess.LastSeenAt = sess.CreatedAt.UTC(), sess.LastSeenAt.UTC()
		return sess, err
	})
	if err != nil {
		return nil, fmt.Errorf("error deleting stale sessions: %w", err)
	}
	return ended, nil
}

// SaveSearch implements store.Accounts.
func (s *Store) SaveSearch(ctx context.Context, ss store.SavedSearch) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO saved_searches (owner, name, query, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (owner, name) DO UPDATE SET query = excluded.query, created_at = excluded.created_at`,
		ss.Owner, ss.Name, ss.Query, ss.CreatedAt)
	if err != nil {
		return fmt.Errorf("error saving search: %w", err)
	}
	return nil
}

// SavedSearches implements store.Accounts.
func (s *Store) SavedSearches(ctx context.Context, owner string) ([]store.SavedSearch, error) {
	rows, err := s.pool.Query(ctx, `SELECT owner, name, query, created_at FROM saved_searches WHERE owner = $1 ORDER BY name`, owner)
	if err != nil {
		return nil, fmt.Errorf("error listing saved searches: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.SavedSearch, error) {
		var ss store.SavedSearch
		err := r.Scan(&ss.Owner, &ss.Name, &ss.Query, &ss.CreatedAt)
		ss.CreatedAt = ss.CreatedAt.UTC()
		return ss, err
	})
	if out == nil {
		out = []store.SavedSearch{}
	}
	return out, err
}

// DeleteSearch implements store.Accounts.
func (s *Store) DeleteSearch(ctx context.Context, owner, name string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM saved_searches WHERE owner = $1 AND name = $2`, owner, name)
	if err != nil {
		return fmt.Errorf("error deleting saved search: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("no saved search %q: %w", name, store.ErrNotFound)
	}
	return nil
}
