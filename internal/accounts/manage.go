package accounts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// FieldError is a refused input, naming the field.
type FieldError = audit.FieldError

// InvalidError lists the refused fields of a management request.
type InvalidError struct{ Fields []FieldError }

func (e *InvalidError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Error()
	}
	return strings.Join(parts, "; ")
}

func invalid(field, reason string) error {
	return &InvalidError{Fields: []FieldError{{Field: field, Reason: reason}}}
}

// Actor is who asks for a change: the audit log names them, and they may
// not grant more than they have. A zero Subject is Logbook itself (the
// first start, the command line on the server's own machine).
type Actor struct {
	Name    string
	IP      string
	Subject access.Subject
}

// ManageScope is the part of the domain tree by manages, for the store
// to filter listings with: everything for Logbook itself (the zero
// Subject), else what by's domains read. Manages(by, reach) is
// ManageScope(by).Covers(reach).
func (s *Service) ManageScope(by Actor) store.Scope {
	if by.Subject.Kind == "" {
		return store.AllDomains
	}
	return s.Tree().Scope(by.Subject.Domains)
}

// Manages reports whether by may see and manage an object that reaches
// reach: Logbook itself manages everything, anyone else what
// access.Tree.Manages allows their domains, whatever their roles (a Super
// Administrator of Global/EMEA manages Global/EMEA). Every listing and
// change of users, domains and tokens goes through it, so that what a
// listing leaves out is exactly what a change answers as missing or
// refuses.
func (s *Service) Manages(by Actor, reach store.Scope) bool {
	return by.Subject.Kind == "" || s.Tree().Manages(by.Subject.Domains, reach)
}

// mayGiveSuperAdmin reports whether by may give (and so see and change
// holders of) the super-admin role: Logbook itself, a Super
// Administrator, or an admin token of Global.
func (s *Service) mayGiveSuperAdmin(by Actor) bool {
	return by.Subject.Kind == "" || slices.Contains(by.Subject.Roles, access.RoleSuperAdmin) ||
		by.Subject.Kind == access.KindToken && slices.Contains(by.Subject.Scopes, access.ScopeAdmin) && s.Manages(by, store.AllDomains)
}

// limitedBy reports why actor may not give roles or domains, or "".
func (s *Service) limitedBy(by Actor, roles, domains []string) []FieldError {
	var errs []FieldError
	if !s.mayGiveSuperAdmin(by) {
		for _, r := range roles {
			if access.Role(r) == access.RoleSuperAdmin {
				errs = append(errs, FieldError{Field: "roles", Reason: "only a Super Administrator may give the super-admin role"})
			}
		}
	}
	for _, d := range domains {
		if !s.Manages(by, access.Reach([]string{d})) {
			errs = append(errs, FieldError{Field: "domains", Reason: fmt.Sprintf("domain %q is outside your domains", d)})
		}
	}
	return errs
}

// NewUser is a user to create.
type NewUser struct {
	Name     string   `json:"name"`
	Password string   `json:"password"`
	Roles    []string `json:"roles"`
	Domains  []string `json:"domains"`
}

// UserView is a user as administrators see it: never the password hash.
type UserView struct {
	Name         string   `json:"name"`
	Roles        []string `json:"roles"`
	Domains      []string `json:"domains"`
	Locked       bool     `json:"locked"`
	FailedLogins int      `json:"failed_logins"`
	CreatedAt    string   `json:"created_at"`
	LastLoginAt  string   `json:"last_login_at,omitempty"`
}

func viewOf(u store.User) UserView {
	return UserView{Name: u.Name, Roles: u.Roles, Domains: u.Domains, Locked: u.Locked, FailedLogins: u.FailedLogins,
		CreatedAt: audit.FormatTime(u.CreatedAt), LastLoginAt: audit.FormatTime(u.LastLoginAt)}
}

// checkName validates a user or token name.
func checkName(field, n string) error {
	if n == "" || len(n) > 64 || n != strings.TrimSpace(n) {
		return invalid(field, "must be 1 to 64 characters without leading or trailing spaces")
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-@", r)) {
			return invalid(field, "may hold only letters, digits and . _ - @")
		}
	}
	return nil
}

func (s *Service) checkRolesDomains(by Actor, roles, domains []string) error {
	errs := s.limitedBy(by, roles, domains)
	if len(roles) == 0 {
		errs = append(errs, FieldError{Field: "roles", Reason: "at least one role is required"})
	}
	for _, r := range roles {
		if _, err := access.ParseRole(r); err != nil {
			errs = append(errs, FieldError{Field: "roles", Reason: err.Error()})
		}
	}
	if len(domains) == 0 {
		errs = append(errs, FieldError{Field: "domains", Reason: "at least one domain is required"})
	}
	for _, d := range domains {
		if !s.Tree().Exists(d) {
			errs = append(errs, FieldError{Field: "domains", Reason: fmt.Sprintf("domain %q does not exist", d)})
		}
	}
	if len(errs) > 0 {
		return &InvalidError{Fields: errs}
	}
	return nil
}

