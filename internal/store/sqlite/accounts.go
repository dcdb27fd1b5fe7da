package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/logbookhq/logbook/internal/store"
)

// The accounts tables keep times as microseconds since the Unix epoch. In
// the columns that may say "never" (last_login_at, last_used_at,
// revoked_at) 0 stands for the zero time.Time; the other time columns are
// always set and are read literally, so the Global domain that migration
// 003 seeds with created_at 0 reads as the epoch, as it does on PostgreSQL.

// micro encodes a time, the zero time as 0.
func micro(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// fromMicro decodes a time column that is always set.
func fromMicro(v int64) time.Time { return time.UnixMicro(v).UTC() }

// fromMicroOrZero decodes a time column in which 0 means "never".
func fromMicroOrZero(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return fromMicro(v)
}

// encodeList encodes a list column; nil is stored as an empty array.
func encodeList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l)
	return string(b)
}

// decodeList decodes a list column, never to nil, so that callers can
// compare and range over the lists they read without a nil check.
func decodeList(s string) ([]string, error) {
	var l []string
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, err
	}
	if l == nil {
		l = []string{}
	}
	return l, nil
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

// stamp is the time a write records when the caller gave none.
func (s *Store) stamp(t time.Time) time.Time {
	if t.IsZero() {
		t = s.now()
	}
	return t.UTC().Truncate(time.Microsecond)
}

const userColumns = `name, password_hash, roles, domains, locked, failed_logins, created_at, updated_at, last_login_at`

func scanUser(row scanner) (store.User, error) {
	var u store.User
	var roles, domains string
	var created, updated, lastLogin int64
	if err := row.Scan(&u.Name, &u.PasswordHash, &roles, &domains, &u.Locked, &u.FailedLogins,
		&created, &updated, &lastLogin); err != nil {
		return store.User{}, err
	}
	var err error
	if u.Roles, err = decodeList(roles); err != nil {
		return store.User{}, fmt.Errorf("error decoding roles of user %q: %w", u.Name, err)
	}
	if u.Domains, err = decodeList(domains); err != nil {
		return store.User{}, fmt.Errorf("error decoding domains of user %q: %w", u.Name, err)
	}
	u.CreatedAt, u.UpdatedAt, u.LastLoginAt = fromMicro(created), fromMicro(updated), fromMicroOrZero(lastLogin)
	return u, nil
}

// CreateUser implements store.Accounts. A zero CreatedAt is taken as now,
// a zero UpdatedAt as CreatedAt.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	u.CreatedAt = s.stamp(u.CreatedAt)
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = u.CreatedAt
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.Name, u.PasswordHash, encodeList(u.Roles), encodeList(u.Domains), u.Locked, u.FailedLogins,
		micro(u.CreatedAt), micro(u.UpdatedAt), micro(u.LastLoginAt))
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
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, fmt.Errorf("error reading user %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("error reading user %q: %w", name, err)
	}
	return u, nil
}

