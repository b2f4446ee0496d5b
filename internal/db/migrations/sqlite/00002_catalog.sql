-- +goose Up
CREATE TABLE institutions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name_en       TEXT NOT NULL,
    name_local    TEXT NOT NULL DEFAULT '',
    country       TEXT NOT NULL,
    city          TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL,
    identifier    TEXT NOT NULL DEFAULT '',
    is_home       BOOLEAN NOT NULL DEFAULT FALSE,
    website       TEXT NOT NULL DEFAULT '',
    contact_name  TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL DEFAULT '',
    retired_at    TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX institutions_country ON institutions (country);

CREATE TABLE agreements (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    kind           TEXT NOT NULL,
    title          TEXT NOT NULL,
    fields         TEXT NOT NULL DEFAULT '',
    valid_from     DATE NOT NULL,
    valid_until    DATE NOT NULL,
    quota_out      INTEGER NOT NULL DEFAULT 0,
    quota_in       INTEGER NOT NULL DEFAULT 0,
    document_url   TEXT NOT NULL DEFAULT '',
    retired_at     TIMESTAMP,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX agreements_institution ON agreements (institution_id);
CREATE INDEX agreements_valid_until ON agreements (valid_until);

CREATE TABLE departments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    code       TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    name_zh    TEXT NOT NULL,
    retired_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX departments_code ON departments (code);

CREATE TABLE electives (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    direction      TEXT NOT NULL,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    agreement_id   INTEGER REFERENCES agreements (id),
    department_id  INTEGER REFERENCES departments (id),
    kind           TEXT NOT NULL,
    title_en       TEXT NOT NULL,
    title_zh       TEXT NOT NULL DEFAULT '',
    specialty      TEXT NOT NULL,
    description_en TEXT NOT NULL DEFAULT '',
    description_zh TEXT NOT NULL DEFAULT '',
    language       TEXT NOT NULL,
    language_level TEXT NOT NULL DEFAULT '',
    min_year       INTEGER NOT NULL DEFAULT 1,
    duration_weeks INTEGER NOT NULL,
    required_docs  TEXT NOT NULL DEFAULT '',
    fee_amount     INTEGER NOT NULL DEFAULT 0,
    fee_currency   TEXT NOT NULL DEFAULT '',
    opens_on       DATE NOT NULL,
    closes_on      DATE NOT NULL,
    search_text    TEXT NOT NULL DEFAULT '',
    retired_at     TIMESTAMP,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX electives_institution ON electives (institution_id);
CREATE INDEX electives_agreement ON electives (agreement_id);
CREATE INDEX electives_listing ON electives (direction, closes_on, id);

CREATE TABLE periods (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    elective_id INTEGER NOT NULL REFERENCES electives (id),
    starts_on   DATE NOT NULL,
    ends_on     DATE NOT NULL,
    capacity    INTEGER NOT NULL,
    taken       INTEGER NOT NULL DEFAULT 0,
    retired_at  TIMESTAMP,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    CHECK (capacity >= 0 AND taken >= 0 AND taken <= capacity),
    CHECK (ends_on >= starts_on)
);
CREATE INDEX periods_elective ON periods (elective_id, starts_on);

CREATE TABLE funding (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name_en        TEXT NOT NULL,
    name_zh        TEXT NOT NULL DEFAULT '',
    sponsor        TEXT NOT NULL,
    sponsor_kind   TEXT NOT NULL,
    institution_id INTEGER REFERENCES institutions (id),
    amount         INTEGER NOT NULL DEFAULT 0,
    currency       TEXT NOT NULL DEFAULT 'TWD',
    eligibility    TEXT NOT NULL DEFAULT '',
    deadline       DATE NOT NULL,
    retired_at     TIMESTAMP,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE funding;
DROP TABLE periods;
DROP TABLE electives;
DROP TABLE departments;
DROP TABLE agreements;
DROP TABLE institutions;
