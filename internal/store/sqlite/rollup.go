package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

// rolledUp are the columns audit_stats counts (migration 012), and the
// column whose counts histograms add up.
var rolledUp = []store.SortField{store.SortTask, store.SortUserName, store.SortWorkspace,
	store.SortApplication, store.SortResult, store.SortDomain}

const (
	hourMicros   = int64(time.Hour / time.Microsecond)
	histogramCol = store.SortResult
)

// rollUp adds (sign 1) or takes away (sign -1) the entries of table that
// cond selects to or from audit_stats, in tx.
func rollUp(ctx context.Context, tx *sql.Tx, table, cond string, sign int, args ...any) error {
	for _, f := range rolledUp {
		q := fmt.Sprintf(`INSERT INTO audit_stats (field, hour, domain, value, n)
			SELECT '%s', ts / %d * %d, domain, %s, %d * count(*) FROM %s WHERE %s GROUP BY 2, 3, 4
			ON CONFLICT (field, hour, domain, value) DO UPDATE SET n = n + excluded.n`, f, hourMicros, hourMicros, f, sign, table, cond)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("error counting entries per hour: %w", err)
		}
	}
	return nil
}

// backfillStats counts the entries recorded before migration 12.
func backfillStats(ctx context.Context, tx *sql.Tx) error {
	return rollUp(ctx, tx, "audit_log", "1 = 1", 1)
}

// hours splits a filter that selects by time alone into the whole hours
// audit_stats answers, [lo, hi), and the filters of the partial hours at
// either end, which the entries answer. ok is false for any other filter.
func hours(f store.Filter) (lo, hi int64, edges []store.Filter, ok bool) {
	rest := f
	rest.From, rest.To = time.Time{}, time.Time{}
	if !reflect.ValueOf(rest).IsZero() {
		return 0, 0, nil, false
	}
	lo, hi = -1<<62, 1<<62
	if !f.From.IsZero() {
		from := f.From.UnixMicro()
		lo = (from + hourMicros - 1) / hourMicros * hourMicros
		if from < 0 {
			return 0, 0, nil, false
		}
		if from < lo {
			edges = append(edges, store.Filter{From: f.From, To: time.UnixMicro(lo)})
		}
	}
	if !f.To.IsZero() {
		to := f.To.UnixMicro()
		hi = to / hourMicros * hourMicros
		if hi <= lo || to < 0 {
			return 0, 0, nil, false
		}
		if hi < to {
			edges = append(edges, store.Filter{From: time.UnixMicro(hi), To: f.To})
		}
	}
	return lo, hi, edges, true
}

// rolledStats answers Stats from audit_stats where it can: by a counted
// column, selecting by time alone. ok is false otherwise.
func (s *Store) rolledStats(ctx context.Context, scope store.Scope, f store.Filter, by store.SortField, top int) (string, []any, bool, error) {
	lo, hi, edges, ok := hours(f)
	if !ok || !isRolledUp(by) {
		return "", nil, false, nil
	}
	parts, args := rolledPart("value", by, lo, hi, scope)
	for _, e := range edges {
		p, a, err := dialect.StatsParts(scope, e, by, "audit_log")
		if err != nil {
			return "", nil, false, err
		}
		parts, args = append(parts, p...), append(args, a...)
	}
	p, a, err := dialect.StatsParts(scope, f, by, "audit_log_recent")
	if err != nil {
		return "", nil, false, err
	}
	parts, args = append(parts, p...), append(args, a...)
	q, args, err := dialect.TopGroups(parts, args, top)
	return q, args, true, err
}

// rolledHistogram answers Histogram from audit_stats where it can: whole
// hours, selecting by time alone. ok is false otherwise.
func (s *Store) rolledHistogram(scope store.Scope, f store.Filter, interval time.Duration) (string, []any, bool) {
	lo, hi, edges, ok := hours(f)
	step := interval.Microseconds()
	if !ok || step%hourMicros != 0 {
		return "", nil, false
	}
	parts, args := rolledPart(fmt.Sprintf("hour / %d * %d", step, step), histogramCol, lo, hi, scope)
	for _, e := range edges {
		p, a := dialect.HistogramParts(scope, e, interval, "audit_log")
		parts, args = append(parts, p...), append(args, a...)
	}
	p, a := dialect.HistogramParts(scope, f, interval, "audit_log_recent")
	return dialect.Buckets(append(parts, p...)), append(args, a...), true
}

// rolledPart is the (k, n) query of audit_stats for field over the whole
// hours [lo, hi) within scope, keyed by key.
func rolledPart(key string, field store.SortField, lo, hi int64, scope store.Scope) ([]string, []any) {
	q := "SELECT " + key + " AS k, sum(n) AS n FROM audit_stats WHERE field = ? AND hour >= ? AND hour < ?"
	args := []any{string(field), lo, hi}
	if cond, a := dialect.ScopeSQL(scope); cond != "" {
		q += " AND " + cond
		args = append(args, a...)
	}
	return []string{q + " GROUP BY 1"}, args
}

func isRolledUp(f store.SortField) bool {
	for _, r := range rolledUp {
		if r == f {
			return true
		}
	}
	return false
}
