-- Failures (or any result) of one task, newest first: the grid's most
-- common pair of filters. With the task index alone, a count of a rare
-- pair walked every entry of the task (1.4 s at ten million entries).
CREATE INDEX audit_log_task_result ON audit_log (task, result, ts, id);
