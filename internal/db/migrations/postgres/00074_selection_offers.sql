-- +goose Up
-- Offers of freed seats to a published round's waitlist (issue 14,
-- internal/selection/auto.go). One row per (round, application, period):
-- a seat of a period is offered to an applicant once, so an offer that
-- expired or was declined passes to the next. open_application_id is the
-- application while the offer is open and NULL after, so that its unique
-- index allows one open offer per application (both dialects treat NULLs
-- as distinct; a partial index would differ between them). An open offer
-- holds its seat: the job counts it with the nominations when it looks
-- for free seats, under the round's row lock.
CREATE TABLE selection_offers (
    id                  BIGSERIAL PRIMARY KEY,
    round_id            BIGINT NOT NULL REFERENCES selection_rounds (id) ON DELETE CASCADE,
    application_id      BIGINT NOT NULL REFERENCES applications (id),
    period_id           BIGINT NOT NULL REFERENCES periods (id),
    rank                INTEGER NOT NULL,
    state               TEXT NOT NULL DEFAULT 'open',
    open_application_id BIGINT REFERENCES applications (id),
    offered_at          TIMESTAMPTZ NOT NULL,
    expires_at          TIMESTAMPTZ NOT NULL,
    answered_at         TIMESTAMPTZ,
    CHECK (state IN ('open', 'accepted', 'declined', 'expired', 'void')),
    CHECK ((state = 'open') = (open_application_id IS NOT NULL))
);
CREATE UNIQUE INDEX selection_offers_once ON selection_offers (round_id, application_id, period_id);
CREATE UNIQUE INDEX selection_offers_one_open ON selection_offers (open_application_id);
CREATE INDEX selection_offers_period ON selection_offers (period_id, state);
CREATE INDEX selection_offers_application ON selection_offers (application_id);

-- +goose Down
DROP TABLE selection_offers;
