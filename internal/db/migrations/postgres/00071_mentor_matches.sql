-- +goose Up
-- An incoming student's wish for a mentor, from their rotation request:
-- the languages they speak (codes) and their interests (lower-case words),
-- each comma separated.
CREATE TABLE mentor_optins (
    request_id BIGINT PRIMARY KEY REFERENCES rotation_requests (id) ON DELETE CASCADE,
    student_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    languages  TEXT NOT NULL DEFAULT '',
    interests  TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX mentor_optins_student ON mentor_optins (student_id);

-- A confirmed match of a mentor and a request: one per request. The
-- rotation's department and days are copied at confirmation; the match
-- counts against the mentor's capacity until ends_on. manual marks an
-- override of the proposals, with its reason. Each side's feedback (1-5
-- and a text) comes after ends_on.
CREATE TABLE mentor_matches (
    id               BIGSERIAL PRIMARY KEY,
    mentor_id        BIGINT NOT NULL REFERENCES mentors (id) ON DELETE CASCADE,
    request_id       BIGINT NOT NULL REFERENCES rotation_requests (id) ON DELETE CASCADE,
    student_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    department_id    BIGINT NOT NULL REFERENCES departments (id),
    starts_on        DATE NOT NULL,
    ends_on          DATE NOT NULL,
    score            INTEGER NOT NULL DEFAULT 0,
    manual           BOOLEAN NOT NULL DEFAULT FALSE,
    reason           TEXT NOT NULL DEFAULT '',
    confirmed_by     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    confirmed_at     TIMESTAMPTZ NOT NULL,
    mentor_rating    INTEGER,
    mentor_comment   TEXT NOT NULL DEFAULT '',
    mentor_rated_at  TIMESTAMPTZ,
    student_rating   INTEGER,
    student_comment  TEXT NOT NULL DEFAULT '',
    student_rated_at TIMESTAMPTZ,
    CHECK (ends_on >= starts_on AND (mentor_rating IS NULL OR mentor_rating BETWEEN 1 AND 5)
        AND (student_rating IS NULL OR student_rating BETWEEN 1 AND 5) AND (NOT manual OR reason <> ''))
);
CREATE UNIQUE INDEX mentor_matches_request ON mentor_matches (request_id);
CREATE INDEX mentor_matches_mentor ON mentor_matches (mentor_id, ends_on);
CREATE INDEX mentor_matches_student ON mentor_matches (student_id);

-- +goose Down
DROP TABLE mentor_matches;
DROP TABLE mentor_optins;
