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

-- +goose Down
DROP TABLE agreement_expiry_mails;
