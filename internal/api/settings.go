package api

import (
	"errors"
	"net/http"

	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/settings"
)

func (l *Lifecycle) getSettings(w http.ResponseWriter, r *http.Request) (any, error) {
	return l.settings.Get(r.Context())
}

// putSettings changes the settings given; every bad field is named and
// nothing changes then.
func (l *Lifecycle) putSettings(w http.ResponseWriter, r *http.Request) (any, error) {
	var c settings.Change
	if err := decodeBody(w, r, &c); err != nil {
		return nil, err
	}
	s, err := l.settings.Update(r.Context(), accounts.FromContext(r.Context()), c)
	var inv *settings.InvalidError
	switch {
	case errors.As(err, &inv):
		return nil, &Error{Status: http.StatusBadRequest, Message: inv.Error(), Fields: inv.Fields}
	case errors.Is(err, settings.ErrForbidden):
		return nil, &Error{Status: http.StatusForbidden, Message: err.Error()}
	case err != nil:
		return nil, jobError(err)
	}
	return s, nil
}
