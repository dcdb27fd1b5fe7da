// Package api serves the native JSON API under /api/v1. Every handler
// returns a value or an error; one wrapper writes the JSON, maps errors to
// status codes and logs, so that every answer looks the same and no
// internal error text reaches a client.
package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/query"
	"github.com/logbookhq/logbook/internal/store"
)

// Error is an error a client may see. Fields names each bad field.
type Error struct {
	Status  int                `json:"-"`
	Message string             `json:"error"`
	Fields  []audit.FieldError `json:"fields,omitempty"`
	// State is a job's current state when a transition was refused.
	State string `json:"state,omitempty"`
	// Position is the byte offset of a search's syntax error.
	Position *int `json:"position,omitempty"`
}

func (e *Error) Error() string { return e.Message }

func badRequest(field, reason string) *Error {
	return &Error{Status: http.StatusBadRequest, Message: field + ": " + reason,
		Fields: []audit.FieldError{{Field: field, Reason: reason}}}
}

// fieldError answers a parameter the query parser refused.
func fieldError(fe *query.FieldError) *Error {
	e := badRequest(fe.Field, fe.Reason)
	e.Position = fe.Pos
	return e
}

// created wraps a value that is answered with 201 Created.
type created struct{ v any }

// accepted wraps a value that is answered with 202 Accepted.
type accepted struct{ v any }

type handlerFunc func(w http.ResponseWriter, r *http.Request) (any, error)

// errAnswered is returned by a handler that wrote its answer itself (a
// redirect, a file).
var errAnswered = errors.New("answered")

func (h *Handler) wrap(fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := fn(w, r)
		if errors.Is(err, errAnswered) {
			return
		}
		status := http.StatusOK
		if c, ok := v.(created); ok {
			status, v = http.StatusCreated, c.v
		}
		if a, ok := v.(accepted); ok {
			status, v = http.StatusAccepted, a.v
		}
		if err != nil {
			var apiErr *Error
			var fe *query.FieldError
			var tooBig *http.MaxBytesError
			switch {
			case errors.As(err, &apiErr):
			case errors.As(err, &fe):
				apiErr = fieldError(fe)
			case errors.As(err, &tooBig):
				apiErr = &Error{Status: http.StatusRequestEntityTooLarge, Message: "request body is larger than the limit"}
			case errors.Is(err, store.ErrNotFound):
				apiErr = &Error{Status: http.StatusNotFound, Message: "not found"}
			case errors.Is(err, store.ErrInvalidCursor):
				apiErr = badRequest("cursor", "is not a cursor this listing made")
			case errors.Is(err, r.Context().Err()) && r.Context().Err() != nil:
				return // the client has gone
			default:
				h.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
				apiErr = &Error{Status: http.StatusInternalServerError, Message: "internal error; the server log has the details"}
			}
			status, v = apiErr.Status, apiErr
		}
		writeJSON(w, status, v)
	}
}

// requireJSON refuses a body whose Content-Type is not application/json
// (415). A browser sends text/plain, form encodings or no type at all
// across sites without asking the server first (CORS "simple requests");
// it never sends application/json so. Demanding it keeps a forged write
// from reaching a JSON handler even if the cross-origin checks before it
// fail.
func requireJSON(r *http.Request) error {
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || ct != "application/json" {
		return &Error{Status: http.StatusUnsupportedMediaType, Message: "Content-Type must be application/json"}
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		slog.Debug("error writing response", "error", err)
	}
}
