-- +goose Up
-- What a student watches (issue 13): the electives they starred, the
-- catalog searches they saved by name, and the window mails already sent
-- about a starred elective. watch_mails is the dedupe of those mails: the
-- outbox forgets sent mail after a while (notify's prune), this table does
-- not, so a window that opened is announced once however long it stays
-- open. window_on is the day the mail is about (the opening or closing
-- day): a window the office moves is announced again.
CREATE TABLE stars (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    elective_id INTEGER NOT NULL REFERENCES electives (id),
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, elective_id)
);
CREATE INDEX stars_elective ON stars (elective_id);

-- query is the catalog address's query string as the search understood it
-- (q, country, specialty, kind, language, month, seats).
CREATE TABLE saved_searches (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    query      TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    checked_at TIMESTAMP
);
CREATE UNIQUE INDEX saved_searches_name ON saved_searches (user_id, name);

-- The electives a saved search has already found: its mail names only
-- electives new to it. checked_at is NULL until the first look, which
-- records what the search finds without mailing about it.
CREATE TABLE saved_search_hits (
    search_id   INTEGER NOT NULL REFERENCES saved_searches (id) ON DELETE CASCADE,
    elective_id INTEGER NOT NULL REFERENCES electives (id),
    PRIMARY KEY (search_id, elective_id)
);

CREATE TABLE watch_mails (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    elective_id INTEGER NOT NULL REFERENCES electives (id),
    kind        TEXT NOT NULL,
    window_on   DATE NOT NULL,
    sent_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, elective_id, kind, window_on)
);

-- +goose Down
DROP TABLE watch_mails;
DROP TABLE saved_search_hits;
DROP TABLE saved_searches;
DROP TABLE stars;
