-- +goose Up
-- After an outgoing placement (issue 16). student_reports is the student's
-- structured evaluation of the host, one per application, a draft until
-- submitted_at is set; ratings are 1-5 or NULL while not given. The
-- elective is copied in so that an elective's page aggregates its reports
-- without walking choices. report_reminders makes each
-- reminder (7 and 21 days after the last day) mail once, whoever runs the job. recognitions is how the
-- placement counts at home; writing one completes the application in the
-- same transaction.
CREATE TABLE student_reports (
    application_id     BIGINT PRIMARY KEY REFERENCES applications (id),
    student_id         BIGINT NOT NULL REFERENCES users (id),
    elective_id        BIGINT NOT NULL REFERENCES electives (id),
    organisation       INTEGER CHECK (organisation BETWEEN 1 AND 5),
    supervision        INTEGER CHECK (supervision BETWEEN 1 AND 5),
    integration        INTEGER CHECK (integration BETWEEN 1 AND 5),
    clinical_learning  INTEGER CHECK (clinical_learning BETWEEN 1 AND 5),
    language_support   INTEGER CHECK (language_support BETWEEN 1 AND 5),
    recommend          BOOLEAN,
    body               TEXT NOT NULL DEFAULT '',
    costs              TEXT NOT NULL DEFAULT '',
    housing            TEXT NOT NULL DEFAULT '',
    visa               TEXT NOT NULL DEFAULT '',
    tips               TEXT NOT NULL DEFAULT '',
    consent_quote      BOOLEAN NOT NULL DEFAULT FALSE,
    certificate_id     BIGINT REFERENCES documents (id),
    submitted_at       TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX student_reports_elective ON student_reports (elective_id);

CREATE TABLE report_reminders (
    application_id BIGINT NOT NULL REFERENCES applications (id),
    after_days     INTEGER NOT NULL,
    sent_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (application_id, after_days)
);

CREATE TABLE recognitions (
    application_id BIGINT PRIMARY KEY REFERENCES applications (id),
    home_course    TEXT NOT NULL,
    credits        TEXT NOT NULL,
    grade          TEXT NOT NULL,
    recognised_on  DATE NOT NULL,
    recognised_by  BIGINT NOT NULL REFERENCES users (id),
    created_at     TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE recognitions;
DROP TABLE report_reminders;
DROP TABLE student_reports;
