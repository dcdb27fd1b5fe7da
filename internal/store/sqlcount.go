package store

// The SQL of counts, estimates, distinct values, statistics and
// histograms, built like the listings in sqlquery.go.

import (
	"fmt"
	"strings"
	"time"
)

// CountSQL builds a count that stops after limit+1 rows (per table).
func (d Dialect) CountSQL(scope Scope, f Filter, limit int, tables ...string) (string, []any) {
	b := &sqlBuilder{d: d}
	parts := make([]string, len(tables))
	for i, table := range tables {
		b.start(table, scope, f)
		parts[i] = "(SELECT count(*) FROM (SELECT 1 FROM " + table + b.whereSQL() + " LIMIT " + b.arg(limit+1) + ") AS capped)"
	}
	return "SELECT " + strings.Join(parts, " + "), b.args
}

// CountSQLEachDomain is CountSQL for a few known domains, as a sum of one
// capped count per domain and table: each walks its (domain, ts, id) index
// instead of one walk over every entry that an OR of domains makes.
func (d Dialect) CountSQLEachDomain(domains []string, f Filter, limit int, tables ...string) (string, []any) {
	return d.CountSQLEachValue(AllDomains, SortDomain, domains, f, limit, tables...)
}

// NthTimeSQLEachValue is NthTimeSQL as a union of one walk per value of
// the text column field (see ListSQLEachValue): the n-th time among the
// first n of each value.
func (d Dialect) NthTimeSQLEachValue(scope Scope, field SortField, values []string, f Filter, n int, desc bool, tables ...string) (string, []any) {
	b := &sqlBuilder{d: d}
	order := " ORDER BY ts ASC, id ASC"
	if desc {
		order = " ORDER BY ts DESC, id DESC"
	}
	var parts []string
	for _, v := range values {
		fv := f.WithValue(field, v)
		for _, table := range tables {
			b.start(table, scope, fv)
			parts = append(parts, "SELECT * FROM (SELECT ts, id FROM "+table+b.whereSQL()+order+" LIMIT "+b.arg(n)+") AS t"+fmt.Sprint(len(parts)))
		}
	}
	if len(parts) == 0 {
		return "SELECT 0 WHERE 1 = 0", nil
	}
	return "SELECT " + d.Micros + " FROM (" + strings.Join(parts, " UNION ALL ") + ") AS u" + order + " LIMIT 1 OFFSET " + b.arg(n-1), b.args
}

// NthTimeSQL builds a query of the time (microseconds since the epoch) of
// the n-th entry scope allows and f selects, newest first when desc; it
// yields no row when fewer match. Like a capped count it stops after n
// entries (per table).
func (d Dialect) NthTimeSQL(scope Scope, f Filter, n int, desc bool, tables ...string) (string, []any) {
	b := &sqlBuilder{d: d}
	order := " ORDER BY ts ASC, id ASC"
	if desc {
		order = " ORDER BY ts DESC, id DESC"
	}
	parts := make([]string, len(tables))
	for i, table := range tables {
		b.start(table, scope, f)
		parts[i] = "SELECT * FROM (SELECT ts, id FROM " + table + b.whereSQL() + order + " LIMIT " + b.arg(n) + ") AS t" + fmt.Sprint(i)
	}
	return "SELECT " + d.Micros + " FROM (" + strings.Join(parts, " UNION ALL ") + ") AS u" + order + " LIMIT 1 OFFSET " + b.arg(n-1), b.args
}

// estimateSample is how many of the newest matches an estimate takes the
// rate of.
const estimateSample = 1000

// Estimate estimates how many entries match when more than n do, from
// nth, the time of the n-th match (newest first when desc): it assumes
// that the rate of the newest matches holds back to the oldest match.
// Audit logs are steady enough for an "about" next to an exact "n+"; the
// cost is three short walks (estimateSample entries at most), never a
// scan of all matches. Callers ask when a capped count found more than n
// matches; it returns 0 when not even min(n, estimateSample)+1 match.
func Estimate(nth func(n int, desc bool) (micros int64, ok bool, err error), n int) (int64, error) {
	k := min(n, estimateSample)
	last, ok, err := nth(k+1, true)
	if err != nil || !ok {
		return 0, err
	}
	newest, _, err := nth(1, true)
	if err != nil {
		return 0, err
	}
	oldest, _, err := nth(1, false)
	if err != nil {
		return 0, err
	}
	if newest <= last {
		// k+1 matches in one microsecond: no rate to extrapolate.
		return int64(n + 1), nil
	}
	est := float64(k) * float64(newest-oldest) / float64(newest-last)
	return max(int64(est), int64(n+1)), nil
}

