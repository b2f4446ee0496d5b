-- +goose Up
-- The office's mails before an agreement expires (issue 17): one row per
-- agreement, notice (180, 90 or 30 days before) and last day, written in
-- the transaction that enqueues the mails, so that a restart or a second
-- replica running the job finds the row and sends nothing again. The last
-- day is part of the key: an agreement extended to a new date is due its
-- notices again.
CREATE TABLE agreement_expiry_mails (
    agreement_id BIGINT NOT NULL REFERENCES agreements (id),
    days_before  INTEGER NOT NULL,
    valid_until  DATE NOT NULL,
    sent_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (agreement_id, days_before, valid_until),
    CHECK (days_before > 0)
);

-- The office's home counts applications and requests per month of two
-- years on every visit (internal/report/trends.go): these let it read a
-- range of the index instead of every row.
CREATE INDEX applications_submitted ON applications (direction, submitted_at);
CREATE INDEX applications_confirmed ON applications (direction, confirmed_at);
CREATE INDEX rotation_requests_submitted ON rotation_requests (submitted_at);

-- +goose Down
DROP INDEX rotation_requests_submitted;
DROP INDEX applications_confirmed;
DROP INDEX applications_submitted;
DROP TABLE agreement_expiry_mails;
