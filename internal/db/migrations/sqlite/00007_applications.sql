-- +goose Up
-- Outgoing applications. status and version change only through the
-- workflow, each change as UPDATE ... WHERE id = ? AND version = ? with its
-- review event in the same transaction. specialty is the first choice's,
-- copied here so that a reviewer's queue filters on one table.
CREATE TABLE applications (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    applicant_id     INTEGER NOT NULL REFERENCES users (id),
    direction        TEXT NOT NULL,
    status           TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1,
    statement        TEXT NOT NULL DEFAULT '',
    specialty        TEXT NOT NULL DEFAULT '',
    current_choice   INTEGER NOT NULL DEFAULT 1,
    report           TEXT NOT NULL DEFAULT '',
    create_key       TEXT,
    submit_key       TEXT,
    offer_expires_at TIMESTAMP,
    stage_since      TIMESTAMP NOT NULL,
    submitted_at     TIMESTAMP,
    approved_at      TIMESTAMP,
    nominated_at     TIMESTAMP,
    decided_at       TIMESTAMP,
    confirmed_at     TIMESTAMP,
    completed_at     TIMESTAMP,
    closed_at        TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    CHECK (version > 0 AND current_choice BETWEEN 1 AND 3)
);
-- A retried "start" or "submit" carries the same key: one application.
CREATE UNIQUE INDEX applications_create_key ON applications (applicant_id, create_key);
CREATE UNIQUE INDEX applications_submit_key ON applications (applicant_id, submit_key);
CREATE INDEX applications_applicant ON applications (applicant_id, updated_at);
CREATE INDEX applications_queue ON applications (status, stage_since, id);
CREATE INDEX applications_scope ON applications (specialty, status, stage_since);
CREATE INDEX applications_offer ON applications (status, offer_expires_at);

-- Up to three ranked choices. seat_reserved marks the one seat an accepted
-- choice holds in periods.taken; quota_agreement_id and quota_year mark
-- the agreement's yearly outgoing quota a nomination holds.
CREATE TABLE application_choices (
    application_id     INTEGER NOT NULL REFERENCES applications (id),
    rank               INTEGER NOT NULL,
    elective_id        INTEGER NOT NULL REFERENCES electives (id),
    period_id          INTEGER NOT NULL REFERENCES periods (id),
    host_decision      TEXT NOT NULL DEFAULT '',
    seat_reserved      BOOLEAN NOT NULL DEFAULT FALSE,
    quota_agreement_id INTEGER REFERENCES agreements (id),
    quota_year         INTEGER,
    nominated_at       TIMESTAMP,
    decided_at         TIMESTAMP,
    PRIMARY KEY (application_id, rank),
    CHECK (rank BETWEEN 1 AND 3)
);
CREATE UNIQUE INDEX application_choices_period ON application_choices (application_id, period_id);
CREATE INDEX application_choices_seat ON application_choices (period_id, seat_reserved);
CREATE INDEX application_choices_elective ON application_choices (elective_id);
CREATE INDEX application_choices_quota ON application_choices (quota_agreement_id, quota_year);

-- The append-only history: one row per transition, and notes (from_stage
-- equal to to_stage). internal rows are never shown to the applicant.
CREATE TABLE review_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    actor_id       INTEGER REFERENCES users (id),
    role           TEXT NOT NULL,
    from_stage     TEXT NOT NULL,
    to_stage       TEXT NOT NULL,
    action         TEXT NOT NULL,
    choice         INTEGER NOT NULL DEFAULT 0,
    comment        TEXT NOT NULL DEFAULT '',
    internal       BOOLEAN NOT NULL DEFAULT FALSE,
    at             TIMESTAMP NOT NULL
);
CREATE INDEX review_events_application ON review_events (application_id, id);
CREATE INDEX review_events_actor ON review_events (actor_id, at);

-- The specialties a department reviewer reviews. The office and admins
-- see every application and need no rows here.
CREATE TABLE reviewer_scopes (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    specialty  TEXT NOT NULL,
    granted_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    granted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, specialty)
);
CREATE INDEX reviewer_scopes_specialty ON reviewer_scopes (specialty);

-- +goose Down
DROP TABLE reviewer_scopes;
DROP TABLE review_events;
DROP TABLE application_choices;
DROP TABLE applications;
