package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/logbookhq/logbook/internal/store"
)

// The jobs table has NOT NULL timestamptz columns; in scheduled_start,
// actual_start and end_time the epoch means "not yet" and stands for the
// zero time.Time (store.Dialect.JobTimeArg writes it, store.JobTime reads
// it). The listing SQL is shared with SQLite (see
// store.Dialect.JobListSQL).

func scanJob(row pgx.Row) (store.Job, error) {
	var j store.Job
	var params string
	if err := row.Scan(&j.ID, &j.Name, &j.JobType, &j.State, &j.Percent, &j.Summary, &j.ScheduledStart,
		&j.ActualStart, &j.EndTime, &j.Recurrence, &j.ParentID, &j.RetryOf, &j.Owner, &j.Domain, &j.Handler,
		&j.OnMissed, &j.Note, &j.CreatedAt, &j.UpdatedAt, &params); err != nil {
		return store.Job{}, err
	}
	j.Params = store.JobParams(params)
	j.ScheduledStart, j.ActualStart, j.EndTime = store.JobTime(j.ScheduledStart), store.JobTime(j.ActualStart), store.JobTime(j.EndTime)
	j.CreatedAt, j.UpdatedAt = j.CreatedAt.UTC(), j.UpdatedAt.UTC()
	return j, nil
}

func (s *Store) queryJobs(ctx context.Context, capacity int, query string, args ...any) ([]store.Job, error) {
	rows, err := s.pool.Query(ctx, query, args...)
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
	err := s.pool.QueryRow(ctx, `INSERT INTO jobs (name, job_type, state, percent, summary, scheduled_start,
		actual_start, end_time, recurrence, parent_id, retry_of, owner, domain, handler, on_missed, note,
		created_at, updated_at, params) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
		RETURNING id`,
		j.Name, j.JobType, j.State, j.Percent, j.Summary, dialect.JobTimeArg(j.ScheduledStart),
		dialect.JobTimeArg(j.ActualStart), dialect.JobTimeArg(j.EndTime), j.Recurrence, j.ParentID, j.RetryOf,
		j.Owner, j.Domain, j.Handler, j.OnMissed, j.Note, j.CreatedAt, j.UpdatedAt, string(j.Params)).Scan(&j.ID)
	if err != nil {
		return store.Job{}, fmt.Errorf("error creating job %q: %w", j.Name, err)
	}
	return j, nil
}

// GetJob implements store.Jobs. A job outside scope is not found, exactly
// as a job that does not exist.
func (s *Store) GetJob(ctx context.Context, scope store.Scope, id int64) (store.Job, error) {
	j, err := scanJob(s.pool.QueryRow(ctx, `SELECT `+store.JobColumns+` FROM jobs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !scope.Allows(j.Domain)) {
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

// UpdateJob implements store.Jobs. The row is locked with SELECT … FOR
// UPDATE while fn runs, so concurrent updates, from this replica or
// another, queue instead of overwriting each other. fn must be quick and
// must not use the store.
func (s *Store) UpdateJob(ctx context.Context, id int64, fn func(*store.Job) error) (store.Job, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return store.Job{}, fmt.Errorf("error updating job %d: %w", id, err)
	}
	defer tx.Rollback(context.Background())
	before, err := scanJob(tx.QueryRow(ctx, `SELECT `+store.JobColumns+` FROM jobs WHERE id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
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
	if _, err := tx.Exec(ctx, `UPDATE jobs SET name = $1, job_type = $2, state = $3, percent = $4, summary = $5,
		scheduled_start = $6, actual_start = $7, end_time = $8, recurrence = $9, retry_of = $10, owner = $11,
		domain = $12, handler = $13, on_missed = $14, note = $15, updated_at = $16, params = $17 WHERE id = $18`,
		j.Name, j.JobType, j.State, j.Percent, j.Summary, dialect.JobTimeArg(j.ScheduledStart),
		dialect.JobTimeArg(j.ActualStart), dialect.JobTimeArg(j.EndTime), j.Recurrence, j.RetryOf, j.Owner,
		j.Domain, j.Handler, j.OnMissed, j.Note, j.UpdatedAt, string(j.Params), id); err != nil {
		return store.Job{}, fmt.Errorf("error updating job %d: %w", id, err)
	}
	if err := tx.Commit(ctx); err != nil {
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

// MissingJobs implements store.Jobs.
func (s *Store) MissingJobs(ctx context.Context, ids []int64) ([]int64, error) {
	found := map[int64]bool{}
	if len(ids) > 0 {
		rows, err := s.pool.Query(ctx, `SELECT id FROM jobs WHERE id = ANY($1)`, ids)
		if err != nil {
			return nil, fmt.Errorf("error looking up jobs: %w", err)
		}
		have, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return nil, fmt.Errorf("error looking up jobs: %w", err)
		}
		for _, id := range have {
			found[id] = true
		}
	}
	return store.MissingIDs(ids, found), nil
}
