package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/audit"
)

type ingestResponse struct {
	IDs []int64 `json:"ids"`
}

// unknownEntryField is the reason given for a field an entry does not have.
const unknownEntryField = "is not a field of an audit log entry"

// maxFieldErrors bounds the errors one answer lists.
const maxFieldErrors = 100

// ingestAuditLogs takes one entry or an array of up to MaxBatch entries.
// Either every entry is valid and all are stored together, or none is.
func (h *Handler) ingestAuditLogs(w http.ResponseWriter, r *http.Request) (any, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/x-ndjson") {
		return nil, &Error{Status: http.StatusUnsupportedMediaType, Message: "Content-Type must be application/json"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		return nil, err
	}
	inputs, single, err := decodeInputs(body)
	if err != nil {
		return nil, err
	}
	now := h.now()
	source := sourceOf(r)
	req := accounts.FromContext(r.Context())
	tree := h.auth.Tree()
	entries := make([]audit.Entry, 0, len(inputs))
	var fieldErrs []audit.FieldError
	for i, in := range inputs {
		e, errs := audit.Validate(in, now)
		for _, fe := range errs {
			if !single {
				fe.Field = fmt.Sprintf("[%d].%s", i, fe.Field)
			}
			fieldErrs = append(fieldErrs, fe)
		}
		e.Source = source
		entries = append(entries, e)
	}
	if len(fieldErrs) > 0 {
		return nil, invalid(fieldErrs)
	}
	if err := h.checkJobIDs(r, entries, single); err != nil {
		return nil, err
	}
	for i, e := range entries {
		if !tree.CanWrite(req.Subject.Domains, e.Domain) {
			field := "domain"
			if !single {
				field = fmt.Sprintf("[%d].domain", i)
			}
			return nil, &Error{Status: http.StatusForbidden, Message: field + ": outside the domains this token may write to; nothing was stored",
				Fields: []audit.FieldError{{Field: field, Reason: "outside the domains this token may write to"}}}
		}
	}
	ids, err := h.writer.Submit(r.Context(), entries)
	if err != nil {
		return nil, fmt.Errorf("error storing audit logs: %w", err)
	}
	return created{ingestResponse{IDs: ids}}, nil
}

func invalid(errs []audit.FieldError) *Error {
	msg := fmt.Sprintf("%d invalid field(s); nothing was stored", len(errs))
	if len(errs) == 1 {
		msg = errs[0].Error() + "; nothing was stored"
	}
	if len(errs) > maxFieldErrors {
		errs = errs[:maxFieldErrors]
	}
	return &Error{Status: http.StatusBadRequest, Message: msg, Fields: errs}
}

// decodeInputs reads one JSON object, a JSON array of objects, or
// newline-delimited objects; single tells a lone object, whose fields are
// named without an index in errors.
func decodeInputs(body []byte) (inputs []audit.Input, single bool, err error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, false, badRequest("body", "is empty")
	}
	first := trimmed[0]
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var out []audit.Input
	decodeOne := func() error {
		if len(out) == MaxBatch {
			return &Error{Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("a request may carry at most %d entries", MaxBatch)}
		}
		index := len(out)
		if first == '{' && index == 0 {
			index = -1 // a single object: name the field alone
		}
		start := dec.InputOffset()
		var in audit.Input
		if err := dec.Decode(&in); err != nil {
			return decodeEntryError(err, index, body[start:])
		}
		out = append(out, in)
		return nil
	}
	switch first {
	case '[':
		if _, err := dec.Token(); err != nil {
			return nil, false, decodeError(err, -1)
		}
		for dec.More() {
			if err := decodeOne(); err != nil {
				return nil, false, err
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, false, decodeError(err, -1)
		}
		if len(out) == 0 {
			return nil, false, badRequest("body", "is an empty array")
		}
	case '{':
		for dec.More() {
			if err := decodeOne(); err != nil {
				return nil, false, err
			}
		}
	default:
		return nil, false, badRequest("body", "must be a JSON object, an array of objects or NDJSON")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, false, badRequest("body", "has data after the JSON value")
	}
	return out, first == '{' && len(out) == 1, nil
}

func isMaxBytes(err error) bool {
	var tooBig *http.MaxBytesError
	return errors.As(err, &tooBig)
}

// decodeEntryError is decodeError for one entry; rest is the body from
// where the entry starts, so that an unknown field is named with its path.
func decodeEntryError(err error, index int, rest []byte) error {
	const unknown = "json: unknown field "
	if !strings.HasPrefix(err.Error(), unknown) {
		return decodeError(err, index)
	}
	name := strings.Trim(strings.TrimPrefix(err.Error(), unknown), `"`)
	path := name
	var top map[string]json.RawMessage
	json.NewDecoder(bytes.NewReader(bytes.TrimLeft(rest, " \t\r\n,"))).Decode(&top)
	if _, ok := top[name]; !ok {
		var objects []map[string]json.RawMessage
		json.Unmarshal(top["affected_objects"], &objects)
		for i, o := range objects {
			if _, ok := o[name]; ok {
				path = fmt.Sprintf("affected_objects[%d].%s", i, name)
				break
			}
		}
	}
	if index >= 0 {
		path = fmt.Sprintf("[%d].%s", index, path)
	}
	return badRequest(path, unknownEntryField)
}

// decodeError turns a JSON decoding error into a client error naming the
// field where possible. index is the entry's position, -1 for the array.
func decodeError(err error, index int) error {
	if isMaxBytes(err) {
		return err
	}
	prefix := ""
	if index >= 0 {
		prefix = fmt.Sprintf("[%d].", index)
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "entry"
		}
		return badRequest(prefix+field, "must be a JSON "+jsonKind(typeErr.Type.Kind().String()))
	case errors.As(err, &syntaxErr):
		return badRequest("body", fmt.Sprintf("is not valid JSON at byte %d: %s", syntaxErr.Offset, syntaxErr.Error()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badRequest(prefix+name, unknownEntryField)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return badRequest("body", "ends before the JSON value does")
	}
	return badRequest("body", "is not valid JSON")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "int64", "int", "ptr":
		return "integer"
	case "slice":
		return "array"
	case "struct":
		return "object"
	}
	return "value of another type"
}

// checkJobIDs refuses entries that name a job Logbook does not know, so
// that a Job ID link never leads nowhere.
func (h *Handler) checkJobIDs(r *http.Request, entries []audit.Entry, single bool) error {
	var ids []int64
	for _, e := range entries {
		if e.JobID != 0 {
			ids = append(ids, e.JobID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	missing, err := h.jobs.Missing(r.Context(), ids)
	if err != nil || len(missing) == 0 {
		return err
	}
	var errs []audit.FieldError
	for i, e := range entries {
		if slices.Contains(missing, e.JobID) {
			field := "job_id"
			if !single {
				field = fmt.Sprintf("[%d].job_id", i)
			}
			errs = append(errs, audit.FieldError{Field: field, Reason: fmt.Sprintf("no job %d is registered (POST /api/v1/jobs first)", e.JobID)})
		}
	}
	return invalid(errs)
}
