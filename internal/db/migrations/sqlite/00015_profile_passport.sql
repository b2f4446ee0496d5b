-- +goose Up
-- An incoming applicant's passport identity (issues 13 and 19): visa
-- support letters print the names as the passport writes them, the date of
-- birth and the passport number. name_latin stays the printed full name,
-- now derived from given_names and family_name when the profile is saved.
-- Profiles written before have empty names here and no date of birth:
-- the portal asks their owners to complete them.
ALTER TABLE incoming_profiles ADD COLUMN given_names TEXT NOT NULL DEFAULT '';
ALTER TABLE incoming_profiles ADD COLUMN family_name TEXT NOT NULL DEFAULT '';
ALTER TABLE incoming_profiles ADD COLUMN birth_date DATE;
ALTER TABLE incoming_profiles ADD COLUMN passport_number TEXT NOT NULL DEFAULT '';
ALTER TABLE incoming_profiles ADD COLUMN passport_expires DATE;

-- A visa support letter records what it certified, like the other
-- letters. SQLite cannot change a CHECK constraint in place, so the
-- letters table is rebuilt with the new kind and columns (nothing
-- references it).
CREATE TABLE letters_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    code             TEXT NOT NULL,
    kind             TEXT NOT NULL,
    request_id       INTEGER NOT NULL,
    seq              INTEGER NOT NULL,
    holder_id        INTEGER NOT NULL REFERENCES users (id),
    name_latin       TEXT NOT NULL,
    name_native      TEXT NOT NULL DEFAULT '',
    home_institution TEXT NOT NULL DEFAULT '',
    department_en    TEXT NOT NULL,
    department_zh    TEXT NOT NULL DEFAULT '',
    starts_on        DATE NOT NULL,
    ends_on          DATE NOT NULL,
    issued_at        TIMESTAMP NOT NULL,
    superseded_at    TIMESTAMP,
    given_names      TEXT NOT NULL DEFAULT '',
    family_name      TEXT NOT NULL DEFAULT '',
    nationality      TEXT NOT NULL DEFAULT '',
    birth_date       DATE,
    passport_number  TEXT NOT NULL DEFAULT '',
    CHECK (kind IN ('acceptance', 'completion', 'visa') AND seq > 0 AND ends_on >= starts_on)
);
INSERT INTO letters_new (id, code, kind, request_id, seq, holder_id, name_latin, name_native, home_institution,
    department_en, department_zh, starts_on, ends_on, issued_at, superseded_at)
SELECT id, code, kind, request_id, seq, holder_id, name_latin, name_native, home_institution,
    department_en, department_zh, starts_on, ends_on, issued_at, superseded_at FROM letters;
DROP TABLE letters;
ALTER TABLE letters_new RENAME TO letters;
CREATE UNIQUE INDEX letters_code ON letters (code);
CREATE UNIQUE INDEX letters_request ON letters (request_id, kind, seq);
CREATE INDEX letters_holder ON letters (holder_id);

-- +goose Down
CREATE TABLE letters_old (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    code             TEXT NOT NULL,
    kind             TEXT NOT NULL,
    request_id       INTEGER NOT NULL,
    seq              INTEGER NOT NULL,
    holder_id        INTEGER NOT NULL REFERENCES users (id),
    name_latin       TEXT NOT NULL,
    name_native      TEXT NOT NULL DEFAULT '',
    home_institution TEXT NOT NULL DEFAULT '',
    department_en    TEXT NOT NULL,
    department_zh    TEXT NOT NULL DEFAULT '',
    starts_on        DATE NOT NULL,
    ends_on          DATE NOT NULL,
    issued_at        TIMESTAMP NOT NULL,
    superseded_at    TIMESTAMP,
    CHECK (kind IN ('acceptance', 'completion') AND seq > 0 AND ends_on >= starts_on)
);
INSERT INTO letters_old (id, code, kind, request_id, seq, holder_id, name_latin, name_native, home_institution,
    department_en, department_zh, starts_on, ends_on, issued_at, superseded_at)
SELECT id, code, kind, request_id, seq, holder_id, name_latin, name_native, home_institution,
    department_en, department_zh, starts_on, ends_on, issued_at, superseded_at FROM letters WHERE kind <> 'visa';
DROP TABLE letters;
ALTER TABLE letters_old RENAME TO letters;
CREATE UNIQUE INDEX letters_code ON letters (code);
CREATE UNIQUE INDEX letters_request ON letters (request_id, kind, seq);
CREATE INDEX letters_holder ON letters (holder_id);
ALTER TABLE incoming_profiles DROP COLUMN passport_expires;
ALTER TABLE incoming_profiles DROP COLUMN passport_number;
ALTER TABLE incoming_profiles DROP COLUMN birth_date;
ALTER TABLE incoming_profiles DROP COLUMN family_name;
ALTER TABLE incoming_profiles DROP COLUMN given_names;
