package store

import (
	"context"
	"time"
)

// User is a person who signs in to Logbook. Roles and Domains hold the ids
// and paths the access package defines; the store keeps them as given.
type User struct {
	Name         string
	PasswordHash string
	Roles        []string
	Domains      []string
	Locked       bool
	FailedLogins int
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastLoginAt  time.Time // zero: never signed in
}

// Domain is a node of the domain tree. ParentRead lets the domain's
// users read the objects of its parent domain (not of the parent's other
// children).
type Domain struct {
	Name       string
	ParentRead bool
	CreatedAt  time.Time
}

// Token is an API token. Only the hash of its secret is stored.
type Token struct {
	ID         int64
	Name       string
	Hash       string // hex SHA-256 of the secret
	Scopes     []string
	Domains    []string
	CreatedBy  string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
	RevokedAt  time.Time // zero: valid
}

// Session is a signed-in browser. Only the hash of its id is stored, so a
// copy of the database does not let anyone take over a session.
type Session struct {
	IDHash     string
	UserName   string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// Accounts keeps users, domains, API tokens and sessions. Every engine
// implements it as part of Store; the conformance suite checks it.
type Accounts interface {
	// CreateUser stores a new user; ErrConflict if the name is taken.
	CreateUser(ctx context.Context, u User) error
	// GetUser returns a user; ErrNotFound if there is none.
	GetUser(ctx context.Context, name string) (User, error)
	// ListUsers returns by name the users whose domains all lie within
	// within (see WithinSQL): every user for AllDomains.
	ListUsers(ctx context.Context, within Scope) ([]User, error)
	// UpdateUser reads a user, lets fn change it and writes it back in one
	// transaction, so that concurrent updates (failed logins counting up)
	// are not lost. An error from fn aborts the update and is returned.
	UpdateUser(ctx context.Context, name string, fn func(*User) error) (User, error)

	// CreateDomain stores a domain; ErrConflict if it exists, ErrNotFound
	// if its parent does not. Global always exists.
	CreateDomain(ctx context.Context, d Domain) error
	// ListDomains returns by name (so parents come first) the domains
	// that lie within within: each of its Domains and those below (never
	// its Exact ones); every domain for AllDomains.
	ListDomains(ctx context.Context, within Scope) ([]Domain, error)

	// CreateToken stores a token and returns its id; ErrConflict if the
	// hash is taken.
	CreateToken(ctx context.Context, t Token) (int64, error)
	// ListTokens returns by id the tokens, revoked ones included, whose
	// domains all lie within within (see WithinSQL): every token for
	// AllDomains.
	ListTokens(ctx context.Context, within Scope) ([]Token, error)
	// TokenByHash finds a token by the hash of its secret; ErrNotFound if
	// there is none (revoked tokens are found; callers check RevokedAt).
	TokenByHash(ctx context.Context, hash string) (Token, error)
	// TouchToken records a use of a token.
	TouchToken(ctx context.Context, id int64, at time.Time) error
	// RevokeToken revokes a token; ErrNotFound if there is none.
	RevokeToken(ctx context.Context, id int64, at time.Time) error

	// CreateSession stores a session.
	CreateSession(ctx context.Context, s Session) error
	// GetSession finds a session by the hash of its id; ErrNotFound.
	GetSession(ctx context.Context, idHash string) (Session, error)
	// TouchSession records activity in a session.
	TouchSession(ctx context.Context, idHash string, at time.Time) error
	// DeleteSession ends a session (deleting a missing one is no error).
	DeleteSession(ctx context.Context, idHash string) error
	// DeleteUserSessions ends every session of a user.
	DeleteUserSessions(ctx context.Context, userName string) error
	// SaveSearch stores (or replaces) a user's named search.
	SaveSearch(ctx context.Context, s SavedSearch) error
	// SavedSearches returns a user's searches by name.
	SavedSearches(ctx context.Context, owner string) ([]SavedSearch, error)
	// DeleteSearch removes a user's named search; ErrNotFound if none.
	DeleteSearch(ctx context.Context, owner, name string) error

	// DeleteStaleSessions ends the sessions idle since idleBefore or begun
	// before createdBefore, and returns them, so that each ending can be
	// recorded once.
	DeleteStaleSessions(ctx context.Context, idleBefore, createdBefore time.Time) ([]Session, error)
}

// SavedSearch is a search a user keeps under a name: the grid's URL
// parameters (q and the column filters), so that it opens as it was.
type SavedSearch struct {
	Owner     string
	Name      string
	Query     string
	CreatedAt time.Time
}
