-- +goose Up
-- Offers of freed seats to a published round's waitlist (see the PostgreSQL migration).
CREATE TABLE selection_offers (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id            INTEGER NOT NULL REFERENCES selection_rounds (id) ON DELETE CASCADE,
    application_id      INTEGER NOT NULL REFERENCES applications (id),
    period_id           INTEGER NOT NULL REFERENCES periods (id),
    rank                INTEGER NOT NULL,
    state               TEXT NOT NULL DEFAULT 'open',
    open_application_id INTEGER REFERENCES applications (id),
    offered_at          TIMESTAMP NOT NULL,
    expires_at          TIMESTAMP NOT NULL,
    answered_at         TIMESTAMP,
    CHECK (state IN ('open', 'accepted', 'declined', 'expired', 'void')),
    CHECK ((state = 'open') = (open_application_id IS NOT NULL))
);
CREATE UNIQUE INDEX selection_offers_once ON selection_offers (round_id, application_id, period_id);
CREATE UNIQUE INDEX selection_offers_one_open ON selection_offers (open_application_id);
CREATE INDEX selection_offers_period ON selection_offers (period_id, state);
CREATE INDEX selection_offers_application ON selection_offers (application_id);

-- +goose Down
DROP TABLE selection_offers;
