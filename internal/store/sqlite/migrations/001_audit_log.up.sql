-- The audit log. Timestamps are microseconds since the Unix epoch in UTC.
-- Sortable columns are NOT NULL (empty string or 0 for "none") so that
-- keyset comparisons never meet NULL.
CREATE TABLE audit_log (
    id                INTEGER PRIMARY KEY,
    ts                INTEGER NOT NULL,
    recorded_at       INTEGER NOT NULL,
    user_name         TEXT    NOT NULL,
    user_ip           TEXT    NOT NULL,
    domain            TEXT    NOT NULL,
    application       TEXT    NOT NULL,
    workspace         TEXT    NOT NULL,
    task              TEXT    NOT NULL,
    result            TEXT    NOT NULL,
    job_id            INTEGER NOT NULL,
    description       TEXT    NOT NULL,
    affected_objects  TEXT    NOT NULL,
    detail            BLOB,
    has_config_change INTEGER NOT NULL,
    source            TEXT    NOT NULL,
    event_id          TEXT,
    prev_hash         BLOB    NOT NULL,
    hash              BLOB    NOT NULL
);

-- Idempotency: one entry per event_id and source.
CREATE UNIQUE INDEX audit_log_event ON audit_log (source, event_id) WHERE event_id IS NOT NULL;

-- Its sort indexes are in the shared part of this step
-- (internal/store/internal/migrate/shared).

-- The head of the hash chain: the last entry's id and hash. One row.
CREATE TABLE chain_head (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    last_id   INTEGER NOT NULL,
    last_hash BLOB    NOT NULL
);
INSERT INTO chain_head (singleton, last_id, last_hash) VALUES (1, 0, zeroblob(32));
