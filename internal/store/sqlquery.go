package store

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/search"
)

// Dialect is what the engines' listing SQL differs in. Both engines share
// the shape of the listing queries built here, so that a filter means the
// same on either; every value is a bound parameter, never SQL text.
type Dialect struct {
	// Placeholder returns the n-th (1-based) parameter marker.
	Placeholder func(n int) string
	// TimeArg converts a time to the engine's timestamp parameter.
	TimeArg func(time.Time) any
	// Micros is the SQL expression of ts in microseconds since the epoch.
	Micros string
	// ILike is the case-insensitive LIKE operator.
	ILike string
	// UnindexedTable, if set, is a table whose entries are not yet in
	// audit_objects (SQLite's buffer of recent entries); ObjectMatch is the
	// condition that an entry of it touched the object of type and name
	// (two placeholders).
	UnindexedTable string
	ObjectMatch    func(typ, name string) string
	// WordsQuery turns the tokens of a search's free words (WordTokens)
	// into the text index's query: every token must be a word of the
	// entry, or begin one when it ends in "*".
	WordsQuery func(words []string) string
	// WordsIndexed is the condition that an entry is among the text
	// index's matches for the query in the placeholder.
	WordsIndexed func(query string) string
	// WordsRow, if set, is the condition that an entry of table has words
	// that each of the LIKE patterns (WordPattern) in the placeholders
	// finds, checked row by row. Engines set it when the index
	// cannot answer a table (SQLite's buffer of recent entries) or when
	// scanning in sort order beats collecting every match (common words).
	WordsRow func(table string, patterns []string) string
	// IndexWords makes the positive free words of searches use the text
	// index on every table but UnindexedTable; otherwise they use WordsRow
	// when it is set. Engines decide it per query (see Search).
	IndexWords bool
	// IPNetwork is the condition that an entry's address lies in an IPv6
	// network, given as its first and last addresses (16 bytes each) and
	// its text; arg binds a value and returns its placeholder.
	IPNetwork func(arg func(any) string, first, last []byte, prefix string) string
	// WordsScanned, if set, is the condition that an entry met on a walk
	// in another index is among the text index's matches for the query in
	// the placeholder, checked against their list. With ScanWords it
	// replaces WordsRow on every table but UnindexedTable: a count walks
	// many entries, and a lookup in the list costs a tenth of reading each
	// entry's words, once the list is made.
	WordsScanned func(query string) string
	ScanWords    bool
	// ScanObjects makes object conditions checks of each entry that a walk
	// in another index meets ("+id IN ..."), instead of the list of the
	// object's entries that SQLite would fetch and sort: engines set it per
	// query when an object has many entries (see SQLite's planObjects).
	ScanObjects bool
}

// Columns are the audit log columns every listing reads, in scan order.
const Columns = "id, ts, recorded_at, user_name, user_ip, domain, application, workspace, task, result, job_id, description, affected_objects, detail, has_config_change, source, event_id, prev_hash, hash, config_digest"

// prefixEnd bounds a prefix range: every string starting with p sorts at or
// after p and before p followed by the largest code point.
const prefixEnd = "\U0010FFFF"

var sortColumns = map[SortField]string{
	SortID: "id", SortTimestamp: "ts", SortUserName: "user_name", SortUserIP: "user_ip",
	SortDomain: "domain", SortApplication: "application", SortWorkspace: "workspace",
	SortTask: "task", SortResult: "result", SortJobID: "job_id",
}

type sqlBuilder struct {
	d     Dialect
	args  []any
	where []string
	table string // the table the conditions are for
	// from and to bound the time of the filter being built (zero: none);
	// lookups in audit_objects take them too.
	from, to time.Time
}

func (b *sqlBuilder) arg(v any) string {
	b.args = append(b.args, v)
	return b.d.Placeholder(len(b.args))
}

func (b *sqlBuilder) scope(s Scope) {
	if cond := b.scopeOn("domain", s); cond != "" {
		b.where = append(b.where, cond)
	}
}

