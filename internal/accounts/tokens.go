package accounts

// API tokens: creating, listing and revoking them, within the reach of
// the administrator who does it.

import (
	"context"
	"fmt"
	"slices"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// NewToken is a token to create.
type NewToken struct {
	Name    string   `json:"name"`
	Scopes  []string `json:"scopes"`
	Domains []string `json:"domains"`
}

// TokenView is a token as listed; Secret is set only when it is created.
type TokenView struct {
	ID         int64    `json:"id"`
	Name       string   `json:"name"`
	Scopes     []string `json:"scopes"`
	Domains    []string `json:"domains"`
	CreatedBy  string   `json:"created_by"`
	CreatedAt  string   `json:"created_at"`
	LastUsedAt string   `json:"last_used_at,omitempty"`
	RevokedAt  string   `json:"revoked_at,omitempty"`
	Secret     string   `json:"secret,omitempty"`
}

func tokenView(t store.Token) TokenView {
	return TokenView{ID: t.ID, Name: t.Name, Scopes: t.Scopes, Domains: t.Domains, CreatedBy: t.CreatedBy,
		CreatedAt: audit.FormatTime(t.CreatedAt), LastUsedAt: audit.FormatTime(t.LastUsedAt), RevokedAt: audit.FormatTime(t.RevokedAt)}
}

// CreateToken makes an API token and returns it with its secret, which is
// shown this once and stored only as a hash. A token never gets domains
// its creator cannot see.
func (s *Service) CreateToken(ctx context.Context, by Actor, creator access.Subject, nt NewToken) (TokenView, error) {
	if err := checkName("name", nt.Name); err != nil {
		return TokenView{}, err
	}
	var errs []FieldError
	if len(nt.Scopes) == 0 {
		errs = append(errs, FieldError{Field: "scopes", Reason: "at least one of ingest, read, admin is required"})
	}
	for _, sc := range nt.Scopes {
		if _, err := access.ParseTokenScope(sc); err != nil {
			errs = append(errs, FieldError{Field: "scopes", Reason: err.Error()})
		}
	}
	if len(nt.Domains) == 0 {
		errs = append(errs, FieldError{Field: "domains", Reason: "at least one domain is required"})
	}
	tree := s.Tree()
	for _, d := range nt.Domains {
		switch {
		case !tree.Exists(d):
			errs = append(errs, FieldError{Field: "domains", Reason: fmt.Sprintf("domain %q does not exist", d)})
		case !s.Manages(Actor{Subject: creator}, access.Reach([]string{d})):
			errs = append(errs, FieldError{Field: "domains", Reason: fmt.Sprintf("domain %q is outside your domains", d)})
		}
	}
	if len(errs) > 0 {
		return TokenView{}, &InvalidError{Fields: errs}
	}
	secret, hash := access.NewToken()
	t := store.Token{Name: nt.Name, Hash: hash, Scopes: slices.Compact(slices.Sorted(slices.Values(nt.Scopes))),
		Domains: slices.Compact(slices.Sorted(slices.Values(nt.Domains))), CreatedBy: by.Name, CreatedAt: s.opts.Now().UTC()}
	id, err := s.st.CreateToken(ctx, t)
	if err != nil {
		return TokenView{}, err
	}
	t.ID = id
	v := tokenView(t)
	if err := s.Record(ctx, Event{Actor: by.Name, IP: by.IP, Task: "Create API Token", Workspace: "API Tokens", Result: audit.ResultSuccess,
		Text: fmt.Sprintf("User %s created API token %s.", by.Name, t.Name), Objects: []audit.Object{{Type: "API Token", ID: fmt.Sprint(id), Name: t.Name}},
		Detail: map[string]any{"after": map[string]any{"scopes": t.Scopes, "domains": t.Domains}}}); err != nil {
		return TokenView{}, err
	}
	v.Secret = secret
	return v, nil
}

// ListTokens returns the tokens the actor manages, without secrets: those
// whose every domain is within the actor's (Manages; the store filters by
// it). A token's domains are what it reads and writes, so a token of
// Global, or of a peer domain as well, is beyond an administrator of
// Global/EMEA whoever created it.
func (s *Service) ListTokens(ctx context.Context, by Actor) ([]TokenView, error) {
	ts, err := s.st.ListTokens(ctx, s.ManageScope(by))
	if err != nil {
		return nil, err
	}
	out := make([]TokenView, 0, len(ts))
	for _, t := range ts {
		if s.Manages(by, access.Reach(t.Domains)) {
			out = append(out, tokenView(t))
		}
	}
	return out, nil
}

// RevokeToken revokes a token the actor manages; any other token is
// answered as missing, as it is missing from the actor's listing.
func (s *Service) RevokeToken(ctx context.Context, by Actor, id int64) error {
	ts, err := s.st.ListTokens(ctx, s.ManageScope(by))
	if err != nil {
		return err
	}
	i := slices.IndexFunc(ts, func(t store.Token) bool { return t.ID == id })
	if i < 0 || !s.Manages(by, access.Reach(ts[i].Domains)) {
		return fmt.Errorf("error revoking token %d: %w", id, store.ErrNotFound)
	}
	if err := s.st.RevokeToken(ctx, id, s.opts.Now().UTC()); err != nil {
		return err
	}
	s.touchMu.Lock()
	for h, c := range s.tokens {
		if c.subject.TokenID == id {
			delete(s.tokens, h)
		}
	}
	s.touchMu.Unlock()
	return s.Record(ctx, Event{Actor: by.Name, IP: by.IP, Task: "Revoke API Token", Workspace: "API Tokens", Result: audit.ResultSuccess,
		Text: fmt.Sprintf("User %s revoked API token %d.", by.Name, id), Objects: []audit.Object{{Type: "API Token", ID: fmt.Sprint(id), Name: fmt.Sprint(id)}},
		Detail: map[string]any{"before": map[string]any{"revoked": false}, "after": map[string]any{"revoked": true}}})
}
