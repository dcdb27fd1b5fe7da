-- Jobs (Table 2 of the Job List page). Times are microseconds since the
-- Unix epoch in UTC; 0 means "not yet". Every sort index ends in id.
CREATE TABLE jobs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL,
    job_type        TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    percent         INTEGER NOT NULL DEFAULT 0,
    summary         TEXT    NOT NULL DEFAULT '',
    scheduled_start INTEGER NOT NULL,
    actual_start    INTEGER NOT NULL DEFAULT 0,
    end_time        INTEGER NOT NULL DEFAULT 0,
    recurrence      TEXT    NOT NULL DEFAULT '',
    parent_id       INTEGER NOT NULL DEFAULT 0,
    retry_of        INTEGER NOT NULL DEFAULT 0,
    owner           TEXT    NOT NULL,
    domain          TEXT    NOT NULL,
    handler         TEXT    NOT NULL DEFAULT '',
    on_missed       TEXT    NOT NULL DEFAULT 'run',
    note            TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
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
