-- Users, domains, API tokens and sessions. NULL times mean "never".
CREATE TABLE users (
    name          text COLLATE "C" PRIMARY KEY,
    password_hash text        NOT NULL,
    roles         text[]      NOT NULL,
    domains       text[]      NOT NULL,
    locked        boolean     NOT NULL DEFAULT false,
    failed_logins integer     NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    last_login_at timestamptz
);

CREATE TABLE domains (
    name        text COLLATE "C" PRIMARY KEY,
    parent_read boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL
);
INSERT INTO domains (name, parent_read, created_at) VALUES ('Global', false, 'epoch');

CREATE TABLE tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text        NOT NULL,
    hash         text        NOT NULL UNIQUE,
    scopes       text[]      NOT NULL,
    domains      text[]      NOT NULL,
    created_by   text        NOT NULL,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

CREATE TABLE sessions (
    id_hash      text PRIMARY KEY,
    user_name    text        NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_name);
