-- Failures (or any result) of one task, newest first: the grid's most
-- common pair of filters (see the SQLite migration 013).
CREATE INDEX audit_log_task_result ON audit_log (task, result, ts, id);
