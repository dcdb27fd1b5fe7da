-- Configuration changes of the configuration tasks, kept apart so that
-- the audit log rows stay small; before and after are compressed by
-- Logbook (store.PackText). config_digest on the entry is what the hash
-- chain covers.
ALTER TABLE audit_log ADD COLUMN config_digest BLOB;
ALTER TABLE audit_log_recent ADD COLUMN config_digest BLOB;
CREATE TABLE config_changes (
    entry_id INTEGER NOT NULL,
    seq      INTEGER NOT NULL,
    device   TEXT    NOT NULL,
    format   TEXT    NOT NULL,
    before   BLOB    NOT NULL,
    after    BLOB    NOT NULL,
    PRIMARY KEY (entry_id, seq)
);
