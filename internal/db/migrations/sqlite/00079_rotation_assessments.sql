-- +goose Up
-- The close of an incoming rotation (issue 16): what the department's
-- coordinator records about the visiting student, one row per request.
-- Attendance counts days present of days expected and is confirmed once
-- attendance_confirmed_at is set; the evaluation is in once evaluated_at
-- is set (ratings 1-5, a grade, comments). The certificate of completion
-- waits for both (rotation.Service.Complete). Mid-rotation feedback is
-- kept for rotations of four weeks or more. The coordinator may instead
-- send the supervisor a signed link (supervisor_*: the address, the
-- digest of the link's secret, when it expires); evaluated_via says who
-- filled the form. home_* is the student's
-- request to send the evaluation to their home school: where, in which
-- language, and the digest of the download link's secret (never the
-- secret itself) with the day it expires. home_code is the verification
-- code the evaluation's PDF prints (letter.Custom), which /verify checks;
-- it is drawn when the evaluation is first recorded.
CREATE TABLE rotation_assessments (
    request_id              INTEGER PRIMARY KEY REFERENCES rotation_requests (id),
    days_present            INTEGER CHECK (days_present >= 0),
    days_expected           INTEGER CHECK (days_expected > 0),
    attendance_confirmed_at TIMESTAMP,
    attendance_by           INTEGER REFERENCES users (id),
    medical_knowledge       INTEGER CHECK (medical_knowledge BETWEEN 1 AND 5),
    clinical_skills         INTEGER CHECK (clinical_skills BETWEEN 1 AND 5),
    professionalism         INTEGER CHECK (professionalism BETWEEN 1 AND 5),
    communication           INTEGER CHECK (communication BETWEEN 1 AND 5),
    initiative              INTEGER CHECK (initiative BETWEEN 1 AND 5),
    grade                   TEXT NOT NULL DEFAULT '',
    comments                TEXT NOT NULL DEFAULT '',
    evaluated_at            TIMESTAMP,
    evaluated_by            INTEGER REFERENCES users (id),
    evaluated_via           TEXT NOT NULL DEFAULT '' CHECK (evaluated_via IN ('', 'staff', 'supervisor')),
    supervisor_email        TEXT NOT NULL DEFAULT '',
    supervisor_token        TEXT,
    supervisor_until        TIMESTAMP,
    midterm                 TEXT NOT NULL DEFAULT '',
    midterm_at              TIMESTAMP,
    midterm_by              INTEGER REFERENCES users (id),
    home_email              TEXT NOT NULL DEFAULT '',
    home_lang               TEXT NOT NULL DEFAULT '',
    home_token              TEXT,
    home_code               TEXT,
    home_until              TIMESTAMP,
    home_sent_at            TIMESTAMP,
    created_at              TIMESTAMP NOT NULL,
    updated_at              TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX rotation_assessments_home_token ON rotation_assessments (home_token);
CREATE UNIQUE INDEX rotation_assessments_home_code ON rotation_assessments (home_code);
CREATE UNIQUE INDEX rotation_assessments_supervisor_token ON rotation_assessments (supervisor_token);

-- +goose Down
DROP TABLE rotation_assessments;
