-- Recent entries, before they move to audit_log. A small group commit
-- touches a different leaf page of every index of audit_log for almost
-- every entry, and SQLite writes each dirty page to the WAL in full, so
-- small commits cost up to ten page writes per entry. Here an entry costs
-- one row append; the entries move to audit_log in large batches, where
-- index pages are shared between many entries. Readers query both tables.
CREATE TABLE audit_log_recent (
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
CREATE UNIQUE INDEX audit_log_recent_event ON audit_log_recent (source, event_id) WHERE event_id IS NOT NULL;
