-- +goose Up
-- The host supervisor's evaluation of an outgoing student (issue 16).
-- One per application: the primary key is what makes "saved once" hold
-- when two answers (two tabs, a link and the office's paper form) arrive
-- together. source says how it came: through the supervisor's link, or
-- typed by the office from a paper form, whose file is kept beside it
-- (paper_*: a storage key, never served from the web root).
CREATE TABLE host_evaluations (
    application_id    BIGINT PRIMARY KEY REFERENCES applications (id),
    source            TEXT NOT NULL CHECK (source IN ('link', 'paper')),
    supervisor_name   TEXT NOT NULL,
    supervisor_email  TEXT NOT NULL DEFAULT '',
    days_present      INTEGER NOT NULL CHECK (days_present >= 0),
    days_expected     INTEGER NOT NULL CHECK (days_expected >= 1),
    medical_knowledge INTEGER NOT NULL CHECK (medical_knowledge BETWEEN 1 AND 5),
    clinical_skills   INTEGER NOT NULL CHECK (clinical_skills BETWEEN 1 AND 5),
    professionalism   INTEGER NOT NULL CHECK (professionalism BETWEEN 1 AND 5),
    communication     INTEGER NOT NULL CHECK (communication BETWEEN 1 AND 5),
    initiative        INTEGER NOT NULL CHECK (initiative BETWEEN 1 AND 5),
    grade             TEXT NOT NULL,
    comments          TEXT NOT NULL DEFAULT '',
    paper_key         TEXT,
    paper_name        TEXT,
    paper_type        TEXT,
    paper_size        BIGINT,
    recorded_by       BIGINT REFERENCES users (id),
    created_at        TIMESTAMPTZ NOT NULL
);

-- A supervisor's link, as the host's dossier links (host_links): kept as
-- a hash only, it answers once, expires, and the office may revoke it.
-- requested_by is the office member who asked, NULL when the daily job
-- sent it after the last day; reminded_at makes the one reminder once.
CREATE TABLE host_evaluation_links (
    id               BIGSERIAL PRIMARY KEY,
    application_id   BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    supervisor_name  TEXT NOT NULL,
    supervisor_email TEXT NOT NULL,
    lang             TEXT NOT NULL,
    token_hash       TEXT NOT NULL,
    requested_by     BIGINT REFERENCES users (id),
    created_at       TIMESTAMPTZ NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL,
    revoked_at       TIMESTAMPTZ,
    used_at          TIMESTAMPTZ,
    reminded_at      TIMESTAMPTZ
);
CREATE UNIQUE INDEX host_evaluation_links_token ON host_evaluation_links (token_hash);
CREATE INDEX host_evaluation_links_application ON host_evaluation_links (application_id);

-- +goose Down
DROP TABLE host_evaluation_links;
DROP TABLE host_evaluations;
