package accounts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// Via says how a sign-in was attempted, for the audit log.
type Via string

// The ways in.
const (
	ViaLoginPage Via = "the login page"
	ViaBasic     Via = "HTTP Basic authentication"
)

// Login checks a user's password and, when it matches, opens a session
// and returns its id (for the cookie) with the user's subject. Every
// attempt is recorded with its reason: bad password, unknown user, locked.
func (s *Service) Login(ctx context.Context, name, password, ip string) (string, access.Subject, error) {
	u, err := s.checkPassword(ctx, name, password, ip, ViaLoginPage)
	if err != nil {
		return "", access.Subject{}, err
	}
	id, hash := access.NewSessionID()
	now := s.opts.Now().UTC()
	if err := s.st.CreateSession(ctx, store.Session{IDHash: hash, UserName: u.Name, CreatedAt: now, LastSeenAt: now}); err != nil {
		return "", access.Subject{}, fmt.Errorf("error opening session: %w", err)
	}
	return id, userSubject(u), nil
}

// Basic authenticates one API request with a user name and password. A
// failure counts towards lockout like one on the login page.
func (s *Service) Basic(ctx context.Context, name, password, ip string) (access.Subject, error) {
	u, err := s.checkPassword(ctx, name, password, ip, ViaBasic)
	if err != nil {
		return access.Subject{}, err
	}
	return userSubject(u), nil
}

// checkPassword verifies a password, counts failures, locks the account
// after LockoutAfter consecutive ones, and records the outcome.
func (s *Service) checkPassword(ctx context.Context, name, password, ip string, via Via) (store.User, error) {
	fail := func(reason string) error {
		if err := s.Record(ctx, Event{Actor: name, IP: ip, Task: "Login", Workspace: "Access", Result: audit.ResultFailure,
			Text:    fmt.Sprintf("Login failed for user %s through %s: %s.", safeName(name), via, reason),
			Objects: []audit.Object{{Type: "User", Name: name}}}); err != nil {
			return err
		}
		return ErrBadCredentials
	}
	u, err := s.st.GetUser(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		access.CheckPassword(access.DummyHash, password) // cost the same time as a known user
		return store.User{}, fail("unknown user")
	}
	if err != nil {
		return store.User{}, err
	}
	if u.Locked {
		access.CheckPassword(access.DummyHash, password)
		return store.User{}, fail("the account is locked")
	}
	if !access.CheckPassword(u.PasswordHash, password) {
		locked := false
		_, err := s.st.UpdateUser(ctx, u.Name, func(u *store.User) error {
			u.FailedLogins++
			if s.opts.LockoutAfter > 0 && u.FailedLogins >= s.opts.LockoutAfter {
				locked = !u.Locked
				u.Locked = true
			}
			return nil
		})
		if err != nil {
			return store.User{}, err
		}
		reason := "bad password"
		if locked {
			reason = fmt.Sprintf("bad password; the account is now locked after %d failed attempts", s.opts.LockoutAfter)
		}
		return store.User{}, fail(reason)
	}
	now := s.opts.Now().UTC()
	u, err = s.st.UpdateUser(ctx, u.Name, func(u *store.User) error {
		u.FailedLogins = 0
		u.LastLoginAt = now
		return nil
	})
	if err != nil {
		return store.User{}, err
	}
	if via == ViaLoginPage {
		if err := s.Record(ctx, Event{Actor: u.Name, IP: ip, Task: "Login", Workspace: "Access", Result: audit.ResultSuccess,
			Text:    fmt.Sprintf("User %s logged in from %s.", u.Name, ip),
			Objects: []audit.Object{{Type: "User", Name: u.Name}}}); err != nil {
			return store.User{}, err
		}
	}
	return u, nil
}

