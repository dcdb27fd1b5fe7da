package store

import (
	"github.com/logbookhq/logbook/internal/search"
)

// Normalize moves the positive field terms of f's search into f's own
// fields where those are empty, and its time bounds into From and To. The
// selection is the same; the engines plan better with it: a domain term
// gets SQLite's walk per domain, and a search by time alone is answered
// from its counts per hour.
func Normalize(f Filter) Filter {
	if f.Search == nil || len(f.Search.Terms) == 0 {
		return f
	}
	fields := map[search.Field]*[]Match{
		search.FieldUserName: &f.UserName, search.FieldUserIP: &f.UserIP, search.FieldDomain: &f.Domain,
		search.FieldApplication: &f.Application, search.FieldWorkspace: &f.Workspace,
		search.FieldTask: &f.Task, search.FieldResult: &f.Result,
	}
	q := &search.Query{Words: f.Search.Words}
	for _, t := range f.Search.Terms {
		if t.Negate {
			q.Terms = append(q.Terms, t)
			continue
		}
		if dst, ok := fields[t.Field]; ok && len(*dst) == 0 && plain(t) {
			for _, v := range t.Values {
				*dst = append(*dst, Match{Value: v.Text, Prefix: v.Prefix})
			}
			continue
		}
		switch {
		case t.Field == search.FieldAfter && len(t.Values) == 1:
			if v := t.Values[0].Time; f.From.IsZero() || v.After(f.From) {
				f.From = v
			}
		case t.Field == search.FieldBefore && len(t.Values) == 1:
			if v := t.Values[0].Time; f.To.IsZero() || v.Before(f.To) {
				f.To = v
			}
		case t.Field == search.FieldJobID && len(f.JobID) == 0:
			for _, v := range t.Values {
				f.JobID = append(f.JobID, v.Num)
			}
		default:
			q.Terms = append(q.Terms, t)
		}
	}
	f.Search = q
	if len(q.Terms) == 0 && len(q.Words) == 0 {
		f.Search = nil
	}
	return f
}

// plain reports whether every value of t is a text or prefix match (an IP
// network is not).
func plain(t search.Term) bool {
	for _, v := range t.Values {
		if v.Prefix4CIDR.IsValid() {
			return false
		}
	}
	return true
}