// ListUsers implements store.Accounts.
func (s *Store) ListUsers(ctx context.Context, within store.Scope) ([]store.User, error) {
	cond, args := dialect.WithinSQL("json_each(users.domains) AS reach", "reach.value", within)
	rows, err := s.r.QueryContext(ctx, `SELECT `+userColumns+` FROM users`+store.WhereSQL(cond)+` ORDER BY name`, args...)
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

// UpdateUser implements store.Accounts. The read, fn and the write run in
// one BEGIN IMMEDIATE transaction on the write connection, which the
// ingest writer shares: fn must be quick (hash a new password before
// calling) and must not use the store. fn may change every field but the
// name and CreatedAt; UpdatedAt is set to now.
func (s *Store) UpdateUser(ctx context.Context, name string, fn func(*store.User) error) (store.User, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return store.User{}, fmt.Errorf("error updating user %q: %w", name, err)
	}
	defer tx.Rollback()
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
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
	if u.Roles == nil {
		u.Roles = []string{}
	}
	if u.Domains == nil {
		u.Domains = []string{}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, roles = ?, domains = ?, locked = ?,
		failed_logins = ?, updated_at = ?, last_login_at = ? WHERE name = ?`,
		u.PasswordHash, encodeList(u.Roles), encodeList(u.Domains), u.Locked, u.FailedLogins,
		micro(u.UpdatedAt), micro(u.LastLoginAt), name); err != nil {
		return store.User{}, fmt.Errorf("error updating user %q: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return store.User{}, fmt.Errorf("error updating user %q: %w", name, err)
	}
	return u, nil
}

// truncate returns t as the store gives it back: UTC, whole microseconds.
func truncate(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// CreateDomain implements store.Accounts. One INSERT … WHERE EXISTS checks
// the parent and inserts atomically; there is no way to delete a domain,
// so a parent once seen stays.
func (s *Store) CreateDomain(ctx context.Context, d store.Domain) error {
	i := strings.LastIndex(d.Name, "/")
	if i < 0 {
		if d.Name == "Global" {
			return fmt.Errorf("error creating domain %q: %w", d.Name, store.ErrConflict)
		}
		return fmt.Errorf("error creating domain %q: no parent: %w", d.Name, store.ErrNotFound)
	}
	res, err := s.w.ExecContext(ctx, `INSERT INTO domains (name, parent_read, created_at)
		SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM domains WHERE name = ?)`,
		d.Name, d.ParentRead, micro(s.stamp(d.CreatedAt)), d.Name[:i])
	if isUnique(err) {
		return fmt.Errorf("error creating domain %q: %w", d.Name, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("error creating domain %q: %w", d.Name, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("error creating domain %q: %w", d.Name, err)
	} else if n == 0 {
		return fmt.Errorf("error creating domain %q: parent %q: %w", d.Name, d.Name[:i], store.ErrNotFound)
	}
	return nil
}

// ListDomains implements store.Accounts.
func (s *Store) ListDomains(ctx context.Context, within store.Scope) ([]store.Domain, error) {
	cond, args := dialect.DomainWithinSQL("name", within)
	rows, err := s.r.QueryContext(ctx, `SELECT name, parent_read, created_at FROM domains`+store.WhereSQL(cond)+` ORDER BY name`, args...)
	if err != nil {
		return nil, fmt.Errorf("error listing domains: %w", err)
	}
	defer rows.Close()
	domains := []store.Domain{}
	for rows.Next() {
		var d store.Domain
		var created int64
		if err := rows.Scan(&d.Name, &d.ParentRead, &created); err != nil {
			return nil, fmt.Errorf("error listing domains: %w", err)
		}
		d.CreatedAt = fromMicro(created)
		domains = append(domains, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("error listing domains: %w", err)
	}
	return domains, nil
}

const tokenColumns = `id, name, hash, scopes, domains, created_by, created_at, last_used_at, revoked_at`

func scanToken(row scanner) (store.Token, error) {
	var t store.Token
	var scopes, domains string
	var created, used, revoked int64
	if err := row.Scan(&t.ID, &t.Name, &t.Hash, &scopes, &domains, &t.CreatedBy, &created, &used, &revoked); err != nil {
		return store.Token{}, err
	}
	var err error
	if t.Scopes, err = decodeList(scopes); err != nil {
		return store.Token{}, fmt.Errorf("error decoding scopes of token %d: %w", t.ID, err)
	}
	if t.Domains, err = decodeList(domains); err != nil {
		return store.Token{}, fmt.Errorf("error decoding domains of token %d: %w", t.ID, err)
	}
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = fromMicro(created), fromMicroOrZero(used), fromMicroOrZero(revoked)
	return t, nil
}

// CreateToken implements store.Accounts. t.ID is ignored; a zero
// CreatedAt is taken as now.
func (s *Store) CreateToken(ctx context.Context, t store.Token) (int64, error) {
	var id int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO tokens (name, hash, scopes, domains, created_by, created_at, last_used_at, revoked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		t.Name, t.Hash, encodeList(t.Scopes), encodeList(t.Domains), t.CreatedBy,
		micro(s.stamp(t.CreatedAt)), micro(t.LastUsedAt), micro(t.RevokedAt)).Scan(&id)
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
	cond, args := dialect.WithinSQL("json_each(tokens.domains) AS reach", "reach.value", within)
	rows, err := s.r.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens`+store.WhereSQL(cond)+` ORDER BY id`, args...)
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
	t, err := scanToken(s.r.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Token{}, fmt.Errorf("error reading token: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Token{}, fmt.Errorf("error reading token: %w", err)
	}
	return t, nil
}

// TouchToken implements store.Accounts. LastUsedAt only moves forward, so
// concurrent requests finishing out of order keep the latest use;
// ErrNotFound if there is no such token.
func (s *Store) TouchToken(ctx context.Context, id int64, at time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE tokens SET last_used_at = max(last_used_at, ?) WHERE id = ?`, micro(at), id)
	return affected(res, err, fmt.Sprintf("error touching token %d", id))
}

// RevokeToken implements store.Accounts. Revoking a revoked token keeps
// the first revocation time.
func (s *Store) RevokeToken(ctx context.Context, id int64, at time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE tokens SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END WHERE id = ?`,
		micro(s.stamp(at)), id)
	return affected(res, err, fmt.Sprintf("error revoking token %d", id))
}

// affected turns the result of an UPDATE of one row into ErrNotFound when
// it matched none.
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

