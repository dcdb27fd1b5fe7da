// Package auditlog is the read service of the audit log: listings with
// their totals, single entries and their configuration changes,
// statistics, pick-list values, saved searches and streamed exports, each
// within the caller's scope. The API, the pages and export jobs read
// through it, so that "list, count, estimate past the cap" and the export
// loop are written once, and none of them talks to the store for entries.
//
// What a caller asks for arrives already parsed (package query); the
// service only reads. Every method takes the caller's store.Scope, and
// the zero scope sees nothing.
package auditlog

import (
	"context"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// CountCap is where totals stop being exact: beyond it a listing says
// "more than CountCap" and estimates, because an exact count over
// millions of entries costs more than the page itself.
const CountCap = 10000

// Recorder records audit log entries durably; the ingest writer is one.
type Recorder interface {
	Submit(ctx context.Context, entries []audit.Entry) ([]int64, error)
}

// Service reads audit log entries for the API, the pages and jobs.
type Service struct {
	st  store.Store
	rec Recorder
	now func() time.Time
}

// New returns the read service on st. rec records exports in the audit
// log: the ingest writer itself, since an export is always audited. now
// is the clock of those records (nil: time.Now).
func New(st store.Store, rec Recorder, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{st: st, rec: rec, now: now}
}

// Total is how many entries a listing selects: N exactly up to CountCap;
// past it Capped is set and Estimate says about how many.
type Total struct {
	N        int
	Capped   bool
	Estimate int64
}

// About is the best number for the total: the count, or the estimate
// past the cap.
func (t Total) About() int64 {
	if t.Capped {
		return t.Estimate
	}
	return int64(t.N)
}

// Listing is one page of entries with the total of the listing.
type Listing struct {
	store.Page
	Total Total
}

// List returns the page q asks for and how many entries its filter
// selects in all.
func (s *Service) List(ctx context.Context, scope store.Scope, q store.Query) (Listing, error) {
	page, err := s.st.List(ctx, scope, q)
	if err != nil {
		return Listing{}, err
	}
	total, err := s.Count(ctx, scope, q.Filter)
	if err != nil {
		return Listing{}, err
	}
	return Listing{Page: page, Total: total}, nil
}

// Count counts the entries f selects, exactly up to CountCap and by an
// estimate beyond.
func (s *Service) Count(ctx context.Context, scope store.Scope, f store.Filter) (Total, error) {
	n, err := s.st.Count(ctx, scope, f, CountCap)
	if err != nil {
		return Total{}, err
	}
	t := Total{N: min(n, CountCap), Capped: n > CountCap}
	if t.Capped {
		if t.Estimate, err = s.st.Estimate(ctx, scope, f, CountCap); err != nil {
			return Total{}, err
		}
	}
	return t, nil
}

// CountUpTo counts the entries f selects, stopping soon after limit
// (store.Store.Count): live views say "1000+ new" and need no estimate.
func (s *Service) CountUpTo(ctx context.Context, scope store.Scope, f store.Filter, limit int) (int, error) {
	return s.st.Count(ctx, scope, f, limit)
}

// Get returns one entry, or store.ErrNotFound when it does not exist or
// scope does not allow it.
func (s *Service) Get(ctx context.Context, scope store.Scope, id int64) (audit.Entry, error) {
	return s.st.Get(ctx, scope, id)
}

// ConfigChanges returns the configuration changes of an entry scope
// allows, checked against the digest the hash chain covers.
func (s *Service) ConfigChanges(ctx context.Context, scope store.Scope, id int64) ([]audit.ConfigChange, error) {
	return s.st.ConfigChanges(ctx, scope, id)
}

// Stats counts the entries f selects by the values of the column by,
// most frequent first, at most top groups.
func (s *Service) Stats(ctx context.Context, scope store.Scope, f store.Filter, by store.SortField, top int) ([]store.Group, error) {
	return s.st.Stats(ctx, scope, f, by, top)
}

// Histogram counts the entries f selects per interval.
func (s *Service) Histogram(ctx context.Context, scope store.Scope, f store.Filter, interval time.Duration) ([]store.Bucket, error) {
	return s.st.Histogram(ctx, scope, f, interval)
}

// Values returns the distinct values of a text column among the entries
// scope allows, at most limit of them, for pick lists and suggestions.
func (s *Service) Values(ctx context.Context, scope store.Scope, field store.SortField, limit int) ([]string, error) {
	return s.st.Values(ctx, scope, field, limit)
}

// Head returns the id of the last entry recorded: live views count what
// arrives after it.
func (s *Service) Head(ctx context.Context) (int64, error) {
	id, _, err := s.st.Head(ctx)
	return id, err
}
