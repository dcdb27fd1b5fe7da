package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/store"
)

// decodeBody reads a JSON object into v, refusing unknown fields and
// bodies that do not say they are JSON (requireJSON).
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if isMaxBytes(err) {
			return err
		}
		err = decodeError(err, -1)
		var apiErr *Error
		if errors.As(err, &apiErr) {
			for i, f := range apiErr.Fields {
				if f.Reason == unknownEntryField {
					apiErr.Fields[i].Reason = "is not a field of this request"
					apiErr.Message = f.Field + ": is not a field of this request"
				}
			}
		}
		return err
	}
	return nil
}

// accountError turns a service error into an answer.
func accountError(err error) error {
	var inv *accounts.InvalidError
	if errors.As(err, &inv) {
		return &Error{Status: http.StatusBadRequest, Message: inv.Error() + "; nothing was changed", Fields: inv.Fields}
	}
	return err
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request) (any, error) {
	var nu accounts.NewUser
	if err := decodeBody(w, r, &nu); err != nil {
		return nil, err
	}
	u, err := h.auth.CreateUser(r.Context(), accounts.FromContext(r.Context()).Actor(), nu)
	if err != nil {
		return nil, accountError(err)
	}
	return created{u}, nil
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request) (any, error) {
	us, err := h.auth.ListUsers(r.Context(), accounts.FromContext(r.Context()).Actor())
	return map[string]any{"users": us}, err
}

func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request) (any, error) {
	var c accounts.UserChange
	if err := decodeBody(w, r, &c); err != nil {
		return nil, err
	}
	u, err := h.auth.UpdateUser(r.Context(), accounts.FromContext(r.Context()).Actor(), r.PathValue("name"), c)
	if err != nil {
		return nil, accountError(err)
	}
	return u, nil
}

func (h *Handler) unlockUser(w http.ResponseWriter, r *http.Request) (any, error) {
	unlocked := false
	u, err := h.auth.UpdateUser(r.Context(), accounts.FromContext(r.Context()).Actor(), r.PathValue("name"), accounts.UserChange{Locked: &unlocked})
	if err != nil {
		return nil, accountError(err)
	}
	return u, nil
}

func (h *Handler) createDomain(w http.ResponseWriter, r *http.Request) (any, error) {
	var d accounts.DomainView
	if err := decodeBody(w, r, &d); err != nil {
		return nil, err
	}
	out, err := h.auth.CreateDomain(r.Context(), accounts.FromContext(r.Context()).Actor(), d)
	if err != nil {
		return nil, accountError(err)
	}
	return created{out}, nil
}

func (h *Handler) listDomains(w http.ResponseWriter, r *http.Request) (any, error) {
	ds, err := h.auth.ListDomains(r.Context(), accounts.FromContext(r.Context()).Actor())
	return map[string]any{"domains": ds}, err
}

func (h *Handler) createToken(w http.ResponseWriter, r *http.Request) (any, error) {
	var nt accounts.NewToken
	if err := decodeBody(w, r, &nt); err != nil {
		return nil, err
	}
	req := accounts.FromContext(r.Context())
	t, err := h.auth.CreateToken(r.Context(), req.Actor(), req.Subject, nt)
	if err != nil {
		return nil, accountError(err)
	}
	return created{t}, nil
}

func (h *Handler) listTokens(w http.ResponseWriter, r *http.Request) (any, error) {
	ts, err := h.auth.ListTokens(r.Context(), accounts.FromContext(r.Context()).Actor())
	return map[string]any{"tokens": ts}, err
}

func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, badRequest("id", "must be a positive integer")
	}
	if err := h.auth.RevokeToken(r.Context(), accounts.FromContext(r.Context()).Actor(), id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, &Error{Status: http.StatusNotFound, Message: "no such token"}
		}
		return nil, err
	}
	return map[string]any{"revoked": id}, nil
}
