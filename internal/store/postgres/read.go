package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

func scanEntry(row pgx.Row, e *audit.Entry) error {
	var ts, rec time.Time
	var objects, result string
	var detail, prev, hash, digest []byte
	var eventID *string
	if err := row.Scan(&e.ID, &ts, &rec, &e.UserName, &e.UserIP, &e.Domain, &e.Application,
		&e.Workspace, &e.Task, &result, &e.JobID, &e.Description, &objects, &detail,
		&e.HasConfigChange, &e.Source, &eventID, &prev, &hash, &digest, &e.Salt); err != nil {
		return err
	}
	e.ConfigDigest = digest
	ev := ""
	if eventID != nil {
		ev = *eventID
	}
	return store.FinishEntry(e, ts.UnixMicro(), rec.UnixMicro(), result, objects, detail, ev, prev, hash)
}

// querier runs a query: the pool, or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// queryEntries runs a query of store.Columns and scans its rows.
func queryEntries(ctx context.Context, q querier, capacity int, query string, args ...any) ([]audit.Entry, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("error querying audit logs: %w", err)
	}
	defer rows.Close()
	entries := make([]audit.Entry, 0, capacity)
	for rows.Next() {
		var e audit.Entry
		if err := scanEntry(rows, &e); err != nil {
			return nil, fmt.Errorf("error reading audit log: %w", err)
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("error querying audit logs: %w", err)
	}
	return entries, nil
}

// List implements store.Store.
func (s *Store) List(ctx context.Context, scope store.Scope, q store.Query) (store.Page, error) {
	q.Filter = store.Normalize(q.Filter)
	query, args := dialect.ListSQL(scope, q, tables...)
	entries, err := queryEntries(ctx, s.pool, q.Limit+1, query, args...)
	if err != nil {
		return store.Page{}, err
	}
	return store.PageFrom(entries, q), nil
}

// Count implements store.Store.
func (s *Store) Count(ctx context.Context, scope store.Scope, f store.Filter, limit int) (int, error) {
	f = store.Normalize(f)
	query, args := dialect.CountSQL(scope, f, limit, tables...)
	var n int
	if err := s.pool.QueryRow(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("error counting audit logs: %w", err)
	}
	return n, nil
}

// Estimate implements store.Store.
func (s *Store) Estimate(ctx context.Context, scope store.Scope, f store.Filter, n int) (int64, error) {
	f = store.Normalize(f)
	return store.Estimate(func(n int, desc bool) (int64, bool, error) {
		query, args := dialect.NthTimeSQL(scope, f, n, desc, tables...)
		var t int64
		err := s.pool.QueryRow(ctx, query, args...).Scan(&t)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, false, nil
		}
		if err != nil {
			return 0, false, fmt.Errorf("error estimating a count: %w", err)
		}
		return t, true, nil
	}, n)
}

// Values implements store.Store.
func (s *Store) Values(ctx context.Context, scope store.Scope, field store.SortField, limit int) ([]string, error) {
	query, args, err := dialect.ValuesSQL(scope, field, limit, tables...)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("error listing values: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, scope store.Scope, id int64) (audit.Entry, error) {
	var e audit.Entry
	err := scanEntry(s.pool.QueryRow(ctx, `SELECT `+store.Columns+` FROM audit_log WHERE id = $1`, id), &e)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !scope.Allows(e.Domain)) {
		return audit.Entry{}, store.ErrNotFound
	}
	if err != nil {
		return audit.Entry{}, fmt.Errorf("error reading audit log %d: %w", id, err)
	}
	return e, nil
}

// Scan implements store.Store.
func (s *Store) Scan(ctx context.Context, afterID int64, fn func(*audit.Entry) error) error {
	for {
		batch, err := queryEntries(ctx, s.pool, 1000, `SELECT `+store.Columns+` FROM audit_log WHERE id > $1 ORDER BY id LIMIT 1000`, afterID)
		if err != nil {
			return err
		}
		for i := range batch {
			if err := fn(&batch[i]); err != nil {
				return err
			}
		}
		if len(batch) < 1000 {
			return nil
		}
		afterID = batch[len(batch)-1].ID
	}
}

// ConfigChanges implements store.Store.
func (s *Store) ConfigChanges(ctx context.Context, scope store.Scope, id int64) ([]audit.ConfigChange, error) {
	e, err := s.Get(ctx, scope, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT device, format, before, after FROM config_changes WHERE entry_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("error reading configuration changes: %w", err)
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (audit.ConfigChange, error) {
		var c audit.ConfigChange
		var before, after []byte
		if err := r.Scan(&c.Device, &c.Format, &before, &after); err != nil {
			return c, err
		}
		var err error
		if c.Before, err = store.UnpackText(before); err != nil {
			return c, err
		}
		c.After, err = store.UnpackText(after)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("error reading configuration changes: %w", err)
	}
	return store.CheckConfigChanges(e, cs)
}

// Stats implements store.Store.
func (s *Store) Stats(ctx context.Context, scope store.Scope, f store.Filter, by store.SortField, top int) ([]store.Group, error) {
	f = store.Normalize(f)
	query, args, err := dialect.StatsSQL(scope, f, by, top, tables...)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("error counting groups: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Group, error) {
		var g store.Group
		err := r.Scan(&g.Key, &g.Count)
		return g, err
	})
	if out == nil {
		out = []store.Group{}
	}
	return out, err
}

// Histogram implements store.Store.
func (s *Store) Histogram(ctx context.Context, scope store.Scope, f store.Filter, interval time.Duration) ([]store.Bucket, error) {
	f = store.Normalize(f)
	query, args := dialect.HistogramSQL(scope, f, interval, tables...)
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("error counting per interval: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Bucket, error) {
		var k, n int64
		err := r.Scan(&k, &n)
		return store.Bucket{Start: time.UnixMicro(k).UTC(), Count: n}, err
	})
	if out == nil {
		out = []store.Bucket{}
	}
	return out, err
}
