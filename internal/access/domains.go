package access

import (
	"fmt"
	"slices"
	"strings"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// Tree is the domain tree, built from the stored domains. Decisions about
// what a subject may see are made against it rather than against the
// subject's assignment alone, so that a domain deleted or never created
// grants nothing.
type Tree struct {
	domains map[string]store.Domain
}

// NewTree builds the tree from the stored domains. Global is always in it,
// as the store promises, even if ds does not list it.
func NewTree(ds []store.Domain) *Tree {
	t := &Tree{domains: make(map[string]store.Domain, len(ds)+1)}
	t.domains[audit.RootDomain] = store.Domain{Name: audit.RootDomain}
	for _, d := range ds {
		t.domains[d.Name] = d
	}
	return t
}

// Exists reports whether the domain name is in the tree.
func (t *Tree) Exists(name string) bool {
	_, ok := t.domains[name]
	return ok
}

// Scope is what a subject assigned these domains may read: each assigned
// domain with everything below it, plus, for each assigned domain whose
// ParentRead is set, its parent domain alone (store.Scope.Exact), never the
// parent's other children, as in Junos Space. A subject assigned "Global"
// sees all (store.Scope{All: true}). Domains not in the tree are ignored, so
// a stale assignment fails closed; with none left the zero Scope sees
// nothing. Domains already covered by another are dropped so that the
// queries the stores build stay short.
func (t *Tree) Scope(assigned []string) store.Scope {
	var s store.Scope
	for _, a := range assigned {
		d, ok := t.domains[a]
		if !ok {
			continue
		}
		if a == audit.RootDomain {
			return store.Scope{All: true}
		}
		s.Domains = append(s.Domains, a)
		if d.ParentRead {
			if p := Parent(a); p != "" {
				s.Exact = append(s.Exact, p)
			}
		}
	}
	slices.Sort(s.Domains)
	s.Domains = slices.Compact(s.Domains)
	// A domain below another assigned one adds nothing. Assignments are a
	// handful of domains, so comparing every pair costs nothing.
	all := s.Domains
	s.Domains = slices.DeleteFunc(slices.Clone(all), func(d string) bool {
		return slices.ContainsFunc(all, func(a string) bool { return below(d, a) })
	})
	if len(s.Domains) == 0 {
		s.Domains = nil
	}
	slices.Sort(s.Exact)
	s.Exact = slices.Compact(s.Exact)
	s.Exact = slices.DeleteFunc(s.Exact, func(e string) bool {
		return store.Scope{Domains: s.Domains}.Allows(e)
	})
	if len(s.Exact) == 0 {
		s.Exact = nil
	}
	return s
}

// CanWrite reports whether a subject assigned these domains may record
// entries in domain d: d is one of them or below one. Parent read access
// does not grant writing, because it exists to let a child domain see
// shared objects, not to act on the parent's behalf. Assigned domains not
// in the tree grant nothing, and neither does a d that is not a valid
// domain path; d itself need not be in the tree, since a reporting system
// may name domains Logbook has not been told about.
func (t *Tree) CanWrite(assigned []string, d string) bool {
	if audit.CheckDomain(d) != "" {
		return false
	}
	for _, a := range assigned {
		if t.Exists(a) && (d == a || below(d, a)) {
			return true
		}
	}
	return false
}

// Manages reports whether a subject assigned these domains may see and
// manage an object that reaches reach (see Reach): list it, change it,
// revoke or delete it. It is the one rule of every management listing
// and change (users, domains, tokens, forwarding criteria, purges, jobs):
// the object must lie wholly inside what the subject reads, Scope
// (assigned). A domain the object reaches with everything below it (a
// token's or a user's domain, a domain itself, a purge's domain) must be
// one of the subject's domains or below one; parent read access does not
// stretch to it, because it lets a child domain read its parent's own
// entries, not manage the parent's objects. A domain the object reaches
// alone (store.Scope.Exact: the parent a forwarding criterion or a job of
// a parent-read domain sees) needs only to be readable. So an object
// bound to Global, to every domain, or to a peer as well as to one of the
// subject's domains is beyond a subject of Global/EMEA, and a subject of
// Global manages everything. The store filters the listings of users,
// domains and tokens with the same rule in SQL (store.Dialect.WithinSQL).
func (t *Tree) Manages(assigned []string, reach store.Scope) bool {
	return t.Scope(assigned).Covers(reach)
}

// Reach is what an object bound to these domains reaches for Manages:
// each of them with everything below it. Global or the mark of every
// domain (store.AllDomainsMark, in purge anchors) reaches all, and so does
// an object bound to no domain, so that only a subject of Global manages
// it: a missing binding must not make an object everybody's.
func Reach(domains []string) store.Scope {
	if len(domains) == 0 || slices.Contains(domains, audit.RootDomain) || slices.Contains(domains, store.AllDomainsMark) {
		return store.AllDomains
	}
	return store.Scope{Domains: domains}
}

// Parent returns the parent path of domain d ("" for Global, which has
// none).
func Parent(d string) string {
	i := strings.LastIndexByte(d, '/')
	if i < 0 {
		return ""
	}
	return d[:i]
}

// CheckNewDomain validates a new domain name before it is stored: the
// rules of audit.CheckDomain (so that every domain can also appear in an
// entry), not Global itself, not an existing domain, and a parent that
// exists, because the tree has no gaps. The error names the problem in
// words an administrator can act on.
func (t *Tree) CheckNewDomain(name string) error {
	if name == audit.RootDomain {
		return fmt.Errorf("domain %q always exists and cannot be created", name)
	}
	if reason := audit.CheckDomain(name); reason != "" {
		return fmt.Errorf("domain %q %s", name, reason)
	}
	if t.Exists(name) {
		return fmt.Errorf("domain %q already exists", name)
	}
	if p := Parent(name); !t.Exists(p) {
		return fmt.Errorf("domain %q cannot be created: its parent %q does not exist", name, p)
	}
	return nil
}

// below reports whether domain d lies strictly below domain a.
func below(d, a string) bool {
	return len(d) > len(a) && d[len(a)] == '/' && d[:len(a)] == a
}
