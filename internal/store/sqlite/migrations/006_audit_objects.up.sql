-- Affected objects as an index of their own: which entries touched the
-- object of a type and name, newest first. Filled for entries recorded
-- before this migration from their affected_objects.
CREATE TABLE audit_objects (
    type     TEXT    NOT NULL,
    name     TEXT    NOT NULL,
    ts       INTEGER NOT NULL,
    entry_id INTEGER NOT NULL,
    PRIMARY KEY (type, name, ts, entry_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO audit_objects (type, name, ts, entry_id)
    SELECT json_extract(o.value, '$.type'), json_extract(o.value, '$.name'), a.ts, a.id
    FROM audit_log a, json_each(a.affected_objects) o
    UNION ALL
    SELECT json_extract(o.value, '$.type'), json_extract(o.value, '$.name'), a.ts, a.id
    FROM audit_log_recent a, json_each(a.affected_objects) o;
