-- The indexes of audit_log, the same in every engine (run after the
-- engine's 001_audit_log.up.sql). One index per sortable column, each
-- ending in the tie-breaker (ts, id): it serves an equality or prefix
-- filter on the column with the default newest-first order, and sorting
-- by the column with keyset paging. With ORDER BY ts DESC, id DESC,
-- PostgreSQL's planner was seen to ignore an index on (user_name, ts)
-- alone and walk the time index instead.
CREATE INDEX audit_log_ts          ON audit_log (ts, id);
CREATE INDEX audit_log_user_name   ON audit_log (user_name, ts, id);
CREATE INDEX audit_log_user_ip     ON audit_log (user_ip, ts, id);
CREATE INDEX audit_log_domain      ON audit_log (domain, ts, id);
CREATE INDEX audit_log_application ON audit_log (application, ts, id);
CREATE INDEX audit_log_workspace   ON audit_log (workspace, ts, id);
CREATE INDEX audit_log_task        ON audit_log (task, ts, id);
CREATE INDEX audit_log_result      ON audit_log (result, ts, id);
CREATE INDEX audit_log_job_id      ON audit_log (job_id, ts, id);
