// Package accounts owns who a caller is: it signs people in and out, keeps
// their sessions, recognises API tokens, keeps the domain tree, manages
// users, domains and tokens, and records every one of those events as an
// audit log entry. What a role or domain allows is package access's rule;
// this package applies it.
//
// HTTP handlers and the CLI both go through it, so a rule holds however
// Logbook is reached.
package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// Errors a caller maps to answers. Their texts are safe to show.
var (
	// ErrBadCredentials is the one answer to a failed sign-in, whatever the
	// reason, so that nobody learns which user names exist.
	ErrBadCredentials = errors.New("wrong user name or password, or the account is locked")
	// ErrSessionEnded means the session expired or was ended.
	ErrSessionEnded = errors.New("the session has ended; sign in again")
	// ErrBadToken means the token is unknown or revoked.
	ErrBadToken = errors.New("the API token is unknown or revoked")
)

// Submitter records audit log entries durably; the ingest writer is one.
type Submitter interface {
	Submit(ctx context.Context, entries []audit.Entry) ([]int64, error)
}

// Options are the access-control settings.
type Options struct {
	// LockoutAfter is how many consecutive failed sign-ins lock an account.
	LockoutAfter int
	// SessionIdle and SessionMax end sessions idle for, or older than, that.
	SessionIdle, SessionMax time.Duration
	// LoginsPerMinute bounds sign-in attempts per client address.
	LoginsPerMinute int
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// DefaultOptions are the settings when none are given.
func DefaultOptions() Options {
	return Options{LockoutAfter: 4, SessionIdle: 30 * time.Minute, SessionMax: 12 * time.Hour, LoginsPerMinute: 20}
}

// Service is the account service: sign-in, sessions, tokens, and the
// management of users, domains and tokens.
type Service struct {
	st   store.Store
	rec  Submitter
	log  *slog.Logger
	opts Options

	// Attempts bounds sign-in attempts per client address.
	Attempts *Limiter

	mu       sync.RWMutex
	tree     *access.Tree
	treeTime time.Time

	touchMu sync.Mutex
	touched map[string]time.Time   // token or session hash → last recorded use
	tokens  map[string]cachedToken // token hash → recognised subject
}

// New returns the service; it loads the domain tree.
func New(ctx context.Context, st store.Store, rec Submitter, log *slog.Logger, opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LoginsPerMinute <= 0 {
		opts.LoginsPerMinute = DefaultOptions().LoginsPerMinute
	}
	if opts.SessionIdle <= 0 || opts.SessionMax <= 0 {
		d := DefaultOptions()
		opts.SessionIdle, opts.SessionMax = d.SessionIdle, d.SessionMax
	}
	s := &Service{st: st, rec: rec, log: log, opts: opts, touched: map[string]time.Time{}, tokens: map[string]cachedToken{},
		Attempts: NewLimiter(opts.LoginsPerMinute, opts.LoginsPerMinute)}
	if err := s.reloadTree(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Service) reloadTree(ctx context.Context) error {
	ds, err := s.st.ListDomains(ctx, store.AllDomains)
	if err != nil {
		return fmt.Errorf("error loading domains: %w", err)
	}
	t := access.NewTree(ds)
	s.mu.Lock()
	s.tree, s.treeTime = t, time.Now()
	s.mu.Unlock()
	return nil
}

// treeTTL is how long the domain tree is kept before it is read again, so
// that domains added by another replica or the command line take effect.
const treeTTL = 10 * time.Second

// Tree returns the current domain tree.
func (s *Service) Tree() *access.Tree {
	s.mu.RLock()
	t, at := s.tree, s.treeTime
	s.mu.RUnlock()
	if time.Since(at) > treeTTL {
		if err := s.reloadTree(context.Background()); err != nil {
			s.log.Warn("could not reload the domain tree; keeping the last one", "error", err)
			s.mu.Lock()
			s.treeTime = time.Now()
			s.mu.Unlock()
		} else {
			s.mu.RLock()
			t = s.tree
			s.mu.RUnlock()
		}
	}
	return t
}

// Scope is what subject may read.
func (s *Service) Scope(subject access.Subject) store.Scope {
	return s.Tree().Scope(subject.Domains)
}

// userSubject builds the subject of a signed-in user.
func userSubject(u store.User) access.Subject {
	roles := make([]access.Role, 0, len(u.Roles))
	for _, r := range u.Roles {
		roles = append(roles, access.Role(r))
	}
	return access.Subject{Kind: access.KindUser, Name: u.Name, Roles: roles, Domains: u.Domains}
}

// Event describes an access event to record.
type Event struct {
	Actor     string // who did it (the user name, or the name tried)
	IP        string
	Task      string
	Workspace string
	Result    audit.Result
	Text      string
	Objects   []audit.Object
	Detail    any // marshalled to JSON when not nil
}

// Record writes an access event to the audit log. A failure to record is
// returned: an administrative change that cannot be audited must not be
// reported as done.
func (s *Service) Record(ctx context.Context, ev Event) error {
	e := audit.Entry{
		Timestamp:   s.opts.Now().UTC().Truncate(time.Microsecond),
		UserName:    safeName(ev.Actor),
		UserIP:      ev.IP,
		Domain:      audit.RootDomain,
		Application: "Logbook",
		Workspace:   ev.Workspace,
		Task:        ev.Task,
		Result:      ev.Result,
		Description: ev.Text,
		Source:      "logbook",
	}
	for _, o := range ev.Objects {
		o.Name = safeName(o.Name)
		e.AffectedObjects = append(e.AffectedObjects, o)
	}
	if ev.Detail != nil {
		b, err := json.Marshal(ev.Detail)
		if err != nil {
			return err
		}
		e.AffectedObjectDetail = string(b)
	}
	if _, err := s.rec.Submit(ctx, []audit.Entry{e}); err != nil {
		return fmt.Errorf("error recording %s: %w", ev.Task, err)
	}
	return nil
}

// safeName makes a name someone typed fit an audit log field: no control
// characters, trimmed, bounded, never empty.
func safeName(n string) string {
	n = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(n, ""))
	n = strings.TrimSpace(n)
	if len(n) > audit.MaxNameLen {
		n = strings.ToValidUTF8(n[:audit.MaxNameLen], "")
	}
	if n == "" {
		return "(none)"
	}
	return n
}
