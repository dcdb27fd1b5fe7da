package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/store"
)

// Limits of a saved search.
const (
	maxSearchName  = 64
	maxSearchQuery = 4096
)

type savedLink struct {
	Name, URL string
}

// ownerOf keys a viewer's saved searches: users and tokens never share.
func ownerOf(r *http.Request) string {
	s := accounts.FromContext(r.Context()).Subject
	return string(s.Kind) + ":" + s.Name
}

// savedSearches lists the viewer's saved searches as grid links.
func (h *Handler) savedSearches(r *http.Request) []savedLink {
	ss, err := h.logs.SavedSearches(r.Context(), ownerOf(r))
	if err != nil {
		h.log.Warn("could not list saved searches", "error", err)
		return nil
	}
	out := make([]savedLink, len(ss))
	for i, s := range ss {
		out[i] = savedLink{Name: s.Name, URL: "/audit-logs?" + s.Query}
	}
	return out
}

// saveSearch keeps the grid's current search under a name.
func (h *Handler) saveSearch(w http.ResponseWriter, r *http.Request) (answer, error) {
	if !parseForm(w, r) {
		return nil, errFormUnreadable
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	query := r.PostFormValue("query")
	v, err := url.ParseQuery(query)
	switch {
	case name == "" || len(name) > maxSearchName || !utf8.ValidString(name) || strings.ContainsFunc(name, func(c rune) bool { return c < 0x20 }):
		return nil, badRequest("name: give a name of 1 to 64 characters")
	case len(query) > maxSearchQuery || err != nil:
		return nil, badRequest("query: the search is too long or malformed")
	}
	v.Del("cursor")
	v.Del("p")
	if err := h.logs.SaveSearch(r.Context(), store.SavedSearch{Owner: ownerOf(r), Name: name, Query: v.Encode(), CreatedAt: h.now().UTC()}); err != nil {
		return nil, err
	}
	return seeOther("/audit-logs?" + v.Encode()), nil
}

// deleteSearch forgets one of the viewer's saved searches.
func (h *Handler) deleteSearch(w http.ResponseWriter, r *http.Request) (answer, error) {
	if !parseForm(w, r) {
		return nil, errFormUnreadable
	}
	err := h.logs.DeleteSearch(r.Context(), ownerOf(r), r.PostFormValue("name"))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return seeOther("/audit-logs"), nil
}