// CreateUser adds a user; the change is recorded.
func (s *Service) CreateUser(ctx context.Context, by Actor, nu NewUser) (UserView, error) {
	if err := checkName("name", nu.Name); err != nil {
		return UserView{}, err
	}
	if err := access.CheckPasswordRules(nu.Password); err != nil {
		return UserView{}, invalid("password", err.Error())
	}
	if err := s.checkRolesDomains(by, nu.Roles, nu.Domains); err != nil {
		return UserView{}, err
	}
	hash, err := access.HashPassword(nu.Password)
	if err != nil {
		return UserView{}, err
	}
	now := s.opts.Now().UTC()
	u := store.User{Name: nu.Name, PasswordHash: hash, Roles: slices.Compact(slices.Sorted(slices.Values(nu.Roles))),
		Domains: slices.Compact(slices.Sorted(slices.Values(nu.Domains))), CreatedAt: now, UpdatedAt: now}
	if err := s.st.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return UserView{}, invalid("name", fmt.Sprintf("user %q exists", nu.Name))
		}
		return UserView{}, err
	}
	v := viewOf(u)
	return v, s.Record(ctx, Event{Actor: by.Name, IP: by.IP, Task: "Add User", Workspace: "Users and Roles", Result: audit.ResultSuccess,
		Text: fmt.Sprintf("User %s added user %s.", by.Name, u.Name), Objects: []audit.Object{{Type: "User", Name: u.Name}},
		Detail: map[string]any{"after": map[string]any{"roles": u.Roles, "domains": u.Domains}}})
}

// ListUsers returns the users the actor manages: those whose every
// domain is within the actor's (Manages; the store filters by it), and
// Super Administrators only to those who may give that role. They are
// the users the actor could have created and may change.
func (s *Service) ListUsers(ctx context.Context, by Actor) ([]UserView, error) {
	us, err := s.st.ListUsers(ctx, s.ManageScope(by))
	if err != nil {
		return nil, err
	}
	out := make([]UserView, 0, len(us))
	for _, u := range us {
		if s.managesUser(by, u) {
			out = append(out, viewOf(u))
		}
	}
	return out, nil
}

// managesUser reports whether by may see and change user u.
func (s *Service) managesUser(by Actor, u store.User) bool {
	return s.Manages(by, access.Reach(u.Domains)) && len(s.limitedBy(by, u.Roles, nil)) == 0
}

// UserChange is a change to a user; nil fields stay as they are.
type UserChange struct {
	Password *string   `json:"password"`
	Roles    *[]string `json:"roles"`
	Domains  *[]string `json:"domains"`
	Locked   *bool     `json:"locked"`
}

// UpdateUser changes a user and records the change with the values before
// and after (never passwords). Locking a user or changing a password ends
// the user's sessions.
func (s *Service) UpdateUser(ctx context.Context, by Actor, name string, c UserChange) (UserView, error) {
	roles, domains := []string(nil), []string(nil)
	if c.Roles != nil {
		roles = *c.Roles
	}
	if c.Domains != nil {
		domains = *c.Domains
	}
	if c.Roles != nil || c.Domains != nil {
		check := func(v []string, fallback []string) []string {
			if v == nil {
				return fallback
			}
			return v
		}
		if err := s.checkRolesDomains(Actor{}, check(roles, []string{string(access.RoleUser)}), check(domains, []string{audit.RootDomain})); err != nil {
			return UserView{}, err
		}
		if errs := s.limitedBy(by, roles, domains); len(errs) > 0 {
			return UserView{}, &InvalidError{Fields: errs}
		}
	}
	ownPassword := by.Subject.Name == name && by.Subject.Kind == access.KindUser && c.Roles == nil && c.Domains == nil && c.Locked == nil
	if !ownPassword {
		if err := s.checkUserReach(ctx, by, name); err != nil {
			return UserView{}, err
		}
	}
	var hash string
	if c.Password != nil {
		if err := access.CheckPasswordRules(*c.Password); err != nil {
			return UserView{}, invalid("password", err.Error())
		}
		var err error
		if hash, err = access.HashPassword(*c.Password); err != nil {
			return UserView{}, err
		}
	}
	var before UserView
	u, err := s.st.UpdateUser(ctx, name, func(u *store.User) error {
		before = viewOf(*u)
		if c.Roles != nil {
			u.Roles = slices.Compact(slices.Sorted(slices.Values(roles)))
		}
		if c.Domains != nil {
			u.Domains = slices.Compact(slices.Sorted(slices.Values(domains)))
		}
		if c.Locked != nil {
			u.Locked = *c.Locked
			if !u.Locked {
				u.FailedLogins = 0
			}
		}
		if hash != "" {
			u.PasswordHash = hash
		}
		return nil
	})
	if err != nil {
		return UserView{}, err
	}
	if (c.Locked != nil && *c.Locked) || hash != "" {
		if err := s.st.DeleteUserSessions(ctx, name); err != nil {
			return UserView{}, err
		}
	}
	after := viewOf(u)
	task := "Modify User"
	switch {
	case c.Locked != nil && !*c.Locked && before.Locked && c.Roles == nil && c.Domains == nil && hash == "":
		task = "Unlock User"
	case c.Locked != nil && *c.Locked && c.Roles == nil && c.Domains == nil && hash == "":
		task = "Lock User"
	case hash != "" && c.Roles == nil && c.Domains == nil && c.Locked == nil:
		task = "Change Password"
	}
	detail := map[string]any{
		"before": map[string]any{"roles": before.Roles, "domains": before.Domains, "locked": before.Locked},
		"after":  map[string]any{"roles": after.Roles, "domains": after.Domains, "locked": after.Locked},
	}
	if hash != "" {
		detail["password"] = "changed"
	}
	return after, s.Record(ctx, Event{Actor: by.Name, IP: by.IP, Task: task, Workspace: "Users and Roles", Result: audit.ResultSuccess,
		Text: fmt.Sprintf("User %s: %s of user %s.", by.Name, strings.ToLower(task), name), Objects: []audit.Object{{Type: "User", Name: name}},
		Detail: detail})
}

