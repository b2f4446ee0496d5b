-- +goose Up
-- Emailed one-time sign-in links for people without a university account.
-- Only the SHA-256 of a link's token is kept: the token itself exists in
-- the mail alone (and the outbox wipes it once sent). A link is used by
-- setting used_at in a guarded UPDATE, so it works once.
CREATE TABLE signin_links (
    token_hash TEXT PRIMARY KEY,
    email      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX signin_links_expires ON signin_links (expires_at);

-- Every request for a link, by address and by client IP, so that every
-- replica applies the same rate limits. sent is false when a limit refused
-- the request: no mail went out.
CREATE TABLE signin_requests (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    email      TEXT NOT NULL,
    ip         TEXT NOT NULL DEFAULT '',
    sent       BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX signin_requests_email ON signin_requests (email, created_at);
CREATE INDEX signin_requests_ip ON signin_requests (ip, created_at);

-- The profile of an incoming applicant (a foreign student): names in Latin
-- and native script, nationality (ISO 3166-1 alpha-2), the home
-- institution (a partner of the catalog, or a name and its country) and
-- the year of study. Letters and rotation requests read it.
CREATE TABLE incoming_profiles (
    user_id               INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    name_latin            TEXT NOT NULL,
    name_native           TEXT NOT NULL DEFAULT '',
    nationality           TEXT NOT NULL,
    home_institution_id   INTEGER REFERENCES institutions (id) ON DELETE SET NULL,
    home_institution_name TEXT NOT NULL DEFAULT '',
    home_country          TEXT NOT NULL DEFAULT '',
    year_of_study         INTEGER NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    CHECK (year_of_study BETWEEN 1 AND 8)
);
CREATE INDEX incoming_profiles_institution ON incoming_profiles (home_institution_id);

-- +goose Down
DROP TABLE incoming_profiles;
DROP TABLE signin_requests;
DROP TABLE signin_links;
