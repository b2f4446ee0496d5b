-- +goose Up
-- Mentors (issue 19): staff, residents and senior students who sign up to
-- welcome incoming students. languages are language codes and interests
-- lower-case words, each comma separated; capacity is how many students
-- at once (a match counts until its rotation's last day); the mentor is
-- available from available_from to available_until; exchange_institution_id
-- is the partner where the mentor went on exchange, if any.
CREATE TABLE mentors (
    id                      BIGSERIAL PRIMARY KEY,
    user_id                 BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind                    TEXT NOT NULL,
    languages               TEXT NOT NULL DEFAULT '',
    interests               TEXT NOT NULL DEFAULT '',
    capacity                INTEGER NOT NULL,
    available_from          DATE NOT NULL,
    available_until         DATE NOT NULL,
    exchange_institution_id BIGINT REFERENCES institutions (id),
    active                  BOOLEAN NOT NULL DEFAULT TRUE,
    version                 INTEGER NOT NULL DEFAULT 1,
    created_at              TIMESTAMPTZ NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL,
    CHECK (kind IN ('staff', 'resident', 'student') AND capacity BETWEEN 1 AND 10 AND version > 0
        AND available_until >= available_from)
);
CREATE UNIQUE INDEX mentors_user ON mentors (user_id);

-- The departments a mentor welcomes students of.
CREATE TABLE mentor_departments (
    mentor_id     BIGINT NOT NULL REFERENCES mentors (id) ON DELETE CASCADE,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    PRIMARY KEY (mentor_id, department_id)
);
CREATE INDEX mentor_departments_department ON mentor_departments (department_id);

-- +goose Down
DROP TABLE mentor_departments;
DROP TABLE mentors;
