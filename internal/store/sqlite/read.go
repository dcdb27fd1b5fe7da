package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

type scanner interface{ Scan(...any) error }

func scanEntry(row scanner, e *audit.Entry) error {
	var ts, rec int64
	var objects string
	var detail, prev, hash, digest []byte
	var eventID sql.NullString
	var result string
	if err := row.Scan(&e.ID, &ts, &rec, &e.UserName, &e.UserIP, &e.Domain, &e.Application,
		&e.Workspace, &e.Task, &result, &e.JobID, &e.Description, &objects, &detail,
		&e.HasConfigChange, &e.Source, &eventID, &prev, &hash, &digest, &e.Salt); err != nil {
		return err
	}
	e.ConfigDigest = digest
	return store.FinishEntry(e, ts, rec, result, objects, detail, eventID.String, prev, hash)
}

// List implements store.Store.
func (s *Store) List(ctx context.Context, scope store.Scope, q store.Query) (store.Page, error) {
	q.Filter = store.Normalize(q.Filter)
	dialect, _, err := s.planWords(ctx, q.Filter)
	if err != nil {
		return store.Page{}, err
	}
	if dialect, err = s.planObjects(ctx, dialect, q.Filter); err != nil {
		return store.Page{}, err
	}
	query, args := dialect.ListSQL(scope, q, tables...)
	if q.Sort.Field == store.SortTimestamp && (!scope.All || len(q.Filter.Domain) > 0) {
		domains, complete, err := s.domainsIn(ctx, scope, q.Filter.Domain)
		if err != nil {
			return store.Page{}, err
		}
		if complete && len(domains) == 0 {
			return store.Page{}, nil
		}
		if complete && len(domains) <= maxDomainUnion {
			query, args = smallUnion(query, args)(dialect.ListSQLEachDomain(domains, q, tables...))
		}
	} else if q.Sort.Field == store.SortTimestamp {
		field, values, ok, err := s.fewValues(ctx, q.Filter)
		if err != nil {
			return store.Page{}, err
		}
		if ok && len(values) == 0 {
			return store.Page{}, nil
		}
		if ok {
			query, args = smallUnion(query, args)(dialect.ListSQLEachValue(scope, field, values, q, tables...))
		}
	}
	entries, err := queryEntries(ctx, s.r, q.Limit+1, query, args...)
	if err != nil {
		return store.Page{}, err
	}
	return store.PageFrom(entries, q), nil
}

// querier runs a query: the read pool, or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryEntries runs a query of store.Columns and scans its rows.
func queryEntries(ctx context.Context, q querier, capacity int, query string, args ...any) ([]audit.Entry, error) {
	rows, err := q.QueryContext(ctx, query, args...)
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

// Count implements store.Store.
func (s *Store) Count(ctx context.Context, scope store.Scope, f store.Filter, limit int) (int, error) {
	f = store.Normalize(f)
	dialect, matches, err := s.planWords(ctx, f)
	if err != nil {
		return 0, err
	}
	dialect.ScanWords = true // a count walks many entries
	if matches > limit && scope.All && f.OnlyWords() {
		// The index found more than limit entries and nothing else filters
		// them: counting them one by one would change nothing.
		return matches, nil
	}
	if ref, ok := f.OnlyObject(); ok && scope.All {
		// The object index counts the object's entries without reading them.
		q, args := objectSQL(ref, f, "1", "1", "", limit+1)
		var n int
		if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM ("+q+")", args...).Scan(&n); err != nil {
			return 0, fmt.Errorf("error counting audit logs: %w", err)
		}
		return n, nil
	}
	query, args := dialect.CountSQL(scope, f, limit, tables...)
	if domains, ok, err := s.fewDomains(ctx, scope, f); err != nil {
		return 0, err
	} else if ok {
		query, args = smallUnion(query, args)(dialect.CountSQLEachDomain(domains, f, limit, tables...))
	} else if field, values, ok, err := s.fewValues(ctx, f); err != nil {
		return 0, err
	} else if ok {
		query, args = smallUnion(query, args)(dialect.CountSQLEachValue(scope, field, values, f, limit, tables...))
	}
	var n int
	if err := s.r.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("error counting audit logs: %w", err)
	}
	return n, nil
}

