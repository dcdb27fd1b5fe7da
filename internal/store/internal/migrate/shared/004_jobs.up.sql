-- The indexes of jobs, the same in every engine (run after the engine's
-- 004_jobs.up.sql). Every sort index ends in id, for keyset paging;
-- jobs_due finds the scheduler's next run.
CREATE INDEX jobs_name            ON jobs (name, id);
CREATE INDEX jobs_state           ON jobs (state, id);
CREATE INDEX jobs_job_type        ON jobs (job_type, id);
CREATE INDEX jobs_owner           ON jobs (owner, id);
CREATE INDEX jobs_domain          ON jobs (domain, id);
CREATE INDEX jobs_scheduled_start ON jobs (scheduled_start, id);
CREATE INDEX jobs_actual_start    ON jobs (actual_start, id);
CREATE INDEX jobs_end_time        ON jobs (end_time, id);
CREATE INDEX jobs_parent          ON jobs (parent_id, scheduled_start, id);
CREATE INDEX jobs_due             ON jobs (state, scheduled_start) WHERE handler <> '';
