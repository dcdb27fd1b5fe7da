-- The text index of free words: each entry's words (audit.Entry.Words:
-- the lower-cased words of its description, task, user name and objects'
-- names, computed by Logbook so that both engines split text alike) and a
-- GIN index over them as lexemes, which prefix queries (word:*) use.
-- Entries recorded before this migration get their words from it, and the
-- index is built afterwards (see backfillWords).
ALTER TABLE audit_log ADD COLUMN words text NOT NULL DEFAULT '';
