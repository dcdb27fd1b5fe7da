-- Searches a user saved, by name.
CREATE TABLE saved_searches (
    owner      text COLLATE "C" NOT NULL,
    name       text COLLATE "C" NOT NULL,
    query      text        NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (owner, name)
);
