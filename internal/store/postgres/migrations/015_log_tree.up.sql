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
-- entry_id rises with idx, so the leaf of an entry is found by bisection,
-- without an index to keep up on every append.
CREATE TABLE log_leaves (
    idx      bigint PRIMARY KEY,
    entry_id bigint NOT NULL,
    leaf     bytea  NOT NULL,
    hashes   bytea  NOT NULL
);

-- origin names the log (set once); edge holds the stored hashes of the
-- tree's right edge, largest subtree first; last_entry is the id of the
-- last entry with a leaf. legacy_upto is the chain head when this step
-- ran: only entries up to it may be given leaves after the fact; an entry
-- above it without a leaf was not appended by Logbook, and verification
-- names it.
CREATE TABLE log_state (
    singleton  integer PRIMARY KEY CHECK (singleton = 1),
    origin     text   NOT NULL,
    size       bigint NOT NULL,
    root       bytea  NOT NULL,
    edge       bytea  NOT NULL,
    last_entry bigint NOT NULL,
    legacy_upto bigint NOT NULL
);
-- The root of the empty tree is SHA-256 of nothing (RFC 6962).
INSERT INTO log_state SELECT 1, '', 0, '\xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'::bytea, ''::bytea, 0, last_id FROM chain_head;

-- Signed checkpoints, newest last.
CREATE TABLE log_checkpoints (
    size      bigint PRIMARY KEY,
    signed_at timestamptz NOT NULL,
    note      bytea NOT NULL
);
