package query

import (
	"net/url"
	"strconv"
	"time"

	"github.com/logbookhq/logbook/internal/search"
	"github.com/logbookhq/logbook/internal/store"
)

// Values writes q as the API's listing parameters, which Parse reads back
// to a query that selects, orders and pages alike: what the grid links to
// when it offers its view as an export. The default sort, the default
// limit and the first page are left out.
//
// Filter.ID, the grid's Audit Log ID filter, has no parameter of its own
// in the API; it is written as an id: term of q, which selects the same
// entry.
func Values(q store.Query) url.Values {
	v := filterValues(q.Filter)
	if q.Sort != store.DefaultSort {
		v.Set("sort", q.Sort.String())
	}
	if q.Limit != 0 && q.Limit != DefaultLimit {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.After != nil {
		v.Set("cursor", q.After.Encode())
	}
	return v
}

func filterValues(f store.Filter) url.Values {
	v := url.Values{}
	for _, field := range textFilters {
		for _, m := range *f.Matches(field) {
			s := m.Value
			if m.Prefix {
				s += "*"
			}
			v.Add(string(field), s)
		}
	}
	for _, id := range f.JobID {
		v.Add("job_id", strconv.FormatInt(id, 10))
	}
	for _, o := range f.Object {
		v.Add("object", o.Type+":"+o.Name)
	}
	if s := searchText(f); s != "" {
		v.Set("q", s)
	}
	for name, t := range map[string]time.Time{"from": f.From, "to": f.To} {
		if !t.IsZero() {
			v.Set(name, t.UTC().Format(time.RFC3339Nano))
		}
	}
	if f.AfterID > 0 {
		v.Set("after_id", strconv.FormatInt(f.AfterID, 10))
	}
	return v
}

// searchText prints the search of f, with f.ID as an id: term.
func searchText(f store.Filter) string {
	var sq search.Query
	if f.Search != nil {
		sq = *f.Search
	}
	if f.ID > 0 {
		id := strconv.FormatInt(f.ID, 10)
		sq.Terms = append(sq.Terms[:len(sq.Terms):len(sq.Terms)], search.Term{Field: search.FieldID, Values: []search.Value{{Text: id, Num: f.ID}}})
	}
	return sq.String()
}
