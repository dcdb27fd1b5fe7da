package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

// The jobs table keeps times as microseconds since the Unix epoch; in
// scheduled_start, actual_start and end_time 0 means "not yet" and stands
// for the zero time.Time. The listing SQL is shared with PostgreSQL (see
// store.Dialect.JobListSQL).

func scanJob(row scanner) (store.Job, error) {
	var j store.Job
	var scheduled, actual, end, created, updated int64
	var params string
	if err := row.Scan(&j.ID, &j.Name, &j.JobType, &j.State, &j.Percent, &j.Summary, &scheduled, &actual, &end,
		&j.Recurrence, &j.ParentID, &j.RetryOf, &j.Owner, &j.Domain, &j.Handler, &j.OnMissed, &j.Note,
		&created, &updated, &params); err != nil {
		return store.Job{}, err
	}
	j.Params = store.JobParams(params)
	j.ScheduledStart, j.ActualStart, j.EndTime = fromMicroOrZero(scheduled), fromMicroOrZero(actual), fromMicroOrZero(end)
	j.CreatedAt, j.UpdatedAt = fromMicro(created), fromMicro(updated)
	return j, nil
}

func (s *Store) queryJobs(ctx context.Context, capacity int, query string, args ...any) ([]store.Job, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	jobs := make([]store.Job, 0, capacity)
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, rows.Err()
}

// CreateJob implements store.Jobs. j.ID is ignored; see store.JobToCreate
// for the defaults.
func (s *Store) CreateJob(ctx context.Context, j store.Job) (store.Job, error) {
	j = store.JobToCreate(j, s.stamp(time.Time{}))
	err := s.w.QueryRowContext(ctx, `INSERT INTO jobs (name, job_type, state, percent, summary, scheduled_start,
		actual_start, end_time, recurrence, parent_id, retry_of, owner, domain, handler, on_missed, note,
		created_at, updated_at, params) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		j.Name, j.JobType, j.State, j.Percent, j.Summary, micro(j.ScheduledStart), micro(j.ActualStart),
		micro(j.EndTime), j.Recurrence, j.ParentID, j.RetryOf, j.Owner, j.Domain, j.Handler, j.OnMissed, j.Note,
		micro(j.CreatedAt), micro(j.UpdatedAt), string(j.Params)).Scan(&j.ID)
	if err != nil {
		return store.Job{}, fmt.Errorf("error creating job %q: %w", j.Name, err)
	}
	return j, nil
}

// GetJob implements store.Jobs. A job outside scope is not found, exactly
// as a job that does not exist.
func (s *Store) GetJob(ctx context.Context, scope store.Scope, id int64) (store.Job, error) {
	j, err := scanJob(s.r.QueryRowContext(ctx, `SELECT `+store.JobColumns+` FROM jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !scope.Allows(j.Domain)) {
		return store.Job{}, fmt.Errorf("error reading job %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Job{}, fmt.Errorf("error reading job %d: %w", id, err)
	}
	return j, nil
}

// ListJobs implements store.Jobs.
func (s *Store) ListJobs(ctx context.Context, scope store.Scope, q store.JobQuery) (store.JobPage, error) {
	query, args, err := dialect.JobListSQL(scope, q)
	if err != nil {
		return store.JobPage{}, fmt.Errorf("error listing jobs: %w", err)
	}
	jobs, err := s.queryJobs(ctx, q.Limit+1, query, args...)
	if err != nil {
		return store.JobPage{}, fmt.Errorf("error listing jobs: %w", err)
	}
	return store.JobPageFrom(jobs, q), nil
}

// UpdateJob implements store.Jobs. The read, fn and the write run in one
// BEGIN IMMEDIATE transaction on the write connection, which the ingest
// writer shares: fn must be quick and must not use the store.
func (s *Store) UpdateJob(ctx context.Context, id int64, fn func(*store.Job) error) (store.Job, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return store.Job{}, fmt.Errorf("error updating job %d: %w", id, err)
	}
	defer tx.Rollback()
	before, err := scanJob(tx.QueryRowContext(ctx, `SELECT `+store.JobColumns+` FROM jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Job{}, fmt.Errorf("error updating job %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Job{}, fmt.Errorf("error updating job %d: %w", id, err)
	}
	j := before
	if err := fn(&j); err != nil {
		return store.Job{}, err
	}
	if j, err = store.JobToUpdate(before, j, s.stamp(time.Time{})); err != nil {
		return store.Job{}, fmt.Errorf("error updating job %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE jobs SET name = ?, job_type = ?, state = ?, percent = ?, summary = ?,
		scheduled_start = ?, actual_start = ?, end_time = ?, recurrence = ?, retry_of = ?, owner = ?, domain = ?,
		handler = ?, on_missed = ?, note = ?, updated_at = ?, params = ? WHERE id = ?`,
		j.Name, j.JobType, j.State, j.Percent, j.Summary, micro(j.ScheduledStart), micro(j.ActualStart),
		micro(j.EndTime), j.Recurrence, j.RetryOf, j.Owner, j.Domain, j.Handler, j.OnMissed, j.Note,
		micro(j.UpdatedAt), string(j.Params), id); err != nil {
		return store.Job{}, fmt.Errorf("error updating job %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return store.Job{}, fmt.Errorf("error updating job %d: %w", id, err)
	}
	return j, nil
}

// DueJobs implements store.Jobs.
func (s *Store) DueJobs(ctx context.Context, now time.Time, limit int) ([]store.Job, error) {
	query, args := dialect.DueJobsSQL(now, limit)
	jobs, err := s.queryJobs(ctx, max(limit, 0), query, args...)
	if err != nil {
		return nil, fmt.Errorf("error querying due jobs: %w", err)
	}
	return jobs, nil
}

// missingChunk bounds the ids of one MissingJobs query, well below
// SQLite's limit on bound parameters.
const missingChunk = 500

// MissingJobs implements store.Jobs.
func (s *Store) MissingJobs(ctx context.Context, ids []int64) ([]int64, error) {
	found := map[int64]bool{}
	for i := 0; i < len(ids); i += missingChunk {
		chunk := ids[i:min(i+missingChunk, len(ids))]
		args := make([]any, len(chunk))
		for k, id := range chunk {
			args[k] = id
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")
		rows, err := s.r.QueryContext(ctx, `SELECT id FROM jobs WHERE id IN (`+marks+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("error looking up jobs: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("error looking up jobs: %w", err)
			}
			found[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("error looking up jobs: %w", err)
		}
	}
	return store.MissingIDs(ids, found), nil
}
