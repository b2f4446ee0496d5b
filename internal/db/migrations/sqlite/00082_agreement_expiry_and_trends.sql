-- +goose Up
-- The office's mails before an agreement expires (see the PostgreSQL
-- migration).
CREATE TABLE agreement_expiry_mails (
    agreement_id INTEGER NOT NULL REFERENCES agreements (id),
    days_before  INTEGER NOT NULL,
    valid_until  DATE NOT NULL,
    sent_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (agreement_id, days_before, valid_until),
    CHECK (days_before > 0)
);

-- The home's trends (see the PostgreSQL migration).
CREATE INDEX applications_submitted ON applications (direction, submitted_at);
CREATE INDEX applications_confirmed ON applications (direction, confirmed_at);
CREATE INDEX rotation_requests_submitted ON rotation_requests (submitted_at);

-- +goose Down
DROP INDEX rotation_requests_submitted;
DROP INDEX applications_confirmed;
DROP INDEX applications_submitted;
DROP TABLE agreement_expiry_mails;
