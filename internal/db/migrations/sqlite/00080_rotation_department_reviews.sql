-- +goose Up
-- The visiting student's evaluation of the department (issue 16), once,
-- after the rotation's last day: ratings 1-5 and free text. The
-- department is copied in so that its coordinators read their reviews
-- without walking the choices.
CREATE TABLE rotation_department_reviews (
    request_id    INTEGER PRIMARY KEY REFERENCES rotation_requests (id),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    teaching      INTEGER NOT NULL CHECK (teaching BETWEEN 1 AND 5),
    supervision   INTEGER NOT NULL CHECK (supervision BETWEEN 1 AND 5),
    organisation  INTEGER NOT NULL CHECK (organisation BETWEEN 1 AND 5),
    welcome       INTEGER NOT NULL CHECK (welcome BETWEEN 1 AND 5),
    body          TEXT NOT NULL DEFAULT '',
    submitted_at  TIMESTAMP NOT NULL
);
CREATE INDEX rotation_department_reviews_department ON rotation_department_reviews (department_id);

-- +goose Down
DROP TABLE rotation_department_reviews;
