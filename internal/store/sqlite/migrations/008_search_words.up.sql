-- The text index of free words. An entry's words (audit.Entry.Words: the
-- lower-cased words of its description, task, user name and objects'
-- names) go into an FTS5 table when the entry reaches audit_log: in the
-- same transaction for large commits, when the buffer of recent entries
-- moves for small ones. Entries waiting in audit_log_recent keep their
-- words in a column of their own and are matched row by row.
-- detail=none keeps only which entries hold a word (no positions): free
-- words are matched as word prefixes, never as phrases. Entries recorded
-- before this migration are indexed after it, in chunks, before the
-- store opens (backfillWords, indexWords); backfill remembers how far.
ALTER TABLE audit_log_recent ADD COLUMN words TEXT NOT NULL DEFAULT '';
CREATE VIRTUAL TABLE audit_text USING fts5(words, detail=none, tokenize='unicode61 remove_diacritics 0');
CREATE TABLE backfill (
    name    TEXT PRIMARY KEY,
    next_id INTEGER NOT NULL,
    last_id INTEGER NOT NULL
);
