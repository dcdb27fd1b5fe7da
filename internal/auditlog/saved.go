package auditlog

import (
	"context"

	"github.com/logbookhq/logbook/internal/store"
)

// SavedSearches returns the grid searches owner keeps, by name.
func (s *Service) SavedSearches(ctx context.Context, owner string) ([]store.SavedSearch, error) {
	return s.st.SavedSearches(ctx, owner)
}

// SaveSearch keeps a grid search under its owner and name, replacing one
// of the same name.
func (s *Service) SaveSearch(ctx context.Context, ss store.SavedSearch) error {
	return s.st.SaveSearch(ctx, ss)
}

// DeleteSearch forgets one of owner's searches; store.ErrNotFound when
// there is none of that name.
func (s *Service) DeleteSearch(ctx context.Context, owner, name string) error {
	return s.st.DeleteSearch(ctx, owner, name)
}
