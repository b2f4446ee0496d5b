-- +goose Up
-- Incoming rotations at the home hospital's departments.

-- The rules of a department's rotations. A department takes requests once
-- it has a row here and published weeks.
CREATE TABLE rotation_rules (
    department_id BIGINT PRIMARY KEY REFERENCES departments (id),
    min_weeks     INTEGER NOT NULL DEFAULT 1,
    max_weeks     INTEGER NOT NULL DEFAULT 8,
    lead_days     INTEGER NOT NULL DEFAULT 30,
    updated_at    TIMESTAMPTZ NOT NULL,
    CHECK (min_weeks >= 1 AND max_weeks >= min_weeks AND max_weeks <= 52 AND lead_days >= 0)
);

-- One published week (starting on its Monday) of a department, with its
-- seats. taken counts the accepted and confirmed rotations holding a seat
-- in the week; a blackout week takes nobody new.
CREATE TABLE rotation_blocks (
    department_id BIGINT NOT NULL REFERENCES departments (id),
    week          DATE NOT NULL,
    seats         INTEGER NOT NULL,
    taken         INTEGER NOT NULL DEFAULT 0,
    blackout      BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (department_id, week),
    CHECK (seats >= 0 AND taken >= 0 AND taken <= seats)
);
CREATE INDEX rotation_blocks_week ON rotation_blocks (week);

-- The departments a host coordinator looks after. The office and admins
-- see every department and need no rows here.
CREATE TABLE rotation_coordinators (
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    granted_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, department_id)
);
CREATE INDEX rotation_coordinators_department ON rotation_coordinators (department_id);

-- A rotation request. status and version change only through the
-- workflow, each change as UPDATE ... WHERE id = ? AND version = ? with its
-- event in the same transaction. accepted_choice is the rank whose weeks
-- hold seats (0 before acceptance). The onboarding answers are NULL until
-- given.
CREATE TABLE rotation_requests (
    id              BIGSERIAL PRIMARY KEY,
    applicant_id    BIGINT NOT NULL REFERENCES users (id),
    status          TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    statement       TEXT NOT NULL DEFAULT '',
    accepted_choice INTEGER NOT NULL DEFAULT 0,
    create_key      TEXT,
    submit_key      TEXT,
    arrival_on      DATE,
    visa_letter     BOOLEAN,
    housing         BOOLEAN,
    stage_since     TIMESTAMPTZ NOT NULL,
    submitted_at    TIMESTAMPTZ,
    decided_at      TIMESTAMPTZ,
    confirmed_at    TIMESTAMPTZ,
    completed_at    TIMESTAMPTZ,
    closed_at       TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    CHECK (version > 0 AND accepted_choice BETWEEN 0 AND 3)
);
CREATE UNIQUE INDEX rotation_requests_create_key ON rotation_requests (applicant_id, create_key);
CREATE UNIQUE INDEX rotation_requests_submit_key ON rotation_requests (applicant_id, submit_key);
CREATE INDEX rotation_requests_applicant ON rotation_requests (applicant_id, updated_at);
CREATE INDEX rotation_requests_queue ON rotation_requests (status, stage_since, id);

-- Up to three ranked choices: a department, the Monday of the first week
-- and the number of weeks.
CREATE TABLE rotation_choices (
    request_id    BIGINT NOT NULL REFERENCES rotation_requests (id),
    rank          INTEGER NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    starts_on     DATE NOT NULL,
    weeks         INTEGER NOT NULL,
    PRIMARY KEY (request_id, rank),
    CHECK (rank BETWEEN 1 AND 3 AND weeks >= 1)
);
CREATE INDEX rotation_choices_department ON rotation_choices (department_id, starts_on);

-- The append-only history of a request: one row per transition, and
-- onboarding answers (from_stage equal to to_stage).
CREATE TABLE rotation_events (
    id         BIGSERIAL PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES rotation_requests (id),
    actor_id   BIGINT REFERENCES users (id),
    role       TEXT NOT NULL,
    from_stage TEXT NOT NULL,
    to_stage   TEXT NOT NULL,
    action     TEXT NOT NULL,
    choice     INTEGER NOT NULL DEFAULT 0,
    comment    TEXT NOT NULL DEFAULT '',
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX rotation_events_request ON rotation_events (request_id, id);

-- Which wallet document versions a request carries.
CREATE TABLE rotation_request_documents (
    request_id  BIGINT NOT NULL REFERENCES rotation_requests (id),
    document_id BIGINT NOT NULL REFERENCES documents (id),
    attached_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (request_id, document_id)
);
CREATE INDEX rotation_request_documents_document ON rotation_request_documents (document_id);

-- +goose Down
DROP TABLE rotation_request_documents;
DROP TABLE rotation_events;
DROP TABLE rotation_choices;
DROP TABLE rotation_requests;
DROP TABLE rotation_coordinators;
DROP TABLE rotation_blocks;
DROP TABLE rotation_rules;
