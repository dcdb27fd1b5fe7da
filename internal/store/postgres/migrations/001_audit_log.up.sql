-- The audit log, range-partitioned by month on ts so that archive/purge can
-- drop whole partitions. Text columns compare byte-wise (COLLATE "C"), as
-- SQLite does, so that both engines sort and page identically.
CREATE TABLE audit_log (
    id                bigint      NOT NULL,
    ts                timestamptz NOT NULL,
    recorded_at       timestamptz NOT NULL,
    user_name         text COLLATE "C" NOT NULL,
    user_ip           text COLLATE "C" NOT NULL,
    domain            text COLLATE "C" NOT NULL,
    application       text COLLATE "C" NOT NULL,
    workspace         text COLLATE "C" NOT NULL,
    task              text COLLATE "C" NOT NULL,
    result            text COLLATE "C" NOT NULL,
    job_id            bigint      NOT NULL,
    description       text        NOT NULL,
    affected_objects  text        NOT NULL,
    detail            bytea,
    has_config_change boolean     NOT NULL,
    source            text COLLATE "C" NOT NULL,
    event_id          text COLLATE "C",
    prev_hash         bytea       NOT NULL,
    hash              bytea       NOT NULL,
    PRIMARY KEY (id, ts)
) PARTITION BY RANGE (ts);

-- Entries whose month has no partition of its own (backfills of old
-- history, far-future clocks) land here.
CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;

-- Its sort indexes are in the shared part of this step
-- (internal/store/internal/migrate/shared).

-- Idempotency keys live beside the partitioned table: a unique index on a
-- partitioned table must contain the partition key.
CREATE TABLE audit_log_event (
    source   text COLLATE "C" NOT NULL,
    event_id text COLLATE "C" NOT NULL,
    id       bigint NOT NULL,
    PRIMARY KEY (source, event_id)
);

-- The head of the hash chain. Every append locks this row, so that any
-- number of Logbook replicas extend one chain.
CREATE TABLE chain_head (
    singleton integer PRIMARY KEY CHECK (singleton = 1),
    last_id   bigint NOT NULL,
    last_hash bytea  NOT NULL
);
INSERT INTO chain_head (singleton, last_id, last_hash) VALUES (1, 0, '\x0000000000000000000000000000000000000000000000000000000000000000');
