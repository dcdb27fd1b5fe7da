-- Parameters of Logbook's own jobs (archive/purge: the cut, the scope,
-- the archive target), a JSON object; '' for none.
ALTER TABLE jobs ADD COLUMN params text NOT NULL DEFAULT '';
