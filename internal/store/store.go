// Package store defines how Logbook keeps audit log entries: the Store
// interface every engine implements, the sentinel errors engines map their
// native errors to, and the query model (scope, filters, sort, cursor) that
// every read goes through. Engines live in the sqlite and postgres
// sub-packages; storetest holds the conformance suite both must pass.
package store

import (
	"context"
	"errors"
	"reflect"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/search"
)

// Sentinel errors. Engines wrap their native errors in these so that callers
// never need to know which engine they talk to.
var (
	ErrNotFound      = errors.New("not found")
	ErrConflict      = errors.New("conflict")
	ErrInvalidCursor = errors.New("invalid cursor")
)

// Store is the storage seam of Logbook.
type Store interface {
	Accounts
	Jobs
	Lifecycle
	Forwarding
	Log

	// Append stores entries in one durable transaction and extends the hash
	// chain over them. It sets ID, RecordedAt, PrevHash and Hash of each new
	// entry and returns the ID of every entry in order. An entry whose
	// (Source, EventID) was stored before, or earlier in the same call, is
	// not stored again: its ID is the one stored first.
	Append(ctx context.Context, entries []audit.Entry) ([]int64, error)

	// List returns one page of the entries that scope allows and q selects.
	List(ctx context.Context, scope Scope, q Query) (Page, error)

	// Count counts the entries that scope allows and f selects, stopping
	// soon after limit: above limit it returns some number greater than
	// limit, so that a caller can say "10,000+" without paying for an exact
	// count over millions.
	Count(ctx context.Context, scope Scope, f Filter, limit int) (int, error)

	// Estimate estimates how many entries scope allows and f selects when
	// a capped Count found more than n (see the function Estimate).
	Estimate(ctx context.Context, scope Scope, f Filter, n int) (int64, error)

	// Get returns one entry, or ErrNotFound when it does not exist or scope
	// does not allow it (the two are indistinguishable on purpose).
	Get(ctx context.Context, scope Scope, id int64) (audit.Entry, error)

	// Scan calls fn for every entry with an ID above afterID in ID order,
	// regardless of scope; it serves chain verification and export.
	Scan(ctx context.Context, afterID int64, fn func(*audit.Entry) error) error

	// Stats counts the entries scope allows and f selects by the values of
	// a text column, most frequent first, at most top groups.
	Stats(ctx context.Context, scope Scope, f Filter, by SortField, top int) ([]Group, error)

	// Histogram counts the entries scope allows and f selects per interval
	// (aligned to the Unix epoch), for intervals that have any.
	Histogram(ctx context.Context, scope Scope, f Filter, interval time.Duration) ([]Bucket, error)

	// ConfigChanges returns the configuration changes of an entry scope
	// allows (ErrNotFound otherwise), checked against the digest the hash
	// chain covers: an altered change is an error, never shown as true.
	ConfigChanges(ctx context.Context, scope Scope, id int64) ([]audit.ConfigChange, error)

	// Values returns the distinct values of a text column among the entries
	// scope allows, in order, at most limit of them; pick lists and
	// autocompletion offer them.
	Values(ctx context.Context, scope Scope, field SortField, limit int) ([]string, error)

	// Head returns the ID and hash of the last entry of the chain.
	Head(ctx context.Context) (int64, []byte, error)

	// WatchCommits calls fn with the highest committed id whenever any
	// process sharing the database commits entries, until ctx ends. An
	// engine that only this process writes to may simply wait for ctx:
	// the ingest writer announces its own commits.
	WatchCommits(ctx context.Context, fn func(lastID int64)) error

	// TryLock takes the named lock if no other process (or caller) holds
	// it, for work that must run once among replicas. ok is false when the
	// lock is held elsewhere; release gives it back.
	TryLock(ctx context.Context, name string) (release func(), ok bool, err error)

	// Ping reports whether the database answers.
	Ping(ctx context.Context) error

	Close() error
}

// Scope is the set of domains a caller may see: each of Domains and every
// domain below it, and each of Exact alone (a parent domain whose objects a
// child domain may read, without the parent's other children). The zero
// Scope sees nothing, so a forgotten scope fails closed.
type Scope struct {
	All     bool
	Domains []string
	Exact   []string
}

// AllDomains is the scope of a caller that may see every domain.
var AllDomains = Scope{All: true}

// Allows reports whether an entry of domain d is visible in s.
func (s Scope) Allows(d string) bool {
	if s.All {
		return true
	}
	for _, v := range s.Domains {
		if d == v || (len(d) > len(v) && d[:len(v)] == v && d[len(v)] == '/') {
			return true
		}
	}
	for _, v := range s.Exact {
		if d == v {
			return true
		}
	}
	return false
}

