package api

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

// StatsFields are the columns statistics group by.
var StatsFields = []store.SortField{store.SortTask, store.SortUserName, store.SortWorkspace,
	store.SortApplication, store.SortResult, store.SortDomain, store.SortUserIP}

// maxTop bounds the groups one answer holds.
const maxTop = 100

// ParseStats reads the parameters of a statistics request: the listing
// filters plus group_by and top, or interval for a time histogram.
func ParseStats(v url.Values) (store.Filter, store.SortField, int, time.Duration, error) {
	rest := url.Values{}
	for k, vals := range v {
		switch k {
		case "group_by", "top", "interval":
		default:
			rest[k] = vals
		}
	}
	for _, k := range []string{"sort", "limit", "cursor"} {
		if rest.Has(k) {
			return store.Filter{}, "", 0, 0, badRequest(k, "is not a parameter of statistics")
		}
	}
	q, err := ParseQuery(rest)
	if err != nil {
		return store.Filter{}, "", 0, 0, err
	}
	var interval time.Duration
	switch v.Get("interval") {
	case "":
	case "hour":
		interval = time.Hour
	case "day":
		interval = 24 * time.Hour
	default:
		return q.Filter, "", 0, 0, badRequest("interval", "must be hour or day")
	}
	top := 10
	if s := v.Get("top"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxTop {
			return q.Filter, "", 0, 0, badRequest("top", "must be an integer from 1 to 100")
		}
		top = n
	}
	var by store.SortField
	if s := v.Get("group_by"); s != "" {
		for _, f := range StatsFields {
			if string(f) == s {
				by = f
			}
		}
		if by == "" {
			return q.Filter, "", 0, 0, badRequest("group_by", "must be one of task, user_name, workspace, application, result, domain, user_ip")
		}
	} else if interval == 0 {
		return q.Filter, "", 0, 0, badRequest("group_by", "is required (or interval for a histogram)")
	}
	return q.Filter, by, top, interval, nil
}

// auditLogStats answers counts grouped by a column, or per interval.
func (h *Handler) auditLogStats(w http.ResponseWriter, r *http.Request) (any, error) {
	f, by, top, interval, err := ParseStats(r.URL.Query())
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if by != "" {
		groups, err := h.store.Stats(r.Context(), scopeOf(r), f, by, top)
		if err != nil {
			return nil, err
		}
		out["group_by"], out["groups"] = by, groups
	}
	if interval > 0 {
		buckets, err := h.store.Histogram(r.Context(), scopeOf(r), f, interval)
		if err != nil {
			return nil, err
		}
		out["interval"], out["buckets"] = r.URL.Query().Get("interval"), buckets
	}
	return out, nil
}