// ValuesSQL builds a query of the distinct values of a text column: a loose
// index scan that seeks from one value to the next, so that it costs one
// index lookup per distinct value instead of a walk over every entry. The
// values of all tables are merged.
func (d Dialect) ValuesSQL(scope Scope, field SortField, limit int, tables ...string) (string, []any, error) {
	col, ok := sortColumns[field]
	if !ok || field == SortID || field == SortTimestamp || field == SortJobID {
		return "", nil, fmt.Errorf("%q is not a text column", field)
	}
	b := &sqlBuilder{d: d}
	scoped := func() string {
		b.where = b.where[:0]
		b.scope(scope)
		if len(b.where) == 0 {
			return ""
		}
		return " AND " + strings.Join(b.where, " AND ")
	}
	parts := make([]string, len(tables))
	for i, table := range tables {
		first := "SELECT min(" + col + ") FROM " + table + " WHERE 1 = 1" + scoped()
		next := "SELECT min(" + col + ") FROM " + table + " WHERE " + col + " > v.x" + scoped()
		parts[i] = fmt.Sprintf("SELECT x FROM (WITH RECURSIVE v(x) AS (%s UNION ALL SELECT (%s) FROM v WHERE v.x IS NOT NULL) SELECT x FROM v WHERE x IS NOT NULL LIMIT %s) AS t%d",
			first, next, b.arg(limit), i)
	}
	return "SELECT DISTINCT x FROM (" + strings.Join(parts, " UNION ALL ") + ") AS u ORDER BY x LIMIT " + b.arg(limit), b.args, nil
}

// StatsSQL builds the counts of a column's values over every table.
func (d Dialect) StatsSQL(scope Scope, f Filter, by SortField, top int, tables ...string) (string, []any, error) {
	parts, args, err := d.StatsParts(scope, f, by, tables...)
	if err != nil {
		return "", nil, err
	}
	return d.TopGroups(parts, args, top)
}

// StatsParts builds the counts of a column's values per table, as
// queries of (k, n) rows for TopGroups to add up.
func (d Dialect) StatsParts(scope Scope, f Filter, by SortField, tables ...string) ([]string, []any, error) {
	col, ok := sortColumns[by]
	if !ok || by == SortID || by == SortTimestamp || by == SortJobID {
		return nil, nil, fmt.Errorf("%q is not a column to group by", by)
	}
	b := &sqlBuilder{d: d}
	parts := make([]string, len(tables))
	for i, table := range tables {
		b.start(table, scope, f)
		parts[i] = "SELECT " + col + " AS k, count(*) AS n FROM " + table + b.whereSQL() + " GROUP BY " + col
	}
	return parts, b.args, nil
}

// TopGroups adds up the (k, n) rows of parts, most frequent first.
func (d Dialect) TopGroups(parts []string, args []any, top int) (string, []any, error) {
	b := &sqlBuilder{d: d, args: args}
	return "SELECT k, sum(n) AS n FROM (" + strings.Join(parts, " UNION ALL ") + ") AS g GROUP BY k HAVING sum(n) > 0 ORDER BY n DESC, k LIMIT " + b.arg(top), b.args, nil
}

// HistogramSQL builds the counts per interval over every table.
func (d Dialect) HistogramSQL(scope Scope, f Filter, interval time.Duration, tables ...string) (string, []any) {
	parts, args := d.HistogramParts(scope, f, interval, tables...)
	return d.Buckets(parts), args
}

// HistogramParts builds the counts per interval per table, as queries of
// (k, n) rows for Buckets to add up.
func (d Dialect) HistogramParts(scope Scope, f Filter, interval time.Duration, tables ...string) ([]string, []any) {
	b := &sqlBuilder{d: d}
	step := interval.Microseconds()
	parts := make([]string, len(tables))
	for i, table := range tables {
		b.start(table, scope, f)
		bucket := fmt.Sprintf("(%s / %d) * %d", d.Micros, step, step)
		parts[i] = "SELECT " + bucket + " AS k, count(*) AS n FROM " + table + b.whereSQL() + " GROUP BY " + bucket
	}
	return parts, b.args
}

// Buckets adds up the (k, n) rows of parts per interval, in time order.
func (d Dialect) Buckets(parts []string) string {
	return "SELECT k, sum(n) AS n FROM (" + strings.Join(parts, " UNION ALL ") + ") AS h GROUP BY k HAVING sum(n) > 0 ORDER BY k"
}
