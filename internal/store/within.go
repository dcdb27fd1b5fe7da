package store

// The management listings (users, domains, tokens) show an administrator
// only the objects that lie wholly inside their part of the domain tree
// (access.Tree.Manages). The conditions here are that rule in SQL, so
// that the engines filter those listings in the query rather than after
// it: an object bound to one domain beyond the administrator's is not
// read at all.

// WithinSQL is the condition that a row's list of domains is not empty
// and that each domain in it is one of within.Domains or lies below one;
// "" (no condition) when within is All. within.Exact counts for nothing:
// it lets a child domain read its parent's own entries, never manage the
// parent's objects. A row bound to no domain is thus listed only for All,
// as if it were bound to Global.
//
// elems is the engine's FROM item that yields the row's domains one per
// row (SQLite: json_each(tokens.domains) AS reach; PostgreSQL:
// unnest(tokens.domains) AS reach(domain)) and col the expression of one
// of them, which must compare byte-wise (PostgreSQL: COLLATE "C"). The
// placeholders are numbered from 1.
func (d Dialect) WithinSQL(elems, col string, within Scope) (string, []any) {
	if within.All {
		return "", nil
	}
	b := &sqlBuilder{d: d}
	cond := b.scopeOn(col, Scope{Domains: within.Domains})
	return "EXISTS (SELECT 1 FROM " + elems + ") AND NOT EXISTS (SELECT 1 FROM " + elems + " WHERE NOT (" + cond + "))", b.args
}

// DomainWithinSQL is the condition that the domain in col is one of
// within.Domains or lies below one (never one of within.Exact alone); ""
// when within is All. The placeholders are numbered from 1.
func (d Dialect) DomainWithinSQL(col string, within Scope) (string, []any) {
	if within.All {
		return "", nil
	}
	b := &sqlBuilder{d: d}
	return b.scopeOn(col, Scope{Domains: within.Domains}), b.args
}

// WhereSQL prefixes a condition from WithinSQL or DomainWithinSQL with
// WHERE, or is "" when there is none.
func WhereSQL(cond string) string {
	if cond == "" {
		return ""
	}
	return " WHERE " + cond
}