// Estimate implements store.Store.
func (s *Store) Estimate(ctx context.Context, scope store.Scope, f store.Filter, n int) (int64, error) {
	f = store.Normalize(f)
	dialect, _, err := s.planWords(ctx, f)
	if err != nil {
		return 0, err
	}
	dialect.ScanWords = true // an estimate walks a thousand matches
	if words := store.PositiveWords(f.Search); scope.All && f.OnlyWords() {
		// Only words: the index answers. One word's list it counts exactly;
		// several words it would have to intersect whole, so their estimate
		// takes the density of the newest matches by id instead.
		var total int64
		match := dialect.WordsQuery(words)
		if len(words) == 1 {
			if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM audit_text WHERE audit_text MATCH ?`, match).Scan(&total); err != nil {
				return 0, fmt.Errorf("error counting matches of words: %w", err)
			}
		} else {
			est, err := store.Estimate(func(k int, desc bool) (int64, bool, error) {
				order := "ASC"
				if desc {
					order = "DESC"
				}
				var id int64
				err := s.r.QueryRowContext(ctx, `SELECT rowid FROM audit_text WHERE audit_text MATCH ? ORDER BY rowid `+order+` LIMIT 1 OFFSET ?`, match, k-1).Scan(&id)
				if errors.Is(err, sql.ErrNoRows) {
					return 0, false, nil
				}
				if err != nil {
					return 0, false, fmt.Errorf("error estimating matches of words: %w", err)
				}
				return id, true, nil
			}, n)
			if err != nil {
				return 0, err
			}
			total = est
		}
		marks := make([]string, len(words))
		args := make([]any, len(words))
		for i, w := range words {
			marks[i], args[i] = "?", store.WordPattern(w)
		}
		var buffered int64
		err = s.r.QueryRowContext(ctx, `SELECT count(*) FROM audit_log_recent WHERE `+dialect.WordsRow("audit_log_recent", marks), args...).Scan(&buffered)
		if err != nil {
			return 0, fmt.Errorf("error counting matches of words: %w", err)
		}
		return total + buffered, nil
	}
	domains, few, err := s.fewDomains(ctx, scope, f)
	if err != nil {
		return 0, err
	}
	field, values, ok, err := s.fewValues(ctx, f)
	if err != nil {
		return 0, err
	}
	if dialect, err = s.planObjects(ctx, dialect, f); err != nil {
		return 0, err
	}
	ref, onlyObject := f.OnlyObject()
	onlyObject = onlyObject && scope.All
	return store.Estimate(func(n int, desc bool) (int64, bool, error) {
		query, args := dialect.NthTimeSQL(scope, f, n, desc, tables...)
		if onlyObject {
			order := " ORDER BY ts ASC, id ASC"
			if desc {
				order = " ORDER BY ts DESC, id DESC"
			}
			q, a := objectSQL(ref, f, "ts, entry_id AS id", "ts, id", order, n)
			query, args = "SELECT ts FROM ("+q+")"+order+" LIMIT 1 OFFSET ?", append(a, n-1)
		}
		if few {
			query, args = smallUnion(query, args)(dialect.NthTimeSQLEachValue(store.AllDomains, store.SortDomain, domains, f, n, desc, tables...))
		} else if ok {
			query, args = smallUnion(query, args)(dialect.NthTimeSQLEachValue(scope, field, values, f, n, desc, tables...))
		}
		var t int64
		err := s.r.QueryRowContext(ctx, query, args...).Scan(&t)
		if errors.Is(err, sql.ErrNoRows) {
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
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("error listing values: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("error listing values: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, scope store.Scope, id int64) (audit.Entry, error) {
	var e audit.Entry
	err := scanEntry(s.r.QueryRowContext(ctx, `SELECT `+store.Columns+` FROM audit_log WHERE id = ?1
		UNION ALL SELECT `+store.Columns+` FROM audit_log_recent WHERE id = ?1`, id), &e)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !scope.Allows(e.Domain)) {
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
		rows, err := s.r.QueryContext(ctx, `SELECT * FROM (SELECT `+store.Columns+` FROM audit_log WHERE id > ?1 ORDER BY id LIMIT 1000)
			UNION ALL SELECT * FROM (SELECT `+store.Columns+` FROM audit_log_recent WHERE id > ?1 ORDER BY id LIMIT 1000)
			ORDER BY id LIMIT 1000`, afterID)
		if err != nil {
			return fmt.Errorf("error scanning audit logs: %w", err)
		}
		var batch []audit.Entry
		for rows.Next() {
			var e audit.Entry
			if err := scanEntry(rows, &e); err != nil {
				rows.Close()
				return fmt.Errorf("error reading audit log: %w", err)
			}
			batch = append(batch, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("error scanning audit logs: %w", err)
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
	rows, err := s.r.QueryContext(ctx, `SELECT device, format, before, after FROM config_changes WHERE entry_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("error reading configuration changes: %w", err)
	}
	defer rows.Close()
	var cs []audit.ConfigChange
	for rows.Next() {
		var c audit.ConfigChange
		var before, after []byte
		if err := rows.Scan(&c.Device, &c.Format, &before, &after); err != nil {
			return nil, fmt.Errorf("error reading configuration changes: %w", err)
		}
		if c.Before, err = store.UnpackText(before); err != nil {
			return nil, err
		}
		if c.After, err = store.UnpackText(after); err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return store.CheckConfigChanges(e, cs)
}

// Stats implements store.Store.
func (s *Store) Stats(ctx context.Context, scope store.Scope, f store.Filter, by store.SortField, top int) ([]store.Group, error) {
	f = store.Normalize(f)
	dialect, _, err := s.planWords(ctx, f)
	if err != nil {
		return nil, err
	}
	query, args, rolled, err := s.rolledStats(ctx, scope, f, by, top)
	if err != nil {
		return nil, err
	}
	if !rolled {
		query, args, err = dialect.StatsSQL(scope, f, by, top, tables...)
	}
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("error counting groups: %w", err)
	}
	defer rows.Close()
	out := []store.Group{}
	for rows.Next() {
		var g store.Group
		if err := rows.Scan(&g.Key, &g.Count); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// Histogram implements store.Store.
func (s *Store) Histogram(ctx context.Context, scope store.Scope, f store.Filter, interval time.Duration) ([]store.Bucket, error) {
	f = store.Normalize(f)
	dialect, _, err := s.planWords(ctx, f)
	if err != nil {
		return nil, err
	}
	query, args, rolled := s.rolledHistogram(scope, f, interval)
	if !rolled {
		query, args = dialect.HistogramSQL(scope, f, interval, tables...)
	}
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("error counting per interval: %w", err)
	}
	defer rows.Close()
	out := []store.Bucket{}
	for rows.Next() {
		var k, n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out = append(out, store.Bucket{Start: time.UnixMicro(k).UTC(), Count: n})
	}
	return out, rows.Err()
}