// checkUserReach refuses changes to a user with domains outside the
// actor's, or to a Super Administrator by someone who is not one.
func (s *Service) checkUserReach(ctx context.Context, by Actor, name string) error {
	if by.Subject.Kind == "" {
		return nil
	}
	u, err := s.st.GetUser(ctx, name)
	if err != nil {
		return err
	}
	if !s.managesUser(by, u) {
		return invalid("name", fmt.Sprintf("user %q has roles or domains beyond yours", name))
	}
	return nil
}

// ChangeOwnPassword lets a signed-in user change their password, proving
// the current one first.
func (s *Service) ChangeOwnPassword(ctx context.Context, by Actor, current, next string) error {
	u, err := s.st.GetUser(ctx, by.Name)
	if err != nil {
		return err
	}
	if !access.CheckPassword(u.PasswordHash, current) {
		return invalid("current_password", "is not your current password")
	}
	_, err = s.UpdateUser(ctx, by, by.Name, UserChange{Password: &next})
	return err
}

// DomainView is a domain as listed.
type DomainView struct {
	Name       string `json:"name"`
	ParentRead bool   `json:"parent_read"`
}

// CreateDomain adds a domain below an existing one.
func (s *Service) CreateDomain(ctx context.Context, by Actor, d DomainView) (DomainView, error) {
	if err := s.Tree().CheckNewDomain(d.Name); err != nil {
		return DomainView{}, invalid("name", err.Error())
	}
	if errs := s.limitedBy(by, nil, []string{d.Name}); len(errs) > 0 {
		return DomainView{}, invalid("name", fmt.Sprintf("domain %q is outside your domains", d.Name))
	}
	err := s.st.CreateDomain(ctx, store.Domain{Name: d.Name, ParentRead: d.ParentRead, CreatedAt: s.opts.Now().UTC()})
	switch {
	case errors.Is(err, store.ErrConflict):
		return DomainView{}, invalid("name", fmt.Sprintf("domain %q exists", d.Name))
	case errors.Is(err, store.ErrNotFound):
		return DomainView{}, invalid("name", "the parent domain does not exist")
	case err != nil:
		return DomainView{}, err
	}
	if err := s.reloadTree(ctx); err != nil {
		return DomainView{}, err
	}
	return d, s.Record(ctx, Event{Actor: by.Name, IP: by.IP, Task: "Add Domain", Workspace: "Domains", Result: audit.ResultSuccess,
		Text: fmt.Sprintf("User %s added domain %s.", by.Name, d.Name), Objects: []audit.Object{{Type: "Domain", Name: d.Name}},
		Detail: map[string]any{"after": d}})
}

// ListDomains returns the domains the actor manages: its own and those
// below them (a domain reaches its subtree; Manages), which are also the
// domains it may give users and tokens. Parent read access adds none.
func (s *Service) ListDomains(ctx context.Context, by Actor) ([]DomainView, error) {
	ds, err := s.st.ListDomains(ctx, s.ManageScope(by))
	if err != nil {
		return nil, err
	}
	out := make([]DomainView, 0, len(ds))
	for _, d := range ds {
		if s.Manages(by, access.Reach([]string{d.Name})) {
			out = append(out, DomainView{Name: d.Name, ParentRead: d.ParentRead})
		}
	}
	return out, nil
}

// Bootstrap creates the user admin (Super Administrator in Global) when
// there are no users, with password, or a random one when password is
// empty. It returns the password it set, or "" when users exist.
func (s *Service) Bootstrap(ctx context.Context, password string) (string, error) {
	us, err := s.ListUsers(ctx, Actor{})
	if err != nil || len(us) > 0 {
		return "", err
	}
	if password == "" {
		password = access.RandomPassword()
	}
	_, err = s.CreateUser(ctx, Actor{Name: "logbook"}, NewUser{Name: "admin", Password: password,
		Roles: []string{string(access.RoleSuperAdmin)}, Domains: []string{audit.RootDomain}})
	if err != nil {
		return "", fmt.Errorf("error creating the first user: %w", err)
	}
	return password, nil
}
