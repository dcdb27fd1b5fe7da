-- Affected objects as an index of their own: which entries touched the
-- object of a type and name, newest first. Filled for entries recorded
-- before this migration from their affected_objects.
CREATE TABLE audit_objects (
    type     text COLLATE "C" NOT NULL,
    name     text COLLATE "C" NOT NULL,
    ts       timestamptz NOT NULL,
    entry_id bigint NOT NULL,
    PRIMARY KEY (type, name, ts, entry_id)
);
INSERT INTO audit_objects (type, name, ts, entry_id)
    SELECT o->>'type', o->>'name', a.ts, a.id
    FROM audit_log a, jsonb_array_elements(a.affected_objects::jsonb) o
    ON CONFLICT DO NOTHING;
