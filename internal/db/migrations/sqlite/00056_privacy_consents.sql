-- +goose Up
-- Consent to show a health document (every version of one wallet chain) to
-- one kind of recipient: reviewers in scope or the office. A revocation
-- keeps the row (when, under which notice it was given) and stops new access
-- at once. The latest row of a chain and recipient decides.
CREATE TABLE privacy_consents (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    chain_id       INTEGER NOT NULL,
    recipient      TEXT NOT NULL,
    notice_version TEXT NOT NULL,
    granted_at     TIMESTAMP NOT NULL,
    revoked_at     TIMESTAMP
);
CREATE INDEX privacy_consents_chain ON privacy_consents (chain_id, recipient, id);
CREATE INDEX privacy_consents_person ON privacy_consents (person_id);

-- +goose Down
DROP TABLE privacy_consents;
