-- Configuration changes of the configuration tasks, kept apart so that
-- the audit log rows stay small; before and after are compressed by
-- Logbook (store.PackText). config_digest on the entry is what the hash
-- chain covers.
ALTER TABLE audit_log ADD COLUMN config_digest bytea;
CREATE TABLE config_changes (
    entry_id bigint NOT NULL,
    seq      integer NOT NULL,
    device   text    NOT NULL,
    format   text    NOT NULL,
    before   bytea   NOT NULL,
    after    bytea   NOT NULL,
    PRIMARY KEY (entry_id, seq)
);
