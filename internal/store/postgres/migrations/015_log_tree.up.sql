-- The verifiable log (internal/integrity, docs/integrity.md): one leaf per
-- entry in commit order, committing to the entry with a random salt kept
-- on its row. Leaves live outside the partitioned audit_log, so that
-- dropping a month's partition never touches them. log_state is the tree
-- as the next append extends it; the store gives entries older than this
-- step their leaves at open, in chunks.
ALTER TABLE audit_log ADD COLUMN salt bytea;

-- Domains by number, as leaves name them.
CREATE TABLE log_domains (
    id   bigint PRIMARY KEY,
    name text COLLATE "C" NOT NULL UNIQUE
);
INSERT INTO log_domains (id, name) VALUES (1, 'Global');

-- idx is the leaf index, from 0; hashes are the stored hashes the leaf
-- added to the tree (golang.org/x/mod/sumdb/tlog), 32 bytes each.
CREATE TABLE log_leaves (
    idx      bigint PRIMARY KEY,
    entry_id bigint NOT NULL UNIQUE,
    leaf     bytea  NOT NULL,
    hashes   bytea  NOT NULL
);

-- origin names the log (set once); edge holds the stored hashes of the
-- tree's right edge, largest subtree first; last_entry is the id of the
-- last entry with a leaf.
CREATE TABLE log_state (
    singleton  integer PRIMARY KEY CHECK (singleton = 1),
    origin     text   NOT NULL,
    size       bigint NOT NULL,
    root       bytea  NOT NULL,
    edge       bytea  NOT NULL,
    last_entry bigint NOT NULL
);
-- The root of the empty tree is SHA-256 of nothing (RFC 6962).
INSERT INTO log_state VALUES (1, '', 0, '\xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', '', 0);

-- Signed checkpoints, newest last.
CREATE TABLE log_checkpoints (
    size      bigint PRIMARY KEY,
    signed_at timestamptz NOT NULL,
    note      bytea NOT NULL
);