// Covers reports whether everything inner reaches lies within s: each of
// inner's Domains is one of s's Domains or below one (the whole subtree
// must be inside, so s's Exact domains do not cover it), each of inner's
// Exact domains is one s allows, and inner reaches all only if s does.
// It is the inclusion behind access.Tree.Manages, the rule that bounds
// every management listing.
func (s Scope) Covers(inner Scope) bool {
	if s.All {
		return true
	}
	if inner.All {
		return false
	}
	for _, d := range inner.Domains {
		if !(Scope{Domains: s.Domains}).Allows(d) {
			return false
		}
	}
	for _, d := range inner.Exact {
		if !s.Allows(d) {
			return false
		}
	}
	return true
}

// Match is one value of a text filter: an exact value or, with Prefix, every
// value that starts with it.
type Match struct {
	Value  string
	Prefix bool
}

// Filter selects entries. Within one field the values are alternatives (OR);
// across fields all must hold (AND). Empty fields do not filter.
type Filter struct {
	UserName    []Match
	UserIP      []Match
	Domain      []Match
	Application []Match
	Workspace   []Match
	Task        []Match
	Result      []Match
	JobID       []int64
	From        time.Time // inclusive; zero means unbounded
	To          time.Time // exclusive; zero means unbounded
	// Object selects entries that touched any of these objects.
	Object []ObjectRef
	// Search is a parsed search (the q= parameter); nil does not filter.
	Search *search.Query
	// ID selects the one entry with this id; zero does not filter.
	ID int64
	// AfterID selects entries recorded after the entry with this id; live
	// views count what arrived since they were rendered.
	AfterID int64
}

// OnlyWords reports whether f selects by positive free words of a search
// (not phrases) and nothing else: the text index alone answers it.
func (f Filter) OnlyWords() bool {
	if f.Search == nil || len(f.Search.Terms) > 0 || len(f.Search.Words) == 0 {
		return false
	}
	for _, w := range f.Search.Words {
		if w.Negate || w.Phrase {
			return false
		}
	}
	g := f
	g.Search = nil
	return reflect.ValueOf(g).IsZero()
}

// OnlyObject reports whether f selects the entries that touched one
// object, within From and To, and nothing else: the object index alone
// answers it.
func (f Filter) OnlyObject() (ObjectRef, bool) {
	refs := ObjectRefs(f)
	if len(refs) != 1 || (f.Search != nil && len(f.Search.Words) > 0) {
		return ObjectRef{}, false
	}
	if f.Search != nil {
		for _, t := range f.Search.Terms {
			if t.Field != search.FieldObject || t.Negate {
				return ObjectRef{}, false
			}
		}
	}
	g := f
	g.Object, g.Search, g.From, g.To = nil, nil, time.Time{}, time.Time{}
	return refs[0], reflect.ValueOf(g).IsZero()
}

// Matches returns the field of f that filters the text column field, nil
// for a column without one.
func (f *Filter) Matches(field SortField) *[]Match {
	switch field {
	case SortUserName:
		return &f.UserName
	case SortUserIP:
		return &f.UserIP
	case SortDomain:
		return &f.Domain
	case SortApplication:
		return &f.Application
	case SortWorkspace:
		return &f.Workspace
	case SortTask:
		return &f.Task
	case SortResult:
		return &f.Result
	}
	return nil
}

// WithValue returns f with the text column field equal to v.
func (f Filter) WithValue(field SortField, v string) Filter {
	if m := f.Matches(field); m != nil {
		*m = []Match{{Value: v}}
	}
	return f
}

// Query is a filtered, sorted, paged read.
type Query struct {
	Filter Filter
	Sort   Sort
	Limit  int
	// After continues from a cursor; nil reads the first page.
	After *Cursor
}

// Page is one page of entries in sort order.
type Page struct {
	Entries []audit.Entry
	// Next and Prev continue the listing forward and backward; nil when
	// there is nothing more in that direction.
	Next, Prev *Cursor
}

// ObjectRef names an affected object by type and name.
type ObjectRef struct {
	Type, Name string
}

// Group is one value of a column and how many entries have it.
type Group struct {
	Key   string `json:"key"`
	Count int64  `json:"count"`
}

// Bucket is the number of entries in the interval starting at Start.
type Bucket struct {
	Start time.Time `json:"start"`
	Count int64     `json:"count"`
}
