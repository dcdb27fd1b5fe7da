-- Counts per hour, domain and value of the columns the Statistics page
-- groups by, for the entries in audit_log (entries join them when they
-- reach audit_log, and leave them when purged): a count over days reads
-- a few thousand rows here instead of every entry. See rollup.go.
CREATE TABLE audit_stats (
    field  TEXT    NOT NULL,
    hour   INTEGER NOT NULL, -- microseconds since the epoch, a whole hour
    domain TEXT    NOT NULL,
    value  TEXT    NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (field, hour, domain, value)
) WITHOUT ROWID;