// CreateSession implements store.Accounts; ErrConflict if the id hash is
// taken. A zero CreatedAt is taken as now, a zero LastSeenAt as CreatedAt.
func (s *Store) CreateSession(ctx context.Context, sess store.Session) error {
	sess.CreatedAt = s.stamp(sess.CreatedAt)
	if sess.LastSeenAt.IsZero() {
		sess.LastSeenAt = sess.CreatedAt
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_name, created_at, last_seen_at) VALUES (?, ?, ?, ?)`,
		sess.IDHash, sess.UserName, micro(sess.CreatedAt), micro(sess.LastSeenAt))
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
	var created, seen int64
	err := s.r.QueryRowContext(ctx, `SELECT id_hash, user_name, created_at, last_seen_at FROM sessions WHERE id_hash = ?`, idHash).
		Scan(&sess.IDHash, &sess.UserName, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, fmt.Errorf("error reading session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("error reading session: %w", err)
	}
	sess.CreatedAt, sess.LastSeenAt = fromMicro(created), fromMicro(seen)
	return sess, nil
}

// TouchSession implements store.Accounts. LastSeenAt only moves forward;
// ErrNotFound if the session has ended.
func (s *Store) TouchSession(ctx context.Context, idHash string, at time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE sessions SET last_seen_at = max(last_seen_at, ?) WHERE id_hash = ?`, micro(at), idHash)
	return affected(res, err, "error touching session")
}

// DeleteSession implements store.Accounts.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash); err != nil {
		return fmt.Errorf("error deleting session: %w", err)
	}
	return nil
}

// DeleteUserSessions implements store.Accounts.
func (s *Store) DeleteUserSessions(ctx context.Context, userName string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE user_name = ?`, userName); err != nil {
		return fmt.Errorf("error deleting sessions of %q: %w", userName, err)
	}
	return nil
}

// DeleteStaleSessions implements store.Accounts. A zero bound ends no
// session by that rule.
func (s *Store) DeleteStaleSessions(ctx context.Context, idleBefore, createdBefore time.Time) ([]store.Session, error) {
	rows, err := s.w.QueryContext(ctx, `DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?
		RETURNING id_hash, user_name, created_at, last_seen_at`, bound(idleBefore), bound(createdBefore))
	if err != nil {
		return nil, fmt.Errorf("error deleting stale sessions: %w", err)
	}
	defer rows.Close()
	ended := []store.Session{}
	for rows.Next() {
		var sess store.Session
		var created, seen int64
		if err := rows.Scan(&sess.IDHash, &sess.UserName, &created, &seen); err != nil {
			return nil, fmt.Errorf("error deleting stale sessions: %w", err)
		}
		sess.CreatedAt, sess.LastSeenAt = fromMicro(created), fromMicro(seen)
		ended = append(ended, sess)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("error deleting stale sessions: %w", err)
	}
	return ended, nil
}

// bound encodes the upper bound of a "before" comparison; the zero time is
// before every time the store holds.
func bound(t time.Time) int64 {
	if t.IsZero() {
		return minMicro
	}
	return t.UnixMicro()
}

const minMicro = -1 << 63

// SaveSearch implements store.Accounts.
func (s *Store) SaveSearch(ctx context.Context, ss store.SavedSearch) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO saved_searches (owner, name, query, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (owner, name) DO UPDATE SET query = excluded.query, created_at = excluded.created_at`,
		ss.Owner, ss.Name, ss.Query, ss.CreatedAt.UnixMicro())
	if err != nil {
		return fmt.Errorf("error saving search: %w", err)
	}
	return nil
}

// SavedSearches implements store.Accounts.
func (s *Store) SavedSearches(ctx context.Context, owner string) ([]store.SavedSearch, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT owner, name, query, created_at FROM saved_searches WHERE owner = ? ORDER BY name`, owner)
	if err != nil {
		return nil, fmt.Errorf("error listing saved searches: %w", err)
	}
	defer rows.Close()
	out := []store.SavedSearch{}
	for rows.Next() {
		var ss store.SavedSearch
		var at int64
		if err := rows.Scan(&ss.Owner, &ss.Name, &ss.Query, &at); err != nil {
			return nil, err
		}
		ss.CreatedAt = time.UnixMicro(at).UTC()
		out = append(out, ss)
	}
	return out, rows.Err()
}

// DeleteSearch implements store.Accounts.
func (s *Store) DeleteSearch(ctx context.Context, owner, name string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM saved_searches WHERE owner = ? AND name = ?`, owner, name)
	if err != nil {
		return fmt.Errorf("error deleting saved search: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("no saved search %q: %w", name, store.ErrNotFound)
	}
	return nil
}
