package query

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/search"
	"github.com/logbookhq/logbook/internal/store"
)

// params are the parameters of the API's audit log listing.
var params = []string{"user_name", "user_ip", "domain", "application", "workspace", "task", "result",
	"job_id", "object", "from", "to", "q", "after_id", "sort", "limit", "cursor"}

// textFilters are the columns a text parameter of the same name filters;
// a value ending in "*" matches by prefix.
var textFilters = []store.SortField{store.SortUserName, store.SortUserIP, store.SortDomain, store.SortApplication,
	store.SortWorkspace, store.SortTask, store.SortResult}

// gridPrefix are the text parameters that match by prefix in the grid:
// what a person types in a column filter is the start of what they look
// for. A value in double quotes matches exactly.
var gridPrefix = map[string]bool{"user_name": true, "user_ip": true, "domain": true, "workspace": true, "task": true}

// QuickRange is one of the grid's time ranges: range=24h shows the entries
// of the last 24 hours, whatever from and to say.
type QuickRange struct {
	Value, Label string
	Dur          time.Duration
}

// QuickRanges are the grid's time ranges, shortest first.
var QuickRanges = []QuickRange{
	{"1h", "Last hour", time.Hour},
	{"24h", "24 hours", 24 * time.Hour},
	{"7d", "7 days", 7 * 24 * time.Hour},
	{"30d", "30 days", 30 * 24 * time.Hour},
}

// Parse reads the API's audit log listing from URL parameters. Unknown
// parameters are refused, so that a misspelt filter never silently shows
// everything. now anchors relative times in q.
func Parse(v url.Values, now time.Time) (store.Query, error) { return parse(v, now, false) }

// ParseGrid reads the audit log grid's parameters: those of Parse, except
// that a value of user_name, user_ip, domain, workspace or task matches by
// prefix unless it is in double quotes; and range (a quick time range that
// replaces from and to), id (the Audit Log ID column's filter) and p (the
// page number the grid's pager keeps). A parameter without a value is no
// filter: the grid's forms send every field.
func ParseGrid(v url.Values, now time.Time) (store.Query, error) {
	v = nonEmpty(v)
	var from time.Time
	if r := v.Get("range"); r != "" {
		i := slices.IndexFunc(QuickRanges, func(q QuickRange) bool { return q.Value == r })
		if i < 0 {
			return store.Query{}, bad("range", "must be one of 1h, 24h, 7d, 30d")
		}
		from = now.Add(-QuickRanges[i].Dur).UTC().Truncate(time.Second)
		v = without(v, "from", "to")
	}
	q, err := parse(without(v, "p", "range", "id"), now, true)
	if err != nil {
		return q, err
	}
	if !from.IsZero() {
		q.Filter.From = from
	}
	if s := v.Get("id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return q, bad("id", "must be a positive integer")
		}
		q.Filter.ID = id
	}
	return q, nil
}

func parse(v url.Values, now time.Time, grid bool) (store.Query, error) {
	q := store.Query{Limit: DefaultLimit}
	for name := range v {
		if !slices.Contains(params, name) {
			return q, bad(name, "is not a filter of audit logs")
		}
	}
	var err error
	if q.Filter, err = parseFilter(v, now, grid); err != nil {
		return q, err
	}
	if q.Sort, err = store.ParseSort(v.Get("sort")); err != nil {
		return q, bad("sort", "must be one of id, timestamp, user_name, user_ip, domain, application, workspace, task, result, job_id, optionally preceded by - for descending")
	}
	if q.Limit, err = parseLimit(v, DefaultLimit); err != nil {
		return q, err
	}
	if c := v.Get("cursor"); c != "" {
		if q.After, err = store.DecodeCursor(c, q.Sort); err != nil {
			return q, badCursor(q.Sort.String())
		}
	}
	return q, nil
}

