package query

import (
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

// Stats is a statistics request: counts of the entries Filter selects
// grouped by the column By (the Top most frequent), or per Interval for
// a time histogram, or both.
type Stats struct {
	Filter   store.Filter
	By       store.SortField // "" for no groups
	Top      int
	Interval time.Duration // 0 for no histogram
}

// ParseStats reads the parameters of a statistics request: the listing
// filters of Parse plus group_by and top, or interval (hour or day).
func ParseStats(v url.Values, now time.Time) (Stats, error) {
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
			return Stats{}, bad(k, "is not a parameter of statistics")
		}
	}
	q, err := Parse(rest, now)
	if err != nil {
		return Stats{}, err
	}
	s := Stats{Filter: q.Filter, Top: 10}
	switch v.Get("interval") {
	case "":
	case "hour":
		s.Interval = time.Hour
	case "day":
		s.Interval = 24 * time.Hour
	default:
		return s, bad("interval", "must be hour or day")
	}
	if t := v.Get("top"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > maxTop {
			return s, bad("top", "must be an integer from 1 to 100")
		}
		s.Top = n
	}
	if g := v.Get("group_by"); g != "" {
		for _, f := range StatsFields {
			if string(f) == g {
				s.By = f
			}
		}
		if s.By == "" {
			return s, bad("group_by", "must be one of task, user_name, workspace, application, result, domain, user_ip")
		}
	} else if s.Interval == 0 {
		return s, bad("group_by", "is required (or interval for a histogram)")
	}
	return s, nil
}
