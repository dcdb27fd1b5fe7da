package api

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/search"
	"github.com/logbookhq/logbook/internal/store"
)

// Listing limits.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
	// CountCap is where totals stop being exact: beyond it the answer says
	// "more than CountCap", because an exact count over millions of
	// entries costs more than the page itself.
	CountCap = 10000
	// maxFilterValues bounds the alternatives of one filter.
	maxFilterValues = 50
)

type listResponse struct {
	AuditLogs   []audit.Entry `json:"audit_logs"`
	NextCursor  string        `json:"next_cursor,omitempty"`
	PrevCursor  string        `json:"prev_cursor,omitempty"`
	Total       int           `json:"total"`
	TotalCapped bool          `json:"total_capped"`
	// TotalEstimate estimates the total when it is capped.
	TotalEstimate int64 `json:"total_estimate,omitempty"`
}

func (h *Handler) listAuditLogs(w http.ResponseWriter, r *http.Request) (any, error) {
	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		return nil, err
	}
	scope := scopeOf(r)
	page, err := h.store.List(r.Context(), scope, q)
	if err != nil {
		return nil, err
	}
	n, err := h.store.Count(r.Context(), scope, q.Filter, CountCap)
	if err != nil {
		return nil, err
	}
	resp := listResponse{AuditLogs: page.Entries, Total: min(n, CountCap), TotalCapped: n > CountCap}
	if resp.TotalCapped {
		if resp.TotalEstimate, err = h.store.Estimate(r.Context(), scope, q.Filter, CountCap); err != nil {
			return nil, err
		}
	}
	if resp.AuditLogs == nil {
		resp.AuditLogs = []audit.Entry{}
	}
	if page.Next != nil {
		resp.NextCursor = page.Next.Encode()
	}
	if page.Prev != nil {
		resp.PrevCursor = page.Prev.Encode()
	}
	return resp, nil
}

// textFilters are the query parameters that filter a text column; a value
// ending in "*" matches by prefix.
var textFilters = []string{"user_name", "user_ip", "domain", "application", "workspace", "task", "result"}

// ParseQuery reads a listing query from URL parameters. Unknown parameters
// are refused so that a misspelt filter never silently shows everything.
func ParseQuery(v url.Values) (store.Query, error) {
	q := store.Query{Limit: DefaultLimit}
	for name := range v {
		switch name {
		case "user_name", "user_ip", "domain", "application", "workspace", "task", "result",
			"job_id", "object", "from", "to", "q", "after_id", "sort", "limit", "cursor":
		default:
			return q, badRequest(name, "is not a filter of audit logs")
		}
	}
	for _, name := range textFilters {
		ms, err := parseMatches(name, v[name])
		if err != nil {
			return q, err
		}
		switch name {
		case "user_name":
			q.Filter.UserName = ms
		case "user_ip":
			q.Filter.UserIP = ms
		case "domain":
			q.Filter.Domain = ms
		case "application":
			q.Filter.Application = ms
		case "workspace":
			q.Filter.Workspace = ms
		case "task":
			q.Filter.Task = ms
		case "result":
			q.Filter.Result = ms
		}
	}
	for _, s := range splitValues(v["job_id"]) {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return q, badRequest("job_id", "must be a positive integer")
		}
		q.Filter.JobID = append(q.Filter.JobID, id)
	}
	if s := v.Get("after_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id < 0 {
			return q, badRequest("after_id", "must be a non-negative integer")
		}
		q.Filter.AfterID = id
	}
	if len(q.Filter.JobID) > maxFilterValues {
		return q, badRequest("job_id", "has more than 50 values")
	}
	for _, s := range v["object"] {
		typ, name, ok := strings.Cut(s, ":")
		if !ok || typ == "" || name == "" || len(s) > audit.MaxNameLen+audit.MaxObjectNameLen+1 {
			return q, badRequest("object", "must be TYPE:NAME, such as Device:mx960-1")
		}
		q.Filter.Object = append(q.Filter.Object, store.ObjectRef{Type: typ, Name: name})
	}
	if len(q.Filter.Object) > maxFilterValues {
		return q, badRequest("object", "has more than 50 values")
	}
	if s := v.Get("q"); s != "" {
		sq, err := search.Parse(s, time.Now(), time.UTC)
		if err != nil {
			var se *search.SyntaxError
			if errors.As(err, &se) {
				pos := se.Pos
				return q, &Error{Status: http.StatusBadRequest, Message: "q: " + se.Error(), Position: &pos,
					Fields: []audit.FieldError{{Field: "q", Reason: se.Error()}}}
			}
			return q, badRequest("q", err.Error())
		}
		if err := store.CheckSearch(&sq); err != nil {
			return q, badRequest("q", strings.TrimPrefix(err.Error(), store.ErrUnsupportedSearch.Error()+": "))
		}
		q.Filter.Search = &sq
	}
	var err error
	if q.Filter.From, err = parseTime("from", v.Get("from")); err != nil {
		return q, err
	}
	if q.Filter.To, err = parseTime("to", v.Get("to")); err != nil {
		return q, err
	}
	if q.Sort, err = store.ParseSort(v.Get("sort")); err != nil {
		return q, badRequest("sort", "must be one of id, timestamp, user_name, user_ip, domain, application, workspace, task, result, job_id, optionally preceded by - for descending")
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return q, badRequest("limit", "must be an integer from 1 to 1000")
		}
		q.Limit = n
	}
	if c := v.Get("cursor"); c != "" {
		if q.After, err = store.DecodeCursor(c, q.Sort); err != nil {
			return q, badRequest("cursor", "is not a cursor this listing made for sort "+q.Sort.String())
		}
	}
	return q, nil
}

// splitValues accepts repeated parameters and comma-separated values.
func splitValues(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func parseMatches(name string, vals []string) ([]store.Match, error) {
	// Results never contain commas, so they may be given as a list; other
	// text values (task names, descriptions of users) may, so they repeat.
	if name == "result" {
		vals = splitValues(vals)
	}
	if len(vals) > maxFilterValues {
		return nil, badRequest(name, "has more than 50 values")
	}
	var out []store.Match
	for _, s := range vals {
		if s == "" {
			continue
		}
		if len(s) > audit.MaxDomainLen {
			return nil, badRequest(name, "is too long")
		}
		m := store.Match{Value: s}
		if strings.HasSuffix(s, "*") {
			m = store.Match{Value: strings.TrimSuffix(s, "*"), Prefix: true}
		}
		if name == "result" && !m.Prefix && !audit.Result(m.Value).Valid() {
			return nil, badRequest("result", "must be one of Success, Failure, Job Scheduled, Recurring Job Scheduled")
		}
		out = append(out, m)
	}
	return out, nil
}

func parseTime(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, badRequest(name, "must be an RFC 3339 time such as 2026-11-25T00:00:00Z")
	}
	return t, nil
}

func (h *Handler) getAuditLog(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, badRequest("id", "must be a positive integer")
	}
	return h.store.Get(r.Context(), scopeOf(r), id)
}
