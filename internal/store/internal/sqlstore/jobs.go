package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

// In scheduled_start, actual_start and end_time of the jobs table the
// epoch means "not yet" on both engines, so that sorts and keyset paging
// never meet NULL: store.Dialect.JobTimeArg writes it, store.JobTime reads
// it. The listing SQL is built by store.Dialect.JobListSQL.

func (s *Store) scanJob(row Row) (store.Job, error) {
	var j store.Job
	var params string
	if err := row.Scan(&j.ID, &j.Name, &j.JobType, &j.State, &j.Percent, &j.Summary, s.scanTime(&j.ScheduledStart),
		s.scanTime(&j.ActualStart), s.scanTime(&j.EndTime), &j.Recurrence, &j.ParentID, &j.RetryOf, &j.Owner, &j.Domain,
		&j.Handler, &j.OnMissed, &j.Note, s.scanTime(&j.CreatedAt), s.scanTime(&j.UpdatedAt), &params); err != nil {
		return store.Job{}, err
	}
	j.Params = store.JobParams(params)
	j.ScheduledStart, j.ActualStart, j.EndTime = store.JobTime(j.ScheduledStart), store.JobTime(j.ActualStart), store.JobTime(j.EndTime)
	return j, nil
}

// jobTime encodes a job time that may say "not yet".
func (s *Store) jobTime(t time.Time) any { return s.e.Dialect.JobTimeArg(t) }

// CreateJob implements store.Jobs. j.ID is ignored; see store.JobToCreate
// for the defaults.
func (s *Store) CreateJob(ctx context.Context, j store.Job) (store.Job, error) {
	j = store.JobToCreate(j, s.stamp(time.Time{}))
	err := s.e.Write.QueryRowContext(ctx, `INSERT INTO jobs (name, job_type, state, percent, summary, scheduled_start,
		actual_start, end_time, recurrence, parent_id, retry_of, owner, domain, handler, on_missed, note,
		created_at, updated_at, params) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
		$17, $18, $19) RETURNING id`,
		j.Name, j.JobType, j.State, j.Percent, j.Summary, s.jobTime(j.ScheduledStart), s.jobTime(j.ActualStart),
		s.jobTime(j.EndTime), j.Recurrence, j.ParentID, j.RetryOf, j.Owner, j.Domain, j.Handler, j.OnMissed, j.Note,
		s.at(j.CreatedAt), s.at(j.UpdatedAt), string(j.Params)).Scan(&j.ID)
	if err != nil {
		return store.Job{}, fmt.Errorf("error creating job %q: %w", j.Name, err)
	}
	return j, nil
}

// GetJob implements store.Jobs. A job outside scope is not found, exactly
// as a job that does not exist.
func (s *Store) GetJob(ctx context.Context, scope store.Scope, id int64) (store.Job, error) {
	j, err := s.scanJob(s.e.Read.QueryRowContext(ctx, `SELECT `+store.JobColumns+` FROM jobs WHERE id = $1`, id))
	if err == nil && !scope.Allows(j.Domain) {
		err = sql.ErrNoRows
	}
	return one(j, err, fmt.Sprintf("error reading job %d", id))
}

// ListJobs implements store.Jobs.
func (s *Store) ListJobs(ctx context.Context, scope store.Scope, q store.JobQuery) (store.JobPage, error) {
	text, args, err := s.e.Dialect.JobListSQL(scope, q)
	if err != nil {
		return store.JobPage{}, fmt.Errorf("error listing jobs: %w", err)
	}
	jobs, err := query(ctx, s.e.Read, s.scanJob, text, args...)
	if err != nil {
		return store.JobPage{}, fmt.Errorf("error listing jobs: %w", err)
	}
	return store.JobPageFrom(jobs, q), nil
}

// UpdateJob implements store.Jobs. The read, fn and the write run in one
// transaction that holds the row (Engine.ForUpdate), so concurrent
// updates queue instead of overwriting each other; fn must be quick and
// must not use the store.
func (s *Store) UpdateJob(ctx context.Context, id int64, fn func(*store.Job) error) (store.Job, error) {
	op := fmt.Sprintf("error updating job %d", id)
	var j store.Job
	err := s.inTx(ctx, op, func(tx *sql.Tx) error {
		before, err := s.scanJob(tx.QueryRowContext(ctx, `SELECT `+store.JobColumns+` FROM jobs WHERE id = $1`+s.e.ForUpdate, id))
		if before, err = one(before, err, op); err != nil {
			return err
		}
		j = before
		if err := fn(&j); err != nil {
			return err
		}
		if j, err = store.JobToUpdate(before, j, s.stamp(time.Time{})); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE jobs SET name = $1, job_type = $2, state = $3, percent = $4, summary = $5,
			scheduled_start = $6, actual_start = $7, end_time = $8, recurrence = $9, retry_of = $10, owner = $11,
			domain = $12, handler = $13, on_missed = $14, note = $15, updated_at = $16, params = $17 WHERE id = $18`,
			j.Name, j.JobType, j.State, j.Percent, j.Summary, s.jobTime(j.ScheduledStart), s.jobTime(j.ActualStart),
			s.jobTime(j.EndTime), j.Recurrence, j.RetryOf, j.Owner, j.Domain, j.Handler, j.OnMissed, j.Note,
			s.at(j.UpdatedAt), string(j.Params), id); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		return nil
	})
	if err != nil {
		return store.Job{}, err
	}
	return j, nil
}

// DueJobs implements store.Jobs.
func (s *Store) DueJobs(ctx context.Context, now time.Time, limit int) ([]store.Job, error) {
	text, args := s.e.Dialect.DueJobsSQL(now, limit)
	jobs, err := query(ctx, s.e.Read, s.scanJob, text, args...)
	if err != nil {
		return nil, fmt.Errorf("error querying due jobs: %w", err)
	}
	return jobs, nil
}

// MissingJobs implements store.Jobs. The ids are looked up inChunk at a
// time, in IN lists, which both engines answer from the primary key.
func (s *Store) MissingJobs(ctx context.Context, ids []int64) ([]int64, error) {
	found := map[int64]bool{}
	for i := 0; i < len(ids); i += inChunk {
		chunk := ids[i:min(i+inChunk, len(ids))]
		have, err := query(ctx, s.e.Read, func(r Row) (int64, error) {
			var id int64
			err := r.Scan(&id)
			return id, err
		}, `SELECT id FROM jobs WHERE id IN (`+marks(1, len(chunk))+`)`, args(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("error looking up jobs: %w", err)
		}
		for _, id := range have {
			found[id] = true
		}
	}
	return store.MissingIDs(ids, found), nil
}