// parseFilter reads the filters of a listing, in the order the API has
// always checked them (which decides the field an answer names first).
func parseFilter(v url.Values, now time.Time, grid bool) (store.Filter, error) {
	var f store.Filter
	for _, field := range textFilters {
		name := string(field)
		ms, err := parseMatches(name, v[name], grid && gridPrefix[name])
		if err != nil {
			return f, err
		}
		*f.Matches(field) = ms
	}
	for _, s := range splitValues(v["job_id"]) {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return f, bad("job_id", "must be a positive integer")
		}
		f.JobID = append(f.JobID, id)
	}
	if s := v.Get("after_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id < 0 {
			return f, bad("after_id", "must be a non-negative integer")
		}
		f.AfterID = id
	}
	if len(f.JobID) > MaxFilterValues {
		return f, bad("job_id", "has more than 50 values")
	}
	for _, s := range v["object"] {
		typ, name, ok := strings.Cut(s, ":")
		if !ok || typ == "" || name == "" || len(s) > audit.MaxNameLen+audit.MaxObjectNameLen+1 {
			return f, bad("object", "must be TYPE:NAME, such as Device:mx960-1")
		}
		f.Object = append(f.Object, store.ObjectRef{Type: typ, Name: name})
	}
	if len(f.Object) > MaxFilterValues {
		return f, bad("object", "has more than 50 values")
	}
	if s := v.Get("q"); s != "" {
		sq, err := parseSearch(s, now)
		if err != nil {
			return f, err
		}
		f.Search = sq
	}
	var err error
	if f.From, err = parseTime("from", v.Get("from")); err != nil {
		return f, err
	}
	if f.To, err = parseTime("to", v.Get("to")); err != nil {
		return f, err
	}
	return f, nil
}

// parseSearch reads the search language of q at now (for relative times),
// refusing what the stores cannot search for.
func parseSearch(s string, now time.Time) (*search.Query, error) {
	sq, err := search.Parse(s, now, time.UTC)
	if err != nil {
		var se *search.SyntaxError
		if errors.As(err, &se) {
			pos := se.Pos
			return nil, &FieldError{Field: "q", Reason: se.Error(), Pos: &pos}
		}
		return nil, bad("q", err.Error())
	}
	if err := store.CheckSearch(&sq); err != nil {
		return nil, bad("q", strings.TrimPrefix(err.Error(), store.ErrUnsupportedSearch.Error()+": "))
	}
	return &sq, nil
}

// parseMatches reads the values of a text filter. Results never contain
// commas, so they may be given as a list; other text values (task names,
// descriptions of users) may, so they repeat. With prefix (the grid's
// column filters) a value matches by prefix unless it is quoted.
func parseMatches(name string, vals []string, prefix bool) ([]store.Match, error) {
	if name == "result" {
		vals = splitValues(vals)
	}
	if len(vals) > MaxFilterValues {
		return nil, bad(name, "has more than 50 values")
	}
	var out []store.Match
	for _, s := range vals {
		if s == "" {
			continue
		}
		if prefix {
			if len(s) >= 2 && strings.HasPrefix(s, `"`) && strings.HasSuffix(s, `"`) {
				s = s[1 : len(s)-1]
			} else if !strings.HasSuffix(s, "*") {
				s += "*"
			}
		}
		if len(s) > audit.MaxDomainLen {
			return nil, bad(name, "is too long")
		}
		m := store.Match{Value: s}
		if strings.HasSuffix(s, "*") {
			m = store.Match{Value: strings.TrimSuffix(s, "*"), Prefix: true}
		}
		if name == "result" && !m.Prefix && !audit.Result(m.Value).Valid() {
			return nil, bad("result", "must be one of Success, Failure, Job Scheduled, Recurring Job Scheduled")
		}
		out = append(out, m)
	}
	return out, nil
}

func parseLimit(v url.Values, def int) (int, error) {
	s := v.Get("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, bad("limit", "must be an integer from 1 to 1000")
	}
	return n, nil
}

func parseTime(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, bad(name, "must be an RFC 3339 time such as 2026-11-25T00:00:00Z")
	}
	return t, nil
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

// nonEmpty returns v without empty values, and without the parameters
// that had only those.
func nonEmpty(v url.Values) url.Values {
	out := url.Values{}
	for k, vals := range v {
		for _, s := range vals {
			if s != "" {
				out[k] = append(out[k], s)
			}
		}
	}
	return out
}

// without returns a copy of v without the parameters names.
func without(v url.Values, names ...string) url.Values {
	out := url.Values{}
	for k, vals := range v {
		if !slices.Contains(names, k) {
			out[k] = vals
		}
	}
	return out
}