// scopeOn is the condition that the domain in col is one s allows; ""
// when s allows every domain.
func (b *sqlBuilder) scopeOn(col string, s Scope) string {
	if s.All {
		return ""
	}
	if len(s.Domains) == 0 && len(s.Exact) == 0 {
		return "1 = 0"
	}
	var ors []string
	for _, d := range s.Domains {
		ors = append(ors, fmt.Sprintf("%s = %s", col, b.arg(d)),
			fmt.Sprintf("(%s >= %s AND %s < %s)", col, b.arg(d+"/"), col, b.arg(d+"/"+prefixEnd)))
	}
	for _, d := range s.Exact {
		ors = append(ors, fmt.Sprintf("%s = %s", col, b.arg(d)))
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

func (b *sqlBuilder) matches(col string, ms []Match) {
	if len(ms) == 0 {
		return
	}
	var ors []string
	for _, m := range ms {
		if m.Prefix {
			ors = append(ors, fmt.Sprintf("(%s >= %s AND %s < %s)", col, b.arg(m.Value), col, b.arg(m.Value+prefixEnd)))
		} else {
			ors = append(ors, fmt.Sprintf("%s = %s", col, b.arg(m.Value)))
		}
	}
	b.where = append(b.where, "("+strings.Join(ors, " OR ")+")")
}

func (b *sqlBuilder) filter(f Filter) {
	b.from, b.to = f.From, f.To
	b.matches("user_name", f.UserName)
	b.matches("user_ip", f.UserIP)
	b.matches("domain", f.Domain)
	b.matches("application", f.Application)
	b.matches("workspace", f.Workspace)
	b.matches("task", f.Task)
	b.matches("result", f.Result)
	if len(f.JobID) > 0 {
		var ps []string
		for _, id := range f.JobID {
			ps = append(ps, b.arg(id))
		}
		b.where = append(b.where, "job_id IN ("+strings.Join(ps, ", ")+")")
	}
	if !f.From.IsZero() {
		b.where = append(b.where, "ts >= "+b.arg(b.d.TimeArg(f.From)))
	}
	if !f.To.IsZero() {
		b.where = append(b.where, "ts < "+b.arg(b.d.TimeArg(f.To)))
	}
	if f.ID > 0 {
		b.where = append(b.where, "id = "+b.arg(f.ID))
	}
	if len(f.Object) > 0 {
		var ors []string
		for _, o := range f.Object {
			ors = append(ors, b.object(o.Type, o.Name))
		}
		b.where = append(b.where, "("+strings.Join(ors, " OR ")+")")
	}
	if f.Search != nil {
		b.search(f.Search)
	}
	if f.AfterID > 0 {
		b.where = append(b.where, "id > "+b.arg(f.AfterID))
	}
}

// start begins the conditions of one table: the scope and the filter.
func (b *sqlBuilder) start(table string, scope Scope, f Filter) {
	b.where, b.table = b.where[:0], table
	b.scope(scope)
	b.filter(f)
}

func (b *sqlBuilder) whereSQL() string {
	if len(b.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(b.where, " AND ")
}

// ListSQL builds the query of one page: limit+1 rows so that the caller
// knows whether another page follows. Backward cursors read in the reverse
// order; PageFrom turns the rows around. With several tables (an engine
// that buffers recent entries in a table of their own) each table yields
// its own first rows and the union is ordered and cut again.
func (d Dialect) ListSQL(scope Scope, q Query, tables ...string) (string, []any) {
	return d.listSQLFrom(0, scope, q, tables...)
}

// listSQLFrom is ListSQL with placeholders numbered after offset others.
func (d Dialect) listSQLFrom(offset int, scope Scope, q Query, tables ...string) (string, []any) {
	b := &sqlBuilder{d: d, args: make([]any, offset)}
	keys := []string{sortColumns[q.Sort.Field], "ts", "id"}
	switch q.Sort.Field {
	case SortID:
		keys = []string{"id"}
	case SortTimestamp:
		keys = []string{"ts", "id"}
	}
	desc := q.Sort.Desc
	if q.After != nil && q.After.Backward {
		desc = !desc
	}
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	order := make([]string, len(keys))
	for i, k := range keys {
		order[i] = k + dir
	}
	orderBy := " ORDER BY " + strings.Join(order, ", ")
	parts := make([]string, len(tables))
	for i, table := range tables {
		b.start(table, scope, q.Filter)
		if c := q.After; c != nil {
			b.keyset(q.Sort.Field, keys, c, desc)
		}
		parts[i] = "SELECT " + Columns + " FROM " + table + b.whereSQL() + orderBy + " LIMIT " + b.arg(q.Limit+1)
	}
	if len(parts) == 1 {
		return parts[0], b.args[offset:]
	}
	for i := range parts {
		parts[i] = "SELECT * FROM (" + parts[i] + ")"
	}
	return strings.Join(parts, " UNION ALL ") + orderBy + " LIMIT " + b.arg(q.Limit+1), b.args[offset:]
}

// ListSQLEachDomain builds the same page as ListSQL for a time-ordered
// listing restricted to a few known domains, as a union of one query per
// domain: each walks its (domain, ts, id) index and stops after a page,
// and the union is ordered and cut again. Without it SQLite served a
// domain-scoped, newest-first page by collecting and sorting every entry
// of the scope (0.8 s at a million entries instead of a millisecond).
func (d Dialect) ListSQLEachDomain(domains []string, q Query, tables ...string) (string, []any) {
	return d.ListSQLEachValue(AllDomains, SortDomain, domains, q, tables...)
}

// ListSQLEachValue is ListSQLEachDomain for any indexed text column: one
// query per value of field, each with field equal to it, for a filter that
// names the column by a prefix that covers a few values (user:admin*).
func (d Dialect) ListSQLEachValue(scope Scope, field SortField, values []string, q Query, tables ...string) (string, []any) {
	var parts []string
	var args []any
	for _, v := range values {
		qd := q
		qd.Filter = q.Filter.WithValue(field, v)
		sql, a := d.listSQLFrom(len(args), scope, qd, tables...)
		parts = append(parts, "SELECT * FROM ("+sql+")")
		args = append(args, a...)
	}
	b := &sqlBuilder{d: d, args: args}
	order := orderSQL(q)
	return strings.Join(parts, " UNION ALL ") + order + " LIMIT " + b.arg(q.Limit+1), b.args
}

// CountSQLEachValue is CountSQL as a sum of one capped count per value of
// field (see ListSQLEachValue).
func (d Dialect) CountSQLEachValue(scope Scope, field SortField, values []string, f Filter, limit int, tables ...string) (string, []any) {
	var parts []string
	var args []any
	for _, v := range values {
		sql, a := d.CountSQL(scope, f.WithValue(field, v), limit, tables...)
		parts = append(parts, "("+sql+")")
		args = append(args, a...)
	}
	if len(parts) == 0 {
		return "SELECT 0", nil
	}
	return "SELECT " + strings.Join(parts, " + "), args
}

// orderSQL is the ORDER BY clause of a listing.
func orderSQL(q Query) string {
	keys := []string{sortColumns[q.Sort.Field], "ts", "id"}
	switch q.Sort.Field {
	case SortID:
		keys = []string{"id"}
	case SortTimestamp:
		keys = []string{"ts", "id"}
	}
	desc := q.Sort.Desc
	if q.After != nil && q.After.Backward {
		desc = !desc
	}
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	order := make([]string, len(keys))
	for i, k := range keys {
		order[i] = k + dir
	}
	return " ORDER BY " + strings.Join(order, ", ")
}

// keyset adds the condition "after the cursor" in the order of keys.
func (b *sqlBuilder) keyset(f SortField, keys []string, c *Cursor, desc bool) {
	var vals []string
	switch f {
	case SortID, SortTimestamp:
	case SortJobID:
		vals = append(vals, b.arg(c.Num))
	default:
		vals = append(vals, b.arg(c.Text))
	}
	if f != SortID {
		vals = append(vals, b.arg(b.d.TimeArg(time.UnixMicro(c.TS))))
	}
	vals = append(vals, b.arg(c.ID))
	op := ">"
	if desc {
		op = "<"
	}
	if len(keys) == 1 {
		b.where = append(b.where, fmt.Sprintf("%s %s %s", keys[0], op, vals[0]))
		return
	}
	b.where = append(b.where, fmt.Sprintf("(%s) %s (%s)", strings.Join(keys, ", "), op, strings.Join(vals, ", ")))
}

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

// ScopeSQL is the condition on a domain column that scope allows, with
// its arguments; "" when scope allows every domain.
func (d Dialect) ScopeSQL(scope Scope) (string, []any) {
	b := &sqlBuilder{d: d}
	b.scope(scope)
	if len(b.where) == 0 {
		return "", nil
	}
	return b.where[0], b.args
}

// object is the condition that an entry touched the object.
func (b *sqlBuilder) object(typ, name string) string {
	if b.d.UnindexedTable != "" && b.table == b.d.UnindexedTable {
		return b.d.ObjectMatch(b.arg(typ), b.arg(name))
	}
	cond := fmt.Sprintf("type = %s AND name = %s", b.arg(typ), b.arg(name))
	if !b.from.IsZero() {
		cond += " AND ts >= " + b.arg(b.d.TimeArg(b.from))
	}
	if !b.to.IsZero() {
		cond += " AND ts < " + b.arg(b.d.TimeArg(b.to))
	}
	id := "id"
	if b.d.ScanObjects {
		id = "+id"
	}
	return id + " IN (SELECT entry_id FROM audit_objects WHERE " + cond + ")"
}

// ObjectRefs returns the objects f selects entries by: its own and those
// of positive object terms of its search.
func ObjectRefs(f Filter) []ObjectRef {
	refs := append([]ObjectRef{}, f.Object...)
	if f.Search != nil {
		for _, t := range f.Search.Terms {
			if t.Field == search.FieldObject && !t.Negate {
				for _, v := range t.Values {
					refs = append(refs, ObjectRef{Type: v.Object.Type, Name: v.Object.Name})
				}
			}
		}
	}
	return refs
}

// PageFrom turns the rows a ListSQL query returned into a page with its
// cursors.
func PageFrom(rows []audit.Entry, q Query) Page {
	backward := q.After != nil && q.After.Backward
	more := len(rows) > q.Limit
	if more {
		rows = rows[:q.Limit]
	}
	p := Page{Entries: rows}
	if len(rows) == 0 {
		return p
	}
	first, last := &rows[0], &rows[len(rows)-1]
	if backward {
		slices.Reverse(rows)
		first, last = &rows[0], &rows[len(rows)-1]
		p.Next = CursorAt(q.Sort, last, false)
		if more {
			p.Prev = CursorAt(q.Sort, first, true)
		}
		return p
	}
	if more {
		p.Next = CursorAt(q.Sort, last, false)
	}
	if q.After != nil {
		p.Prev = CursorAt(q.Sort, first, true)
	}
	return p
}
