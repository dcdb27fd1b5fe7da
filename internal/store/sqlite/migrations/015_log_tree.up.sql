-- The verifiable log (internal/integrity, docs/integrity.md): one leaf per
-- entry in commit order, committing to the entry with a random salt kept
-- on its row. Leaves are never purged. log_state is the tree as the next
-- append extends it; the store gives entries older than this step their
-- leaves at open, in chunks, before anything is appended.
ALTER TABLE audit_log ADD COLUMN salt BLOB;
ALTER TABLE audit_log_recent ADD COLUMN salt BLOB;

-- Domains by number, as leaves name them: a leaf must not spell out a
-- domain's name, and a number never changes once given.
CREATE TABLE log_domains (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
INSERT INTO log_domains (id, name) VALUES (1, 'Global');

-- idx is the leaf index, from 0; hashes are the stored hashes the leaf
-- added to the tree (golang.org/x/mod/sumdb/tlog), from
-- tlog.StoredHashIndex(0, idx) on, 32 bytes each. entry_id rises with idx,
-- so the leaf of an entry is found by bisection, without an index to
-- keep up on every append.
CREATE TABLE log_leaves (
    idx      INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL,
    leaf     BLOB    NOT NULL,
    hashes   BLOB    NOT NULL
);

-- origin names the log (set once, at the first open after this step);
-- edge holds the stored hashes of the tree's right edge, largest subtree
-- first; last_entry is the id of the last entry with a leaf. legacy_upto is
-- the chain head when this step ran: only entries up to it may be given
-- leaves after the fact; an entry above it without a leaf was not
-- appended by Logbook, and verification names it.
CREATE TABLE log_state (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    origin     TEXT    NOT NULL,
    size       INTEGER NOT NULL,
    root       BLOB    NOT NULL,
    edge       BLOB    NOT NULL,
    last_entry INTEGER NOT NULL,
    legacy_upto INTEGER NOT NULL
);
-- The root of the empty tree is SHA-256 of nothing (RFC 6962).
INSERT INTO log_state SELECT 1, '', 0, x'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', x'', 0, last_id FROM chain_head;

-- Signed checkpoints, newest last (signed_at: microseconds since the epoch).
CREATE TABLE log_checkpoints (
    size      INTEGER PRIMARY KEY,
    signed_at INTEGER NOT NULL,
    note      BLOB    NOT NULL
);
