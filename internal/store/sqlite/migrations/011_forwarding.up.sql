-- Forwarding criteria and their delivery cursors (internal/forward).
-- Times are microseconds since the epoch; 0 means never.
CREATE TABLE forwarding_criteria (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    name              TEXT    NOT NULL UNIQUE,
    description       TEXT    NOT NULL DEFAULT '',
    host              TEXT    NOT NULL,
    port              INTEGER NOT NULL,
    protocol          TEXT    NOT NULL,
    format            TEXT    NOT NULL,
    filter            TEXT    NOT NULL DEFAULT '',
    enabled           INTEGER NOT NULL,
    tls_ca_pem        TEXT    NOT NULL DEFAULT '',
    tls_cert_pem      TEXT    NOT NULL DEFAULT '',
    tls_key_pem       TEXT    NOT NULL DEFAULT '',
    tls_server_name   TEXT    NOT NULL DEFAULT '',
    scope             TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    last_delivered_id INTEGER NOT NULL DEFAULT 0,
    in_flight_id      INTEGER NOT NULL DEFAULT 0,
    last_success      INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT    NOT NULL DEFAULT '',
    last_error_at     INTEGER NOT NULL DEFAULT 0,
    failing_since     INTEGER NOT NULL DEFAULT 0
);
