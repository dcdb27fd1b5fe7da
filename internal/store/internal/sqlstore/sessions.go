package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

const sessionColumns = `id_hash, user_name, created_at, last_seen_at`

func (s *Store) scanSession(row Row) (store.Session, error) {
	var sess store.Session
	err := row.Scan(&sess.IDHash, &sess.UserName, s.scanTime(&sess.CreatedAt), s.scanTime(&sess.LastSeenAt))
	return sess, err
}

// CreateSession implements store.Accounts; ErrConflict if the id hash is
// taken. A zero CreatedAt is taken as now, a zero LastSeenAt as CreatedAt.
func (s *Store) CreateSession(ctx context.Context, sess store.Session) error {
	sess.CreatedAt = s.stamp(sess.CreatedAt)
	if sess.LastSeenAt.IsZero() {
		sess.LastSeenAt = sess.CreatedAt
	}
	_, err := s.e.Write.ExecContext(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES ($1, $2, $3, $4)`,
		sess.IDHash, sess.UserName, s.at(sess.CreatedAt), s.at(sess.LastSeenAt))
	if err != nil {
		return s.conflict(err, fmt.Sprintf("error creating session for %q", sess.UserName))
	}
	return nil
}

// GetSession implements store.Accounts.
func (s *Store) GetSession(ctx context.Context, idHash string) (store.Session, error) {
	sess, err := s.scanSession(s.e.Read.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id_hash = $1`, idHash))
	return one(sess, err, "error reading session")
}

// TouchSession implements store.Accounts. LastSeenAt only moves forward;
// ErrNotFound if the session has ended.
func (s *Store) TouchSession(ctx context.Context, idHash string, at time.Time) error {
	res, err := s.e.Write.ExecContext(ctx, `UPDATE sessions SET last_seen_at = `+s.e.Greatest+`(last_seen_at, $1) WHERE id_hash = $2`,
		s.never(at), idHash)
	return affected(res, err, "error touching session")
}

// DeleteSession implements store.Accounts.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := s.e.Write.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, idHash); err != nil {
		return fmt.Errorf("error deleting session: %w", err)
	}
	return nil
}

// DeleteUserSessions implements store.Accounts.
func (s *Store) DeleteUserSessions(ctx context.Context, userName string) error {
	if _, err := s.e.Write.ExecContext(ctx, `DELETE FROM sessions WHERE user_name = $1`, userName); err != nil {
		return fmt.Errorf("error deleting sessions of %q: %w", userName, err)
	}
	return nil
}

// DeleteStaleSessions implements store.Accounts. A zero bound ends no
// session by that rule, so it is left out of the statement. Each session
// is returned by exactly one caller, however many replicas clean up at
// once: DELETE … RETURNING hands each deleted row to one statement.
func (s *Store) DeleteStaleSessions(ctx context.Context, idleBefore, createdBefore time.Time) ([]store.Session, error) {
	var conds []string
	var args []any
	for _, b := range []struct {
		col string
		t   time.Time
	}{{"last_seen_at", idleBefore}, {"created_at", createdBefore}} {
		if !b.t.IsZero() {
			args = append(args, s.at(b.t))
			conds = append(conds, b.col+" < $"+strconv.Itoa(len(args)))
		}
	}
	if len(conds) == 0 {
		return []store.Session{}, nil
	}
	ended, err := query(ctx, s.e.Write, s.scanSession, `DELETE FROM sessions WHERE `+strings.Join(conds, " OR ")+`
		RETURNING `+sessionColumns, args...)
	if err != nil {
		return nil, fmt.Errorf("error deleting stale sessions: %w", err)
	}
	return ended, nil
}

// SaveSearch implements store.Accounts.
func (s *Store) SaveSearch(ctx context.Context, ss store.SavedSearch) error {
	_, err := s.e.Write.ExecContext(ctx, `INSERT INTO saved_searches (owner, name, query, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (owner, name) DO UPDATE SET query = excluded.query, created_at = excluded.created_at`,
		ss.Owner, ss.Name, ss.Query, s.at(ss.CreatedAt))
	if err != nil {
		return fmt.Errorf("error saving search: %w", err)
	}
	return nil
}

// SavedSearches implements store.Accounts.
func (s *Store) SavedSearches(ctx context.Context, owner string) ([]store.SavedSearch, error) {
	out, err := query(ctx, s.e.Read, func(r Row) (store.SavedSearch, error) {
		var ss store.SavedSearch
		err := r.Scan(&ss.Owner, &ss.Name, &ss.Query, s.scanTime(&ss.CreatedAt))
		return ss, err
	}, `SELECT owner, name, query, created_at FROM saved_searches WHERE owner = $1 ORDER BY name`, owner)
	if err != nil {
		return nil, fmt.Errorf("error listing saved searches: %w", err)
	}
	return out, nil
}

// DeleteSearch implements store.Accounts.
func (s *Store) DeleteSearch(ctx context.Context, owner, name string) error {
	res, err := s.e.Write.ExecContext(ctx, `DELETE FROM saved_searches WHERE owner = $1 AND name = $2`, owner, name)
	if err != nil {
		return fmt.Errorf("error deleting saved search: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("no saved search %q: %w", name, store.ErrNotFound)
	}
	return nil
}
