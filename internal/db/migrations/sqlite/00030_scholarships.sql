-- +goose Up
-- Scholarship calls (issue 14): the office opens a call on a funding
-- opportunity of the catalog, with a budget (an amount per award and a
-- number of awards, or a total, or both; 0 is no limit, at least one
-- limit is set); students request funding tied to their placement; the
-- office scores the requests and awards them with the selection engine
-- (selection/match.Award). seed is the lottery's for the last ties.
CREATE TABLE scholarship_calls (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    funding_id     INTEGER NOT NULL REFERENCES funding (id),
    name           TEXT NOT NULL,
    year           INTEGER NOT NULL,
    deadline       TIMESTAMP NOT NULL,
    per_award      INTEGER NOT NULL DEFAULT 0,
    max_awards     INTEGER NOT NULL DEFAULT 0,
    total          INTEGER NOT NULL DEFAULT 0,
    currency       TEXT NOT NULL,
    need_placement BOOLEAN NOT NULL DEFAULT FALSE,
    state          TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    seed           INTEGER NOT NULL,
    created_by     INTEGER NOT NULL REFERENCES users (id),
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    CHECK (version > 0 AND per_award >= 0 AND max_awards >= 0 AND total >= 0 AND (max_awards > 0 OR total > 0)
        AND state IN ('open', 'awarded', 'closed'))
);
CREATE INDEX scholarship_calls_year ON scholarship_calls (year, state);

-- The call's rubric: each component a value from 0 to max_value, weighted.
CREATE TABLE scholarship_components (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id   INTEGER NOT NULL REFERENCES scholarship_calls (id) ON DELETE CASCADE,
    ordinal   INTEGER NOT NULL,
    name_en   TEXT NOT NULL,
    name_zh   TEXT NOT NULL,
    weight    INTEGER NOT NULL,
    max_value INTEGER NOT NULL,
    CHECK (weight BETWEEN 0 AND 100 AND max_value > 0)
);
CREATE INDEX scholarship_components_call ON scholarship_components (call_id, ordinal);

-- A student's request in a call, tied to one of their applications; one
-- per student and call. amount is in the currency's unit.
CREATE TABLE scholarship_requests (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id        INTEGER NOT NULL REFERENCES scholarship_calls (id),
    student_id     INTEGER NOT NULL REFERENCES users (id),
    application_id INTEGER NOT NULL REFERENCES applications (id),
    motivation     TEXT NOT NULL DEFAULT '',
    amount         INTEGER NOT NULL,
    state          TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    submitted_at   TIMESTAMP,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    CHECK (amount >= 0 AND version > 0 AND state IN ('draft', 'submitted', 'withdrawn'))
);
CREATE UNIQUE INDEX scholarship_requests_student ON scholarship_requests (call_id, student_id);
CREATE INDEX scholarship_requests_student_id ON scholarship_requests (student_id);

-- Each request's value per component, in hundredths; audited.
CREATE TABLE scholarship_scores (
    request_id   INTEGER NOT NULL REFERENCES scholarship_requests (id) ON DELETE CASCADE,
    component_id INTEGER NOT NULL REFERENCES scholarship_components (id) ON DELETE CASCADE,
    value_centi  INTEGER NOT NULL,
    updated_by   INTEGER NOT NULL REFERENCES users (id),
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (request_id, component_id)
);

-- The register: each award, its letter's verification code and its
-- disbursement (awarded -> paid -> returned). A returned award gives its
-- money back to the call's budget. One award per request.
CREATE TABLE scholarship_awards (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id     INTEGER NOT NULL REFERENCES scholarship_calls (id),
    request_id  INTEGER NOT NULL REFERENCES scholarship_requests (id),
    student_id  INTEGER NOT NULL REFERENCES users (id),
    amount      INTEGER NOT NULL,
    currency    TEXT NOT NULL,
    score_centi INTEGER NOT NULL,
    code        TEXT NOT NULL,
    status      TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    awarded_by  INTEGER NOT NULL REFERENCES users (id),
    awarded_at  TIMESTAMP NOT NULL,
    paid_at     TIMESTAMP,
    returned_at TIMESTAMP,
    CHECK (amount >= 0 AND version > 0 AND status IN ('awarded', 'paid', 'returned'))
);
CREATE UNIQUE INDEX scholarship_awards_request ON scholarship_awards (request_id);
CREATE UNIQUE INDEX scholarship_awards_code ON scholarship_awards (code);
CREATE INDEX scholarship_awards_call ON scholarship_awards (call_id, status);
CREATE INDEX scholarship_awards_student ON scholarship_awards (student_id);

-- +goose Down
DROP TABLE scholarship_awards;
DROP TABLE scholarship_scores;
DROP TABLE scholarship_requests;
DROP TABLE scholarship_components;
DROP TABLE scholarship_calls;
