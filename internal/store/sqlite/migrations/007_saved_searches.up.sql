-- Searches a user saved, by name. Times are microseconds since the epoch.
CREATE TABLE saved_searches (
    owner      TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    query      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (owner, name)
);