// Session returns the subject of an open session, ending (and recording)
// it when it has been idle or open for too long.
func (s *Service) Session(ctx context.Context, id, ip string) (access.Subject, error) {
	hash := access.HashToken(id)
	sess, err := s.st.GetSession(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return access.Subject{}, ErrSessionEnded
	}
	if err != nil {
		return access.Subject{}, err
	}
	now := s.opts.Now().UTC()
	if now.Sub(sess.LastSeenAt) > s.opts.SessionIdle || now.Sub(sess.CreatedAt) > s.opts.SessionMax {
		if err := s.st.DeleteSession(ctx, hash); err != nil {
			return access.Subject{}, err
		}
		why := "idle for too long"
		if now.Sub(sess.CreatedAt) > s.opts.SessionMax {
			why = "open for too long"
		}
		err := s.Record(ctx, Event{Actor: sess.UserName, IP: ip, Task: "Session Expired", Workspace: "Access", Result: audit.ResultSuccess,
			Text:    fmt.Sprintf("The session of user %s expired: %s.", sess.UserName, why),
			Objects: []audit.Object{{Type: "User", Name: sess.UserName}}})
		if err != nil {
			return access.Subject{}, err
		}
		return access.Subject{}, ErrSessionEnded
	}
	u, err := s.st.GetUser(ctx, sess.UserName)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.Locked) {
		s.st.DeleteSession(ctx, hash)
		return access.Subject{}, ErrSessionEnded
	}
	if err != nil {
		return access.Subject{}, err
	}
	if s.due(hash, now, time.Minute) {
		if err := s.st.TouchSession(ctx, hash, now); err != nil {
			return access.Subject{}, err
		}
	}
	return userSubject(u), nil
}

// due reports whether a use of key at now should be written, at most once
// per every: recording every request would make each page view a write.
func (s *Service) due(key string, now time.Time, every time.Duration) bool {
	s.touchMu.Lock()
	defer s.touchMu.Unlock()
	if last, ok := s.touched[key]; ok && now.Sub(last) < every {
		return false
	}
	if len(s.touched) > 100000 {
		clear(s.touched)
	}
	s.touched[key] = now
	return true
}

// Logout ends a session and records it.
func (s *Service) Logout(ctx context.Context, id, ip string) error {
	hash := access.HashToken(id)
	sess, err := s.st.GetSession(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.st.DeleteSession(ctx, hash); err != nil {
		return err
	}
	return s.Record(ctx, Event{Actor: sess.UserName, IP: ip, Task: "Logout", Workspace: "Access", Result: audit.ResultSuccess,
		Text:    fmt.Sprintf("User %s logged out.", sess.UserName),
		Objects: []audit.Object{{Type: "User", Name: sess.UserName}}})
}

// tokenCacheTTL is how long a recognised token is believed without asking
// the database again; a revocation takes effect within it.
const tokenCacheTTL = 5 * time.Second

type cachedToken struct {
	subject access.Subject
	until   time.Time
}

// Token returns the subject of an API token.
func (s *Service) Token(ctx context.Context, secret string) (access.Subject, error) {
	hash := access.HashToken(secret)
	now := s.opts.Now().UTC()
	s.touchMu.Lock()
	c, ok := s.tokens[hash]
	s.touchMu.Unlock()
	if ok && now.Before(c.until) {
		return c.subject, nil
	}
	t, err := s.st.TokenByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !t.RevokedAt.IsZero()) {
		return access.Subject{}, ErrBadToken
	}
	if err != nil {
		return access.Subject{}, err
	}
	if s.due(hash, now, time.Minute) {
		if err := s.st.TouchToken(ctx, t.ID, now); err != nil {
			return access.Subject{}, err
		}
	}
	scopes := make([]access.TokenScope, 0, len(t.Scopes))
	for _, sc := range t.Scopes {
		scopes = append(scopes, access.TokenScope(sc))
	}
	sub := access.Subject{Kind: access.KindToken, Name: t.Name, TokenID: t.ID, Scopes: scopes, Domains: t.Domains}
	s.touchMu.Lock()
	if len(s.tokens) > 10000 {
		clear(s.tokens)
	}
	s.tokens[hash] = cachedToken{subject: sub, until: now.Add(tokenCacheTTL)}
	s.touchMu.Unlock()
	return sub, nil
}

// ExpireSessions ends stale sessions and records each ending; the server
// runs it every minute, so that a session nobody uses again still has its
// end in the audit log.
func (s *Service) ExpireSessions(ctx context.Context) (int, error) {
	now := s.opts.Now().UTC()
	ended, err := s.st.DeleteStaleSessions(ctx, now.Add(-s.opts.SessionIdle), now.Add(-s.opts.SessionMax))
	if err != nil {
		return 0, err
	}
	for _, sess := range ended {
		why := "idle for too long"
		if now.Sub(sess.CreatedAt) > s.opts.SessionMax {
			why = "open for too long"
		}
		if err := s.Record(ctx, Event{Actor: sess.UserName, Task: "Session Expired", Workspace: "Access", Result: audit.ResultSuccess,
			Text:    fmt.Sprintf("The session of user %s expired: %s.", sess.UserName, why),
			Objects: []audit.Object{{Type: "User", Name: sess.UserName}}}); err != nil {
			return 0, err
		}
	}
	return len(ended), nil
}
