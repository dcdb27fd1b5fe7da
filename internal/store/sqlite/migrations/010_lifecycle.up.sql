-- Archive/purge and settings (docs/archive-purge.md). One anchor per
-- purge; one bridge per run of consecutive ids a purge removed, so that
-- the chain verifies across the gaps. Times are microseconds since the
-- epoch; hashes are raw SHA-256.
CREATE TABLE purge_anchors (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id         INTEGER NOT NULL DEFAULT 0,
    purged_at      INTEGER NOT NULL,
    before         INTEGER NOT NULL,
    domains        TEXT    NOT NULL,
    count          INTEGER NOT NULL DEFAULT 0,
    first_id       INTEGER NOT NULL DEFAULT 0,
    last_id        INTEGER NOT NULL DEFAULT 0,
    last_hash      BLOB,
    archive        TEXT    NOT NULL DEFAULT '',
    archive_sha256 TEXT    NOT NULL DEFAULT '',
    state          TEXT    NOT NULL,
    note           TEXT    NOT NULL DEFAULT ''
);
CREATE TABLE purge_bridges (
    from_id   INTEGER PRIMARY KEY,
    to_id     INTEGER NOT NULL,
    anchor_id INTEGER NOT NULL,
    prev_hash BLOB    NOT NULL,
    end_hash  BLOB    NOT NULL
);
CREATE INDEX purge_bridges_anchor ON purge_bridges (anchor_id, from_id);
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);
