-- Jobs (Table 2 of the Job List page). Times are microseconds since the
-- Unix epoch in UTC; 0 means "not yet". Its sort indexes are
-- in the shared part of this step.
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
