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

-- +goose Down
DROP TABLE agreement_expiry_mails;
