package sqlite

// The plans of this file turn a time-ordered read of a few domains or of
// a few values of a column into a union of one walk per domain or value
// over the (value, ts, id) indexes, instead of sorting every entry of the
// range.

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/logbookhq/logbook/internal/store"
)

// maxDomainUnion bounds the per-domain union of a time-ordered listing;
// beyond it one query over the time index does better.
const maxDomainUnion = 32

// maxUnionArgs bounds the parameters of a plan that repeats the filter
// once per domain or value (ListSQLEachValue and its kin), and so the
// size of the filter it repeats. The time SQLite takes over such a union
// grows with about the square of its parameters, which is planning: at
// 300 entries a page took 20-50 ms at 1,000, 150 ms at 2,700, 1.8 s at
// 10,000, and 12 s for 30 copies of a filter of 200 prefix alternatives
// (a URL of prefix filters), which the one query over the time index
// answered in 12 ms. A larger union uses the one query,
// whose parameters stay far below SQLite's limit of 32,766 within the
// limits of the API and the search language.
const maxUnionArgs = 1000

// smallUnion returns a function that picks the union plan it is given
// when that stays within maxUnionArgs, else the one query and args.
func smallUnion(query string, args []any) func(string, []any) (string, []any) {
	return func(union string, unionArgs []any) (string, []any) {
		if len(unionArgs) > maxUnionArgs {
			return query, args
		}
		return union, unionArgs
	}
}

// fewDomains returns the domains a scoped or domain-filtered read covers,
// when they are few enough to read one by one (ok).
func (s *Store) fewDomains(ctx context.Context, scope store.Scope, f store.Filter) ([]string, bool, error) {
	if scope.All && len(f.Domain) == 0 {
		return nil, false, nil
	}
	domains, complete, err := s.domainsIn(ctx, scope, f.Domain)
	if err != nil || !complete || len(domains) > maxDomainUnion {
		return nil, false, err
	}
	return domains, true, nil
}

// prefixColumns are the indexed text columns whose prefix filters
// fewValues expands.
var prefixColumns = []store.SortField{store.SortUserName, store.SortTask, store.SortWorkspace, store.SortApplication, store.SortUserIP}

// fewValues finds a text column that f filters by a prefix and the few
// values it holds under the filter's prefixes, so that a time-ordered
// read walks the column's (value, ts, id) index once per value instead of
// sorting every entry of the range (user:admin* at ten million entries:
// 4 s before, milliseconds after). ok is false when there is none, or too
// many values.
func (s *Store) fewValues(ctx context.Context, f store.Filter) (store.SortField, []string, bool, error) {
	for _, field := range prefixColumns {
		ms := *f.Matches(field)
		if !slices.ContainsFunc(ms, func(m store.Match) bool { return m.Prefix }) {
			continue
		}
		var values []string
		for _, m := range ms {
			if !m.Prefix {
				values = append(values, m.Value)
				continue
			}
			vs, err := s.distinctValues(ctx, string(field), m.Value, m.Value+"\U0010FFFF", maxDomainUnion+1)
			if err != nil {
				return "", nil, false, err
			}
			values = append(values, vs...)
		}
		slices.Sort(values)
		values = slices.Compact(values)
		if len(values) > maxDomainUnion {
			return "", nil, false, nil
		}
		return field, values, true, nil
	}
	return "", nil, false, nil
}

// domainsIn returns the domains that hold entries, lie in scope and match
// the domain filter (any of its alternatives); complete is false when
// there are too many to list.
func (s *Store) domainsIn(ctx context.Context, scope store.Scope, filter []store.Match) ([]string, bool, error) {
	const most = 4 * maxDomainUnion
	// One loose index scan per scope root over a plain range, which SQLite
	// serves seek by seek; an OR of ranges would make it walk every entry.
	ranges := [][2]string{{"", "\U0010FFFF"}}
	if !scope.All {
		ranges = ranges[:0]
		for _, d := range append(append([]string{}, scope.Domains...), scope.Exact...) {
			ranges = append(ranges, [2]string{d, d + "/\U0010FFFF"})
		}
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range ranges {
		vals, err := s.distinctValues(ctx, "domain", r[0], r[1], most)
		if err != nil {
			return nil, false, err
		}
		if len(vals) >= most {
			return nil, false, nil
		}
		for _, d := range vals {
			if seen[d] || !scope.Allows(d) || !matchesAny(d, filter) {
				continue
			}
			seen[d] = true
			out = append(out, d)
		}
	}
	return out, len(out) < most, nil
}

func matchesAny(d string, filter []store.Match) bool {
	if len(filter) == 0 {
		return true
	}
	for _, m := range filter {
		if d == m.Value || (m.Prefix && strings.HasPrefix(d, m.Value)) {
			return true
		}
	}
	return false
}

// distinctValues lists the values of the indexed text column col in
// [lo, hi) of both tables by seeking from one value to the next.
func (s *Store) distinctValues(ctx context.Context, col, lo, hi string, limit int) ([]string, error) {
	var out []string
	for _, table := range tables {
		rows, err := s.r.QueryContext(ctx, `WITH RECURSIVE v(x) AS (
			SELECT (SELECT min(`+col+`) FROM `+table+` WHERE `+col+` >= ?1 AND `+col+` < ?2)
			UNION ALL
			SELECT (SELECT min(`+col+`) FROM `+table+` WHERE `+col+` > v.x AND `+col+` < ?2) FROM v WHERE v.x IS NOT NULL)
			SELECT x FROM v WHERE x IS NOT NULL LIMIT ?3`, lo, hi, limit)
		if err != nil {
			return nil, fmt.Errorf("error listing values of %s: %w", col, err)
		}
		for rows.Next() {
			var d string
			if err := rows.Scan(&d); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
